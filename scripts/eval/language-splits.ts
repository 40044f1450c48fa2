/**
 * The labelled corpora of the pre-election and obligation filters (filters/<filter>/corpus/), read
 * as the mail they stand for, and screened by the filter under the example policy: shared by
 * `npm run eval` and the dev-split tests.
 *
 * - party-political items are sent by an officer to a residents' list outside the pre-election
 *   period: the filter must flag party-political material (an officer campaigning) and pass the
 *   rest;
 * - obligation items are sent by a member from their council address to a resident.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { obligation } from '../../filters/obligation/index.js';
import { preElection } from '../../filters/pre-election/index.js';
import type { Config } from '../../src/config/schema.js';
import { Directory } from '../../src/directory.js';
import type { Filter, Finding } from '../../src/finding.js';
import { screen } from '../../src/pipeline.js';
import { PROJECT_ROOT } from '../abusive-language/data.js';
import { addressOf, MEMBERS, OFFICERS, RESIDENTS_LIST } from './replay.js';

export interface LabelledItem {
  readonly text: string;
  readonly label: 0 | 1;
  readonly kind: string;
  readonly category: string;
  /** the file it came from: one writer's voice */
  readonly writer: string;
}

export type LanguageFilter = 'pre-election' | 'obligation';

export function corpusItems(filter: LanguageFilter, split: 'train' | 'dev'): LabelledItem[] {
  const folder = join(PROJECT_ROOT, 'filters', filter, 'corpus', split);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => file.endsWith('.jsonl'))
    .sort()
    .flatMap((file) =>
      readFileSync(join(folder, file), 'utf8')
        .split('\n')
        .filter((line) => line.trim().length > 0)
        .map((line) => {
          const row = JSON.parse(line) as { text: string; label: 0 | 1; kind?: string; category?: string };
          return { text: row.text, label: row.label, kind: row.kind ?? '', category: row.category ?? '', writer: basename(file, '.jsonl') };
        }),
    );
}

export const RESIDENT = 'Mrs J Appleby <j.appleby@example.org.uk>';
/** a weekday outside the example policy's pre-election period (26 March to 6 May 2027) */
export const OUTSIDE_PERIOD = new Date('2027-02-02T10:15:00Z');

const FILTERS: Record<LanguageFilter, Filter<never>> = { 'pre-election': preElection as Filter<never>, obligation: obligation as Filter<never> };

/** The text as the body of a message: an officer to a residents' list (pre-election), a member to a resident (obligation). */
export function languageMessage(filter: LanguageFilter, text: string, index: number): { raw: Buffer; envelope: { mailFrom: string; rcptTo: string[] } } {
  const from = filter === 'pre-election' ? (OFFICERS[index % OFFICERS.length] as string) : (MEMBERS[index % MEMBERS.length] as string);
  const to = filter === 'pre-election' ? RESIDENTS_LIST : RESIDENT;
  const raw = Buffer.from(
    [`From: ${from}`, `To: ${to}`, 'Subject: News from the Council', 'Date: Tue, 2 Feb 2027 10:15:00 +0000', `Message-ID: <lang-${index}@eval.invalid>`, 'Content-Type: text/plain; charset=utf-8', '', text.replace(/\r?\n/g, '\r\n')].join('\r\n'),
    'utf8',
  );
  return { raw, envelope: { mailFrom: addressOf(from), rcptTo: [addressOf(to)] } };
}

/** The filter's findings on the text sent as `languageMessage` says, under `config`. */
export async function languageFindings(filter: LanguageFilter, text: string, index: number, config: Config, directory: Directory): Promise<Finding[]> {
  const { raw, envelope } = languageMessage(filter, text, index);
  const result = await screen({ raw, envelope, receivedAt: OUTSIDE_PERIOD }, { config, directory, filters: [FILTERS[filter]] });
  return result.findings.filter((finding) => finding.filter === filter);
}

export interface SplitResult {
  readonly item: LabelledItem;
  readonly findings: readonly Finding[];
}

export async function screenSplit(filter: LanguageFilter, items: readonly LabelledItem[], config: Config): Promise<SplitResult[]> {
  const directory = new Directory(config);
  const results: SplitResult[] = [];
  for (const [index, item] of items.entries()) results.push({ item, findings: await languageFindings(filter, item.text, index, config, directory) });
  return results;
}

export function precisionRecall(results: readonly SplitResult[]): { precision: number; recall: number; found: number; positives: number; falseAlarms: number; negatives: number } {
  const positives = results.filter((result) => result.item.label === 1).length;
  const found = results.filter((result) => result.item.label === 1 && result.findings.length > 0).length;
  const falseAlarms = results.filter((result) => result.item.label === 0 && result.findings.length > 0).length;
  return { precision: found + falseAlarms === 0 ? Number.NaN : found / (found + falseAlarms), recall: positives === 0 ? Number.NaN : found / positives, found, positives, falseAlarms, negatives: results.length - positives };
}
