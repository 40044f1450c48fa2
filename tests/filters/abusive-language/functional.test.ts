import { beforeAll, describe, expect, it } from 'vitest';
import { abusiveLanguageFilter } from '../../../filters/abusive-language/index.js';
import type { Config } from '../../../src/config/schema.js';
import { Directory } from '../../../src/directory.js';
import { screen } from '../../../src/pipeline.js';
import { exampleConfig } from '../../helpers/config.js';
import { CAPABILITIES, expectedFlag, type Capability } from './cases.js';

/**
 * The functional tables (cases.ts), each case sent by a member to an officer and screened by this
 * filter. For each table, the least number of its cases the shipped model flags ('flag' tables) or
 * the most it flags ('pass' tables): a change that makes the filter find less, or flag more of what
 * it must not, fails here. The aim is higher than these figures: at least 80% of all abusive cases
 * flagged, and no 'pass' table above 10%; `npm run eval` prints where each table stands.
 */
const SHIPPED: Readonly<Record<string, number>> = {
  'group derogation without a named target': 8,
  'threats against a group': 6,
  'dehumanising comparisons': 7,
  'discrimination about a person': 4,
  'slurs at a person': 8,
  'threats to job or career': 10,
  'veiled threats, blackmail and family': 9,
  'harassment: intrusive or unwanted contact': 4,
  'sexual harassment': 6,
  'ridicule, sarcasm and humiliation': 5,
  'personal insults': 8,
  'capitals with an insult': 10,
  'spelling variants of abuse': 6,
  'swearing at a person': 12,
  'negated abuse': 1,
  'counter-speech and quotation of hate': 2,
  'reporting abuse received': 1,
  'neutral mentions of identities': 0,
  'positive mentions of identities': 0,
  'slur homonyms and innocent look-alikes': 4,
  'firm criticism of work': 0,
  'strong policy disagreement': 0,
  'legitimate consequences and formal process': 0,
  'friendly banter and welfare': 0,
};
/** the least of all 'flag' tables together that must be flagged */
const LEAST_RECALL = 0.61;

let config: Config;
let directory: Directory;
beforeAll(() => {
  config = exampleConfig();
  directory = new Directory(config);
});

async function isFlagged(text: string, index: number): Promise<boolean> {
  const headers = [
    'From: Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk>',
    'To: Rachel Finch <rachel.finch@greyfordvale.gov.uk>',
    'Subject: Council business',
    'Date: Tue, 2 Feb 2027 10:15:00 +0000',
    `Message-ID: <case-${index}@greyfordvale.gov.uk>`,
    'Content-Type: text/plain; charset=utf-8',
  ];
  const raw = Buffer.from(`${headers.join('\r\n')}\r\n\r\n${text.replace(/\r?\n/g, '\r\n')}\r\n`, 'utf8');
  const result = await screen(
    { raw, envelope: { mailFrom: 'cllr.hadley@greyfordvale.gov.uk', rcptTo: ['rachel.finch@greyfordvale.gov.uk'] }, receivedAt: new Date('2027-02-02T10:15:00Z') },
    { config, directory, filters: [abusiveLanguageFilter] },
  );
  return result.findings.some((finding) => finding.filter === 'abusive-language');
}

/** the cases of a table that did not behave as the table expects */
async function failures(capability: Capability): Promise<string[]> {
  const failed: string[] = [];
  for (const [index, text] of capability.cases.entries()) if ((await isFlagged(text, index)) !== expectedFlag(capability)) failed.push(text);
  return failed;
}

describe('functional tables', () => {
  it('cover every capability with at least ten cases, abusive and not', () => {
    expect(CAPABILITIES.filter((capability) => capability.expect === 'flag').length).toBeGreaterThanOrEqual(12);
    expect(CAPABILITIES.filter((capability) => capability.expect === 'pass').length).toBeGreaterThanOrEqual(10);
    for (const capability of CAPABILITIES) expect(capability.cases.length).toBeGreaterThanOrEqual(10);
  });

  it.each(CAPABILITIES.map((capability) => [capability.name, capability.expect, capability] as const))('%s (%s)', async (name, expect_, capability) => {
    const failed = await failures(capability);
    const flagged = expect_ === 'flag' ? capability.cases.length - failed.length : failed.length;
    const shipped = SHIPPED[name];
    expect(shipped, 'every table has its shipped figure').toBeDefined();
    if (expect_ === 'flag') expect(flagged, `missed:\n${failed.join('\n')}`).toBeGreaterThanOrEqual(shipped as number);
    else expect(flagged, `flagged:\n${failed.join('\n')}`).toBeLessThanOrEqual(shipped as number);
  });

  it(`flags at least ${LEAST_RECALL * 100}% of the abusive cases together`, async () => {
    let cases = 0;
    let missed = 0;
    for (const capability of CAPABILITIES.filter((candidate) => candidate.expect === 'flag')) {
      cases += capability.cases.length;
      missed += (await failures(capability)).length;
    }
    expect(1 - missed / cases).toBeGreaterThanOrEqual(LEAST_RECALL);
  });
});
