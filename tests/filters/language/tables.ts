import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.js';
import { Directory } from '../../../src/directory.js';
import { corpusItems, languageFindings, precisionRecall, screenSplit, type LanguageFilter, type SplitResult } from '../../../scripts/eval/language-splits.js';
import { exampleConfig } from '../../helpers/config.js';

/** One CheckList table: cases that must all be flagged, or none of them. */
export interface Capability {
  readonly name: string;
  readonly expect: 'flag' | 'pass';
  readonly cases: readonly string[];
}

/** The cases of a table that did not behave as the table expects, each sent as `languageMessage` says. */
export async function failures(filter: LanguageFilter, capability: Capability, config: Config, directory: Directory): Promise<string[]> {
  const failed: string[] = [];
  for (const [index, text] of capability.cases.entries()) {
    const flagged = (await languageFindings(filter, text, index, config, directory)).length > 0;
    if (flagged !== (capability.expect === 'flag')) failed.push(text);
  }
  return failed;
}

/**
 * A test per table: a 'flag' table must have at least its shipped number of cases flagged, a 'pass'
 * table at most its shipped number; and all 'flag' tables together at least `leastRecall`.
 */
export function functionalTables(
  filter: LanguageFilter,
  capabilities: readonly Capability[],
  shipped: Readonly<Record<string, number>>,
  leastRecall: number,
  setup: () => { config: Config; directory: Directory },
): void {
  it('cover every capability with at least ten cases, flagged and passed', () => {
    expect(capabilities.filter((capability) => capability.expect === 'flag').length).toBeGreaterThanOrEqual(5);
    expect(capabilities.filter((capability) => capability.expect === 'pass').length).toBeGreaterThanOrEqual(5);
    for (const capability of capabilities) expect(capability.cases.length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(shipped).sort()).toEqual(capabilities.map((capability) => capability.name).sort());
  });
  for (const capability of capabilities) {
    it(`${capability.name} (${capability.expect})`, async () => {
      const { config, directory } = setup();
      const failed = await failures(filter, capability, config, directory);
      const floor = shipped[capability.name] as number;
      if (capability.expect === 'flag') expect(capability.cases.length - failed.length, `missed:\n${failed.join('\n')}`).toBeGreaterThanOrEqual(floor);
      else expect(failed.length, `flagged:\n${failed.join('\n')}`).toBeLessThanOrEqual(floor);
    });
  }
  it(`flags at least ${Math.round(leastRecall * 100)}% of the cases of the 'flag' tables together`, async () => {
    const { config, directory } = setup();
    let cases = 0;
    let missed = 0;
    for (const capability of capabilities.filter((entry) => entry.expect === 'flag')) {
      cases += capability.cases.length;
      missed += (await failures(filter, capability, config, directory)).length;
    }
    expect((cases - missed) / cases).toBeGreaterThanOrEqual(leastRecall);
  });
}

/** Directory and policy, built once per test file. */
export function exampleSetup(make: () => Config): () => { config: Config; directory: Directory } {
  let built: { config: Config; directory: Directory } | undefined;
  return () => {
    if (!built) {
      const config = make();
      built = { config, directory: new Directory(config) };
    }
    return built;
  };
}

/**
 * The filter's dev split (filters/<filter>/corpus/dev: by a writer the training split does not
 * have, never trained or tuned on), each item sent as scripts/eval/language-splits.ts says and
 * screened under the example policy: there, by writers of its own, about half positive, and
 * flagged with at least the given precision and recall.
 */
export function devSplitTests(filter: LanguageFilter, leastPrecision: number, leastRecall: number): void {
  let results: SplitResult[];
  beforeAll(async () => {
    results = await screenSplit(filter, corpusItems(filter, 'dev'), exampleConfig());
  }, 60_000);

  describe(`the ${filter} dev split`, () => {
    it('is there, by writers of its own, about half of it positive', () => {
      const train = new Set(corpusItems(filter, 'train').map((item) => item.writer));
      expect(results.length).toBeGreaterThanOrEqual(200);
      expect(results.filter((result) => train.has(result.item.writer))).toEqual([]);
      const positive = results.filter((result) => result.item.label === 1).length / results.length;
      expect(positive).toBeGreaterThan(0.4);
      expect(positive).toBeLessThan(0.6);
    });

    it(`is flagged with precision ≥ ${leastPrecision} and recall ≥ ${leastRecall}`, () => {
      const { precision, recall } = precisionRecall(results);
      expect(precision).toBeGreaterThanOrEqual(leastPrecision);
      expect(recall).toBeGreaterThanOrEqual(leastRecall);
    });
  });
}
