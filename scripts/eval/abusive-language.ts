/**
 * Accuracy and speed of the abusive-language filter, printed by `npm run eval`.
 *
 * 1. The project's dev split (filters/abusive-language/corpus/dev/: written by writers whose voices
 *    the training split does not have, and never tuned on): every item sent as a message in its
 *    direction (member→officer, officer→member, …) between people of the example policy and
 *    screened by the filter. Precision and recall overall; per category, how many were found and
 *    how many under their own category; per kind of hard negative, how many were flagged.
 * 2. The functional tests' cases (tests/filters/abusive-language/cases.ts), one line per capability:
 *    how many cases behave as expected.
 * 3. Public test splits the model never trained on: OLID test (tweets) and ConvAbuse test (abuse
 *    aimed at a conversational agent): ROC-AUC of the filter's score, precision and recall.
 * 4. ToxiCR (code review between colleagues), for reference only: its labels count mild code
 *    critique that the protocols allow, and nothing here is tuned on it.
 * 5. False alarms on real business mail (spamassassin easy_ham, Enron ham) replayed as
 *    member→officer mail: every finding is a false alarm.
 * 6. Messages per second through the filter on one core, on that business mail, and the time for
 *    one dense 5 KB member→officer enquiry.
 *
 * Set ABUSE_EVAL_EXAMPLES=N to print N misses and false alarms of each kind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { abusiveLanguageFilter, abusiveLanguageOptions, scoreText, type AbusiveLanguageOptions } from '../../filters/abusive-language/index.js';
import { CATEGORIES, CATEGORY_INFO, RULE_TO_CATEGORY, type Category } from '../../filters/abusive-language/categories.js';
import { shippedModel } from '../../filters/abusive-language/model.js';
import { defaultConfigPath, loadConfig } from '../../src/config/load.js';
import { filterSettingsSchema, type Config } from '../../src/config/schema.js';
import { Directory } from '../../src/directory.js';
import type { FilterContext, Finding } from '../../src/finding.js';
import type { ScreenedMessage } from '../../src/message/model.js';
import { parseMessage } from '../../src/message/parse.js';
import { CAPABILITIES, expectedFlag } from '../../tests/filters/abusive-language/cases.js';
import { parseCsv, readConvAbuse, readCorpus, readOlidTest, rocAuc, SHARED_DATA, type CorpusItem, type LabelledText } from '../abusive-language/data.js';
import { corpusMessages, MEMBERS, messageOf, OFFICERS } from './replay.js';

const EXAMPLES = Number(process.env.ABUSE_EVAL_EXAMPLES ?? 0);

const percent = (value: number, digits = 1): string => (Number.isNaN(value) ? 'n/a' : `${(value * 100).toFixed(digits)}%`);
const fixed = (value: number): string => (Number.isNaN(value) ? 'n/a' : value.toFixed(3));

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => `  ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function contextFor(config: Config, directory: Directory, options: AbusiveLanguageOptions): FilterContext<AbusiveLanguageOptions> {
  return { config, directory, options: { ...filterSettingsSchema.parse({}), ...options }, now: new Date('2027-02-02T10:00:00Z') };
}

async function devReport(config: Config, directory: Directory, options: AbusiveLanguageOptions): Promise<void> {
  const items = readCorpus('dev');
  if (items.length === 0) {
    process.stdout.write('  dev split: none in filters/abusive-language/corpus/dev\n');
    return;
  }
  const context = contextFor(config, directory, options);
  const results: Array<{ item: CorpusItem; categories: Set<Category>; findings: Finding[] }> = [];
  for (const [index, item] of items.entries()) {
    const { raw, envelope } = messageOf(item.text, item.direction, index);
    const message = await parseMessage(raw, envelope, directory, { maxParseBytes: config.relay.screening.maxParseBytes });
    const findings = abusiveLanguageFilter.screen(message, context) as Finding[];
    results.push({ item, findings, categories: new Set(findings.map((finding) => RULE_TO_CATEGORY.get(finding.rule)).filter((category): category is Category => category !== undefined)) });
  }
  const flagged = results.filter((result) => result.findings.length > 0);
  const positives = results.filter((result) => result.item.label === 1);
  const truePositives = flagged.filter((result) => result.item.label === 1).length;
  const writers = [...new Set(items.map((item) => item.writer))].join(', ');
  process.stdout.write(
    `\n  dev split (${items.length} messages by ${writers}; never tuned on): precision ${percent(truePositives / flagged.length)}, ` +
      `recall ${percent(truePositives / positives.length)} (${truePositives} of ${positives.length} abusive found, ${flagged.length - truePositives} of ${items.length - positives.length} others flagged)\n`,
  );
  // the corpus labels swearing at no one and shouting as abuse; the shipped policy turns those categories off
  const reportedKind = (result: (typeof results)[number]): boolean => CATEGORY_INFO[result.item.category as Category]?.enabledByDefault !== false;
  const countedPositives = positives.filter(reportedKind);
  const countedFound = countedPositives.filter((result) => result.findings.length > 0).length;
  const offCategories = [...new Set(positives.filter((result) => !reportedKind(result)).map((result) => result.item.category))].join(', ');
  process.stdout.write(
    `  abuse of the categories the shipped policy reports (without ${offCategories}): precision ${percent(countedFound / (countedFound + flagged.length - truePositives))}, ` +
      `recall ${percent(countedFound / countedPositives.length)} (${countedFound} of ${countedPositives.length})\n`,
  );
  const rows: string[][] = [];
  for (const category of CATEGORIES) {
    const labelled = positives.filter((result) => result.item.category === category);
    const reported = results.filter((result) => result.categories.has(category));
    if (labelled.length === 0 && reported.length === 0) continue;
    const found = labelled.filter((result) => result.findings.length > 0).length;
    const own = labelled.filter((result) => result.categories.has(category)).length;
    const right = reported.filter((result) => result.item.label === 1).length;
    rows.push([
      category,
      String(labelled.length),
      labelled.length > 0 ? percent(found / labelled.length) : 'n/a',
      labelled.length > 0 ? percent(own / labelled.length) : 'n/a',
      String(reported.length),
      reported.length > 0 ? percent(right / reported.length) : 'n/a',
    ]);
  }
  process.stdout.write(`${table(['category', 'labelled', 'recall', 'as itself', 'reported', 'precision'], rows)}\n`);
  process.stdout.write('  (recall: found under any category; as itself: under its own; precision: reports of the category on abusive messages)\n');
  const kinds = new Map<string, { total: number; flagged: number }>();
  for (const result of results) {
    if (result.item.label === 1) continue;
    const kind = result.item.kind || 'unspecified';
    const counts = kinds.get(kind) ?? { total: 0, flagged: 0 };
    counts.total += 1;
    if (result.findings.length > 0) counts.flagged += 1;
    kinds.set(kind, counts);
  }
  const kindRows = [...kinds.entries()].sort((a, b) => b[1].total - a[1].total).map(([kind, counts]) => [kind, String(counts.total), String(counts.flagged), percent(counts.flagged / counts.total)]);
  process.stdout.write(`  hard negatives by kind\n${table(['kind', 'messages', 'flagged', 'rate'], kindRows)}\n`);
  if (EXAMPLES > 0) {
    const misses = positives.filter((result) => result.findings.length === 0).slice(0, EXAMPLES);
    const alarms = flagged.filter((result) => result.item.label === 0).slice(0, EXAMPLES);
    for (const result of misses) process.stdout.write(`    missed ${result.item.category}: ${JSON.stringify(result.item.text.slice(0, 160))}\n`);
    for (const result of alarms) process.stdout.write(`    false alarm ${result.findings.map((finding) => finding.rule).join(',')} (${result.item.kind}): ${JSON.stringify(result.findings[0]?.evidence[0]?.text.slice(0, 160))}\n`);
  }
}

function functionalReport(options: AbusiveLanguageOptions): void {
  const rows: string[][] = [];
  for (const capability of CAPABILITIES) {
    let right = 0;
    for (const text of capability.cases) if ((scoreText(text, options).flagged.length > 0) === expectedFlag(capability)) right += 1;
    rows.push([capability.name, capability.expect, String(capability.cases.length), percent(right / capability.cases.length, 0)]);
  }
  process.stdout.write(`\n  functional cases (tests/filters/abusive-language/cases.ts)\n${table(['capability', 'expected', 'cases', 'as expected'], rows)}\n`);
}

function readToxicr(): LabelledText[] {
  const rows = parseCsv(readFileSync(join(SHARED_DATA, 'toxicr-code-review', 'code-review-dataset-full.csv'), 'utf8'));
  return rows
    .slice(1)
    .filter((row) => row.length >= 2 && (row[1] === '0' || row[1] === '1'))
    .map((row, i) => ({ id: `toxicr-${i}`, text: row[0] ?? '', label: row[1] === '1' ? 1 : 0 }));
}

function textCorpusReport(name: string, items: readonly LabelledText[], options: AbusiveLanguageOptions): void {
  const labels = items.map((item) => item.label);
  const results = items.map((item) => scoreText(item.text, options));
  let tp = 0;
  let fp = 0;
  results.forEach((result, i) => {
    if (result.flagged.length === 0) return;
    if (labels[i] === 1) tp += 1;
    else fp += 1;
  });
  const positives = labels.filter((label) => label === 1).length;
  process.stdout.write(
    `  ${name.padEnd(44)} ${String(items.length).padStart(6)} texts ${String(positives).padStart(5)} abusive  ROC-AUC ${fixed(rocAuc(results.map((result) => result.score), labels))}  ` +
      `precision ${percent(tp / (tp + fp))}  recall ${percent(tp / positives)}\n`,
  );
}

interface MailCorpus {
  readonly name: string;
  readonly messages: ScreenedMessage[];
}

async function businessMail(directory: Directory, config: Config): Promise<MailCorpus[]> {
  const corpora: MailCorpus[] = [];
  for (const corpus of ['easy_ham', 'enron'] as const) {
    const messages: ScreenedMessage[] = [];
    for (const message of corpusMessages(corpus, { name: 'member→officer', from: (i) => MEMBERS[i % MEMBERS.length] as string, to: (i) => OFFICERS[i % OFFICERS.length] as string })) {
      messages.push(await parseMessage(message.raw, message.envelope, directory, { maxParseBytes: config.relay.screening.maxParseBytes }));
    }
    corpora.push({ name: corpus === 'easy_ham' ? 'spamassassin easy_ham' : 'enron1 ham', messages });
  }
  return corpora;
}

/** plain prose with nothing to find, about 5 KB: every sentence is read, and most mention a person */
async function denseEnquiry(directory: Directory, config: Config): Promise<ScreenedMessage> {
  const paragraph =
    'Residents on Castle Street have asked me when the resurfacing will start and whether parking will be suspended. Could you let me know the programme, ' +
    'and whether the contractor will write to each household beforehand? Several have mentioned the drainage by number 14, which floods after heavy rain.';
  let body = 'Dear David,\n\n';
  while (body.length < 5_000) body += `${paragraph}\n\n`;
  body += 'Many thanks,\nSusan';
  const { raw, envelope } = messageOf(body, 'member→officer', 2);
  return parseMessage(raw, envelope, directory, { maxParseBytes: config.relay.screening.maxParseBytes });
}

export async function run(): Promise<void> {
  const model = shippedModel();
  process.stdout.write(`\n== abusive-language (model ${model.version}, trained ${model.trainedAt.slice(0, 10)}) ==\n`);
  const config = loadConfig(defaultConfigPath());
  const directory = new Directory(config);
  const options = abusiveLanguageOptions.parse(config.filters['abusive-language'] ?? {});
  await devReport(config, directory, options);
  functionalReport(options);
  if (!existsSync(SHARED_DATA)) {
    process.stdout.write(`  skipped the public sets: ${SHARED_DATA} is absent\n`);
    return;
  }
  process.stdout.write('\n  public test splits, never trained on (each text screened as council mail)\n');
  textCorpusReport('OLID test split (tweets)', readOlidTest(), options);
  textCorpusReport('ConvAbuse test split (abuse at an agent)', readConvAbuse('test'), options);
  textCorpusReport('ToxiCR code review (reference only)', readToxicr(), options);

  const corpora = await businessMail(directory, config);
  process.stdout.write('\n  false alarms on business mail replayed as member→officer (every finding is one; target ≤ 0.3%)\n');
  const context = contextFor(config, directory, options);
  let alarmed = 0;
  let total = 0;
  for (const corpus of corpora) {
    const findings = corpus.messages.map((message) => abusiveLanguageFilter.screen(message, context) as Finding[]);
    const alarms = findings.filter((list) => list.length > 0);
    alarmed += alarms.length;
    total += corpus.messages.length;
    const byRule = new Map<string, number>();
    for (const list of alarms) for (const finding of list) byRule.set(finding.rule, (byRule.get(finding.rule) ?? 0) + 1);
    const rules = [...byRule.entries()].sort((a, b) => b[1] - a[1]).map(([rule, count]) => `${rule} ${count}`);
    process.stdout.write(`  ${corpus.name.padEnd(24)} ${String(alarms.length).padStart(4)} of ${corpus.messages.length} (${percent(alarms.length / corpus.messages.length, 2)})  ${rules.join(', ')}\n`);
    for (const list of alarms.slice(0, EXAMPLES)) {
      const finding = list[0] as Finding;
      process.stdout.write(`    ${finding.rule} ${finding.score}: ${JSON.stringify(finding.evidence[0]?.text.replace(/\s+/g, ' ').slice(0, 140))}\n`);
    }
  }
  process.stdout.write(`  ${'both'.padEnd(24)} ${String(alarmed).padStart(4)} of ${total} (${percent(alarmed / total, 2)})\n`);

  const all = corpora.flatMap((corpus) => corpus.messages);
  for (const message of all.slice(0, 500)) abusiveLanguageFilter.screen(message, context);
  const started = performance.now();
  for (const message of all) abusiveLanguageFilter.screen(message, context);
  const elapsed = performance.now() - started;
  const characters = all.reduce((sum, message) => sum + Math.min(message.text.newText.length, options.maxScreenedChars), 0);
  process.stdout.write(`\n  speed, one core: ${Math.round((all.length / elapsed) * 1000)} messages/s through the filter (warm), mean ${Math.round(characters / all.length)} characters of new text\n`);
  const enquiry = await denseEnquiry(directory, config);
  const enquiryContext = contextFor(config, directory, options);
  for (let i = 0; i < 500; i += 1) abusiveLanguageFilter.screen(enquiry, enquiryContext);
  const rounds: number[] = [];
  for (let round = 0; round < 30; round += 1) {
    const roundStarted = performance.now();
    for (let i = 0; i < 50; i += 1) abusiveLanguageFilter.screen(enquiry, enquiryContext);
    rounds.push((performance.now() - roundStarted) / 50);
  }
  rounds.sort((a, b) => a - b);
  process.stdout.write(`  a dense ${enquiry.text.newText.length}-character member→officer enquiry: median ${(rounds[15] as number).toFixed(3)} ms per message (30 rounds of 50, warm)\n`);
}

if (process.argv[1]?.endsWith('abusive-language.ts') && process.argv[1].includes('eval')) {
  await run();
}
