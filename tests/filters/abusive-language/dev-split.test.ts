import { beforeAll, describe, expect, it } from 'vitest';
import { CATEGORY_INFO, type Category } from '../../../filters/abusive-language/categories.js';
import { abusiveLanguageFilter, abusiveLanguageOptions } from '../../../filters/abusive-language/index.js';
import { filterSettingsSchema, type Config } from '../../../src/config/schema.js';
import { Directory } from '../../../src/directory.js';
import type { Finding } from '../../../src/finding.js';
import { parseMessage } from '../../../src/message/parse.js';
import { readCorpus, type CorpusItem } from '../../../scripts/abusive-language/data.js';
import { messageOf } from '../../../scripts/eval/replay.js';
import { exampleConfig } from '../../helpers/config.js';

/**
 * The corpus's dev split (written by writers the training split does not have, never trained or
 * tuned on), each item sent as mail in its direction and screened by the filter as the example
 * policy sets it. The floors are just below what the shipped filter reaches (precision 99.2%, recall
 * 61.9% of the abuse in the categories it reports), so a change that makes the filter find less, or flag more of what it must not, fails here;
 * the aim is recall ≥ 0.85 at precision ≥ 0.9. `npm run eval` prints the figures.
 */
const LEAST_PRECISION = 0.95;
const LEAST_RECALL = 0.61;
/** the most of any kind of hard negative (quotation, counter-speech, negation …) that may be flagged; the shipped model flags 1 of 20 negations */
const MOST_FLAGGED_OF_A_KIND = 0.1;

let results: Array<{ item: CorpusItem; flagged: boolean }>;
beforeAll(async () => {
  const config: Config = exampleConfig();
  const directory = new Directory(config);
  const options = abusiveLanguageOptions.parse(config.filters['abusive-language'] ?? {});
  const context = { config, directory, options: { ...filterSettingsSchema.parse({}), ...options }, now: new Date('2027-02-02T10:00:00Z') };
  results = [];
  for (const [index, item] of readCorpus('dev').entries()) {
    const { raw, envelope } = messageOf(item.text, item.direction, index);
    const message = await parseMessage(raw, envelope, directory, { maxParseBytes: config.relay.screening.maxParseBytes });
    results.push({ item, flagged: (abusiveLanguageFilter.screen(message, context) as Finding[]).length > 0 });
  }
});

describe('the dev split', () => {
  it('is there, by writers of its own, about half of it abusive', () => {
    const writers = new Set(results.map((result) => result.item.writer));
    const train = new Set(readCorpus('train').map((item) => item.writer));
    expect(results.length).toBeGreaterThanOrEqual(400);
    expect([...writers].filter((writer) => train.has(writer))).toEqual([]);
    const abusive = results.filter((result) => result.item.label === 1).length / results.length;
    expect(abusive).toBeGreaterThan(0.4);
    expect(abusive).toBeLessThan(0.6);
  });

  it(`is flagged with precision ≥ ${LEAST_PRECISION} and recall ≥ ${LEAST_RECALL}, counting the abuse of categories the shipped policy reports`, () => {
    // swearing at no one and shouting are labelled abuse in the corpus, but the shipped policy turns them off
    const counted = results.filter((result) => result.item.label === 0 || CATEGORY_INFO[result.item.category as Category]?.enabledByDefault !== false);
    const flagged = counted.filter((result) => result.flagged);
    const found = flagged.filter((result) => result.item.label === 1).length;
    const abusive = counted.filter((result) => result.item.label === 1).length;
    expect(found / flagged.length).toBeGreaterThanOrEqual(LEAST_PRECISION);
    expect(found / abusive).toBeGreaterThanOrEqual(LEAST_RECALL);
  });

  it(`flags at most ${MOST_FLAGGED_OF_A_KIND * 100}% of any kind of hard negative`, () => {
    const kinds = new Map<string, { total: number; flagged: string[] }>();
    for (const { item, flagged } of results) {
      if (item.label === 1) continue;
      const counts = kinds.get(item.kind) ?? { total: 0, flagged: [] };
      counts.total += 1;
      if (flagged) counts.flagged.push(item.text);
      kinds.set(item.kind, counts);
    }
    for (const [kind, counts] of kinds) {
      if (counts.total < 8) continue;
      expect(counts.flagged.length / counts.total, `${kind}:\n${counts.flagged.join('\n')}`).toBeLessThanOrEqual(MOST_FLAGGED_OF_A_KIND);
    }
  });
});
