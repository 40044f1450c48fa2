/**
 * Judgement of the pre-election filter's party-political check and of the obligation filter, on
 * text they have never trained on, printed by `npm run eval`:
 *
 * 1. Each filter's dev split (filters/<filter>/corpus/dev: a writer the training split does not
 *    have; never trained or tuned on), each item sent as scripts/eval/language-splits.ts says
 *    (party-political: an officer to a residents' list outside the pre-election period;
 *    obligation: a member to a resident): precision and recall, per kind of item, and what was
 *    missed or wrongly flagged (set LANGUAGE_EVAL_EXAMPLES=N).
 * 2. The functional tables (tests/filters/<filter>/cases.ts), one line per capability.
 * The false alarms of both filters on real mail and the pipeline's throughput are in
 * scripts/eval/protocol-filters.ts.
 */
import { shippedObligationModel } from '../../filters/obligation/obligation-model.js';
import { shippedPartyModel } from '../../filters/pre-election/party-political.js';
import { Directory } from '../../src/directory.js';
import { CAPABILITIES as OBLIGATION_CASES } from '../../tests/filters/obligation/cases.js';
import { CAPABILITIES as PARTY_CASES } from '../../tests/filters/pre-election/cases.js';
import { failures, type Capability } from '../../tests/filters/language/tables.js';
import { exampleConfig } from '../../tests/helpers/config.js';
import { corpusItems, precisionRecall, screenSplit, type LanguageFilter } from './language-splits.js';

const EXAMPLES = Number(process.env.LANGUAGE_EVAL_EXAMPLES ?? 0);

const percent = (value: number): string => (Number.isNaN(value) ? 'n/a' : `${(value * 100).toFixed(1)}%`);

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => `  ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

async function devReport(filter: LanguageFilter, title: string): Promise<void> {
  const items = corpusItems(filter, 'dev');
  if (items.length === 0) {
    process.stdout.write(`  ${title}: no dev split in filters/${filter}/corpus/dev\n`);
    return;
  }
  const results = await screenSplit(filter, items, exampleConfig());
  const figures = precisionRecall(results);
  const writers = [...new Set(items.map((item) => item.writer))].join(', ');
  process.stdout.write(
    `\n  ${title} dev split (${items.length} items by ${writers}; never tuned on): precision ${percent(figures.precision)}, recall ${percent(figures.recall)} ` +
      `(${figures.found} of ${figures.positives} found, ${figures.falseAlarms} of ${figures.negatives} others flagged)\n`,
  );
  const kinds = new Map<string, { label: 0 | 1; total: number; flagged: number }>();
  for (const result of results) {
    const key = `${result.item.label}:${result.item.category && result.item.category !== 'none' ? result.item.category : result.item.kind}`;
    const entry = kinds.get(key) ?? { label: result.item.label, total: 0, flagged: 0 };
    entry.total += 1;
    if (result.findings.length > 0) entry.flagged += 1;
    kinds.set(key, entry);
  }
  const rows = [...kinds.entries()]
    .sort((a, b) => b[1].label - a[1].label || b[1].total - a[1].total)
    .map(([key, entry]) => [key.slice(2), entry.label === 1 ? 'flag' : 'pass', String(entry.total), String(entry.flagged), percent(entry.flagged / entry.total)]);
  process.stdout.write(`${table(['kind', 'expected', 'items', 'flagged', 'rate'], rows)}\n`);
  if (EXAMPLES > 0) {
    const wrong = results.filter((result) => (result.findings.length > 0) !== (result.item.label === 1)).slice(0, EXAMPLES);
    for (const result of wrong) process.stdout.write(`    ${result.item.label === 1 ? 'missed' : 'false alarm'} (${result.item.kind}): ${JSON.stringify(result.item.text.slice(0, 160))}\n`);
  }
}

async function functionalReport(filter: LanguageFilter, capabilities: readonly Capability[]): Promise<void> {
  const config = exampleConfig();
  const directory = new Directory(config);
  const rows: string[][] = [];
  let flagCases = 0;
  let flagged = 0;
  for (const capability of capabilities) {
    const failed = (await failures(filter, capability, config, directory)).length;
    const asExpected = capability.cases.length - failed;
    if (capability.expect === 'flag') {
      flagCases += capability.cases.length;
      flagged += asExpected;
    }
    rows.push([capability.name, capability.expect, String(capability.cases.length), percent(asExpected / capability.cases.length)]);
  }
  process.stdout.write(`\n  functional cases (tests/filters/${filter}/cases.ts): ${flagged} of ${flagCases} 'flag' cases flagged (${percent(flagged / flagCases)})\n`);
  process.stdout.write(`${table(['capability', 'expected', 'cases', 'as expected'], rows)}\n`);
}

export async function run(): Promise<void> {
  process.stdout.write(`\n== pre-election: party-political check (model ${shippedPartyModel().version}) ==\n`);
  await devReport('pre-election', 'party-political');
  await functionalReport('pre-election', PARTY_CASES);
  process.stdout.write(`\n== obligation (model ${shippedObligationModel().version}) ==\n`);
  await devReport('obligation', 'obligation');
  await functionalReport('obligation', OBLIGATION_CASES);
}

if (process.argv[1]?.endsWith('protocol-language.ts')) await run();
