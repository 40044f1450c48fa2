/**
 * Accuracy and speed of the abusive-language filter, printed by `npm run eval`.
 *
 * - OLID test split (860 tweets; the filter never trained on it): ROC-AUC of the filter's score
 *   and of the model alone, precision/recall at the shipped thresholds.
 * - ToxiCR (19,651 code-review comments between colleagues; measurement only, never trained on):
 *   the same, plus what the score ranking could reach at precision ≥ 0.8 (not a shipped setting).
 * - False alarms on real business mail: spamassassin easy_ham and Enron ham, every finding counted
 *   as a false alarm. Screened with `senders: anyone`, since none of that mail is from a council.
 * - Messages per second through the filter on one core, on the parsed business mail, and the time
 *   for one dense 5 KB member→officer enquiry (plain prose with nothing to find).
 *
 * Five settings are measured: the shipped thresholds; "all swearing" (profanity threshold 0.2, so
 * mild words such as "damn" count); "no undirected" (swearing not aimed at anyone switched off);
 * "discourtesy on" (contempt for work or an idea, off by default, switched on); "every category"
 * (all swearing, discourtesy and shouting together: every optional category on, with the
 * thresholds of the abuse categories themselves (threats, insults, slurs …) as shipped). For ToxiCR the ranking figures say what any threshold on the score
 * could reach: the best recall at precision ≥ 80%, and the precision at recall ≥ 60%.
 * None of the business mail is addressed to the council, so by default (`undirectedRecipients:
 * council`) undirected swearing and insults about unidentified people are not reported in it; the
 * "to council" row measures that mail as if it were addressed to an officer (`undirectedRecipients:
 * anyone`), which is the figure for the content rules themselves.
 *
 * Set ABUSE_EVAL_EXAMPLES=N to print N false alarms per corpus.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { abusiveLanguageFilter, abusiveLanguageOptions, scoreText, type AbusiveLanguageOptions } from '../../filters/abusive-language/index.js';
import { CATEGORY_INFO, type Category } from '../../filters/abusive-language/categories.js';
import { shippedModel } from '../../filters/abusive-language/model.js';
import { decodeVocabulary } from '../../filters/abusive-language/lexicon.js';
import { tokenize } from '../../filters/abusive-language/text.js';
import { defaultConfigPath, loadConfig } from '../../src/config/load.js';
import { filterSettingsSchema, type Config } from '../../src/config/schema.js';
import { Directory } from '../../src/directory.js';
import type { FilterContext, Finding } from '../../src/finding.js';
import type { ScreenedMessage } from '../../src/message/model.js';
import { parseMessage } from '../../src/message/parse.js';
import { parseCsv, readOlidTest, rocAuc, SHARED_DATA, type LabelledText } from '../train-abusive-language.js';

const EXAMPLES = Number(process.env.ABUSE_EVAL_EXAMPLES ?? 0);

interface Confusion {
  readonly precision: number;
  readonly recall: number;
  readonly flagged: number;
}

function confusion(flags: readonly boolean[], labels: readonly (0 | 1)[]): Confusion {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  flags.forEach((flag, i) => {
    const label = labels[i];
    if (flag && label === 1) tp += 1;
    else if (flag) fp += 1;
    else if (label === 1) fn += 1;
  });
  return { precision: tp + fp > 0 ? tp / (tp + fp) : Number.NaN, recall: tp + fn > 0 ? tp / (tp + fn) : Number.NaN, flagged: tp + fp };
}

interface OperatingPoint {
  /** flagged: every text scoring at least this */
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
}

/** precision and recall at every threshold on the score, highest threshold first */
function operatingPoints(scores: readonly number[], labels: readonly (0 | 1)[]): OperatingPoint[] {
  const order = scores.map((score, i) => ({ score, label: labels[i] ?? 0 })).sort((a, b) => b.score - a.score);
  const positives = order.filter((item) => item.label === 1).length;
  const points: OperatingPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i += 1) {
    const item = order[i] as { score: number; label: number };
    if (item.label === 1) tp += 1;
    else fp += 1;
    // texts with equal scores are flagged together
    if (order[i + 1]?.score === item.score) continue;
    points.push({ threshold: item.score, precision: tp / (tp + fp), recall: tp / positives });
  }
  return points;
}

/** the highest recall any threshold on the score reaches while precision stays ≥ `floor` */
function bestRecallAtPrecision(points: readonly OperatingPoint[], floor: number): { recall: number; threshold: number } {
  let best = { recall: 0, threshold: Number.NaN };
  for (const point of points) if (point.precision >= floor && point.recall > best.recall) best = { recall: point.recall, threshold: point.threshold };
  return best;
}

/** the precision at the highest threshold on the score that reaches recall ≥ `floor` */
function precisionAtRecall(points: readonly OperatingPoint[], floor: number): number {
  return points.find((point) => point.recall >= floor)?.precision ?? Number.NaN;
}

const percent = (value: number, digits = 1): string => (Number.isNaN(value) ? '  n/a' : `${(value * 100).toFixed(digits)}%`);
const fixed = (value: number): string => (Number.isNaN(value) ? 'n/a' : value.toFixed(3));

function withOptions(overrides: Record<string, unknown>): AbusiveLanguageOptions {
  return abusiveLanguageOptions.parse(overrides);
}

function readToxicr(): LabelledText[] {
  const rows = parseCsv(readFileSync(join(SHARED_DATA, 'toxicr-code-review', 'code-review-dataset-full.csv'), 'utf8'));
  return rows
    .slice(1)
    .filter((row) => row.length >= 2 && (row[1] === '0' || row[1] === '1'))
    .map((row, i) => ({ id: `toxicr-${i}`, text: row[0] ?? '', label: row[1] === '1' ? 1 : 0 }));
}

function textCorpusReport(name: string, items: readonly LabelledText[], profiles: ReadonlyArray<readonly [string, AbusiveLanguageOptions]>): void {
  const labels = items.map((item) => item.label);
  const model = shippedModel();
  const vocabulary = decodeVocabulary();
  const modelScores = items.map((item) => model.probability(tokenize(item.text.slice(0, 800), vocabulary)));
  const positives = labels.filter((label) => label === 1).length;
  process.stdout.write(`\n  ${name}: ${items.length} texts, ${positives} labelled abusive\n`);
  process.stdout.write(`    model alone              ROC-AUC ${fixed(rocAuc(modelScores, labels))}\n`);
  for (const [profile, options] of profiles) {
    const results = items.map((item) => scoreText(item.text, options));
    const scores = results.map((result) => result.score);
    const { precision, recall, flagged } = confusion(results.map((result) => result.flagged.length > 0), labels);
    process.stdout.write(
      `    filter, ${profile.padEnd(16)} ROC-AUC ${fixed(rocAuc(scores, labels))}  precision ${percent(precision)}  recall ${percent(recall)}  (${flagged} flagged)\n`,
    );
    if (profile === 'shipped' || profile === 'every category') {
      const points = operatingPoints(scores, labels);
      const best = bestRecallAtPrecision(points, 0.8);
      process.stdout.write(
        `    (ranking only: best recall at precision ≥ 80% is ${percent(best.recall)}, at score ≥ ${fixed(best.threshold)}; ` +
          `precision at recall ≥ 60% is ${percent(precisionAtRecall(points, 0.6))}; not a shipped setting)\n`,
      );
    }
    if (profile === 'shipped' || profile === 'every category') {
      const byCategory = new Map<Category, { tp: number; fp: number }>();
      results.forEach((result, i) => {
        for (const category of result.flagged) {
          const counts = byCategory.get(category) ?? { tp: 0, fp: 0 };
          if (labels[i] === 1) counts.tp += 1;
          else counts.fp += 1;
          byCategory.set(category, counts);
        }
      });
      const parts = [...byCategory.entries()].map(([category, counts]) => `${category} ${counts.tp}/${counts.tp + counts.fp}`);
      process.stdout.write(`    flags by category (right/all): ${parts.join(', ') || 'none'}\n`);
    }
  }
}

interface MailCorpus {
  readonly name: string;
  readonly messages: ScreenedMessage[];
  readonly parseMs: number;
}

async function loadMail(name: string, files: readonly string[], toRaw: (file: string) => Buffer, directory: Directory, config: Config): Promise<MailCorpus> {
  const started = performance.now();
  const messages: ScreenedMessage[] = [];
  for (const file of files) {
    messages.push(await parseMessage(toRaw(file), { mailFrom: null, rcptTo: [] }, directory, { maxParseBytes: config.relay.screening.maxParseBytes }));
  }
  return { name, messages, parseMs: performance.now() - started };
}

function falseAlarmReport(corpus: MailCorpus, context: FilterContext<AbusiveLanguageOptions>, profile: string): { findings: Finding[][]; ms: number } {
  const started = performance.now();
  const findings = corpus.messages.map((message) => abusiveLanguageFilter.screen(message, context) as Finding[]);
  const ms = performance.now() - started;
  const alarms = findings.filter((list) => list.length > 0).length;
  const byRule = new Map<string, number>();
  for (const list of findings) for (const finding of list) byRule.set(finding.rule, (byRule.get(finding.rule) ?? 0) + 1);
  const rules = [...byRule.entries()].sort((a, b) => b[1] - a[1]).map(([rule, count]) => `${rule} ${count}`);
  process.stdout.write(
    `    ${corpus.name.padEnd(28)} ${profile.padEnd(18)} ${String(alarms).padStart(4)} of ${corpus.messages.length} messages (${percent(alarms / corpus.messages.length, 2)})  ${rules.join(', ')}\n`,
  );
  if (EXAMPLES > 0 && profile === 'shipped') {
    let shown = 0;
    findings.forEach((list) => {
      for (const finding of list) {
        if (shown >= EXAMPLES) return;
        shown += 1;
        process.stdout.write(`      ${finding.rule} ${finding.score}: ${finding.explanation.slice(0, 100)} | ${JSON.stringify(finding.evidence[0]?.text.slice(0, 120))}\n`);
      }
    });
  }
  return { findings, ms };
}

/** plain prose with nothing to find, about 5 KB: every sentence is read, and most mention a person */
async function denseEnquiry(directory: Directory, config: Config): Promise<ScreenedMessage> {
  const paragraph =
    'Residents on Castle Street have asked me when the resurfacing will start and whether parking will be suspended. Could you let me know the programme, ' +
    'and whether the contractor will write to each household beforehand? Several have mentioned the drainage by number 14, which floods after heavy rain.';
  let body = 'Dear David,\n\n';
  while (body.length < 5_000) body += `${paragraph}\n\n`;
  body += 'Many thanks,\nSusan';
  const raw = Buffer.from(
    'From: Cllr Susan Okafor <cllr.okafor@greyfordvale.gov.uk>\r\nTo: David Osei <david.osei@greyfordvale.gov.uk>\r\nSubject: Castle Street resurfacing\r\n' +
      `Date: Tue, 2 Feb 2027 10:15:00 +0000\r\nMessage-ID: <enquiry@greyfordvale.gov.uk>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body.replace(/\n/g, '\r\n')}`,
    'utf8',
  );
  return parseMessage(raw, { mailFrom: 'cllr.okafor@greyfordvale.gov.uk', rcptTo: ['david.osei@greyfordvale.gov.uk'] }, directory, { maxParseBytes: config.relay.screening.maxParseBytes });
}

function contextFor(config: Config, directory: Directory, options: AbusiveLanguageOptions): FilterContext<AbusiveLanguageOptions> {
  const base = filterSettingsSchema.parse({});
  return { config, directory, options: { ...base, ...options }, now: new Date() };
}

export async function run(): Promise<void> {
  const model = shippedModel();
  process.stdout.write(`\n== abusive-language (model ${model.version}, trained ${model.trainedAt.slice(0, 10)}) ==\n`);
  if (!existsSync(SHARED_DATA)) {
    process.stdout.write(`  skipped: ${SHARED_DATA} is absent; the labelled data is needed to measure this filter\n`);
    return;
  }
  const shipped = withOptions({});
  const strictProfanity = withOptions({ categories: { profanity: { threshold: 0.2 } } });
  const noUndirectedSwearing = withOptions({ categories: { profanity: { enabled: false } } });
  const withDiscourtesy = withOptions({ categories: { discourtesy: { enabled: true } } });
  // every optional category on; the thresholds of the abuse categories themselves as shipped
  const everyCategory = withOptions({ categories: { profanity: { threshold: 0.2 }, discourtesy: { enabled: true }, shouting: { enabled: true } } });
  const profiles = [
    ['shipped', shipped],
    ['all swearing', strictProfanity],
    ['no undirected', noUndirectedSwearing],
    ['discourtesy on', withDiscourtesy],
    ['every category', everyCategory],
  ] as const;

  textCorpusReport('OLID test split (tweets)', readOlidTest(), profiles);
  textCorpusReport('ToxiCR code review (workplace, never trained on)', readToxicr(), profiles);

  const config = loadConfig(defaultConfigPath());
  const directory = new Directory(config);
  process.stdout.write('\n  false alarms on business mail (any finding counts; screened as senders: anyone)\n');
  const hamDirectory = join(SHARED_DATA, 'spamassassin', 'easy_ham');
  const enronDirectory = join(SHARED_DATA, 'enron-spam-enron1-ham', 'ham');
  const easyHam = await loadMail(
    'spamassassin easy_ham',
    readdirSync(hamDirectory).sort().map((file) => join(hamDirectory, file)),
    // each file opens with an mbox "From " separator, which is not a header
    (file) => {
      const raw = readFileSync(file);
      const newline = raw.indexOf(10);
      return raw.subarray(0, 5).toString('latin1') === 'From ' && newline > 0 ? raw.subarray(newline + 1) : raw;
    },
    directory,
    config,
  );
  const enron = await loadMail(
    'enron1 ham',
    readdirSync(enronDirectory).sort().map((file) => join(enronDirectory, file)),
    // "Subject: …" then the body, lower-cased and tokenised: wrapped as a plain message
    (file) => {
      const text = readFileSync(file, 'latin1');
      const newline = text.indexOf('\n');
      const subject = newline >= 0 ? text.slice(0, newline).replace(/^subject:\s*/i, '') : '';
      const body = newline >= 0 ? text.slice(newline + 1) : text;
      return Buffer.from(`From: staff@enron.example\r\nTo: colleague@enron.example\r\nSubject: ${subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`, 'utf8');
    },
    directory,
    config,
  );
  let screenedMs = 0;
  let screened = 0;
  let parseMs = 0;
  let alarmed = 0;
  for (const corpus of [easyHam, enron]) {
    const shippedRun = falseAlarmReport(corpus, contextFor(config, directory, { ...shipped, senders: 'anyone' }), 'shipped');
    falseAlarmReport(corpus, contextFor(config, directory, { ...strictProfanity, senders: 'anyone' }), 'all swearing');
    falseAlarmReport(corpus, contextFor(config, directory, { ...noUndirectedSwearing, senders: 'anyone' }), 'no undirected');
    falseAlarmReport(corpus, contextFor(config, directory, { ...shipped, senders: 'anyone', undirectedRecipients: 'anyone' }), 'to council');
    falseAlarmReport(corpus, contextFor(config, directory, { ...withDiscourtesy, senders: 'anyone', undirectedRecipients: 'anyone' }), 'to council + disc.');
    falseAlarmReport(corpus, contextFor(config, directory, { ...everyCategory, senders: 'anyone', undirectedRecipients: 'anyone' }), 'to council, every');
    alarmed += shippedRun.findings.filter((list) => list.length > 0).length;
    screenedMs += shippedRun.ms;
    screened += corpus.messages.length;
    parseMs += corpus.parseMs;
  }

  process.stdout.write(`    ${'both together'.padEnd(28)} ${'shipped'.padEnd(18)} ${String(alarmed).padStart(4)} of ${screened} messages (${percent(alarmed / screened, 2)})\n`);

  // a second timed pass, once the code is warm, is the figure that matters for a running gateway
  const context = contextFor(config, directory, { ...shipped, senders: 'anyone' });
  const all = [...easyHam.messages, ...enron.messages];
  const started = performance.now();
  for (const message of all) abusiveLanguageFilter.screen(message, context);
  const warmMs = performance.now() - started;
  const characters = all.reduce((sum, message) => sum + Math.min(message.text.newText.length, shipped.maxScreenedChars), 0);
  process.stdout.write(
    `\n  speed, one core: ${Math.round((all.length / warmMs) * 1000)} messages/s through the filter (warm; first pass ${Math.round((screened / screenedMs) * 1000)}/s), ` +
      `mean ${Math.round(characters / all.length)} characters of new text; parsing alone ran at ${Math.round((screened / parseMs) * 1000)} messages/s\n`,
  );
  const enquiry = await denseEnquiry(directory, config);
  const enquiryContext = contextFor(config, directory, shipped);
  for (let i = 0; i < 500; i += 1) abusiveLanguageFilter.screen(enquiry, enquiryContext);
  const rounds: number[] = [];
  for (let round = 0; round < 30; round += 1) {
    const roundStarted = performance.now();
    for (let i = 0; i < 50; i += 1) abusiveLanguageFilter.screen(enquiry, enquiryContext);
    rounds.push((performance.now() - roundStarted) / 50);
  }
  rounds.sort((a, b) => a - b);
  process.stdout.write(`  a dense ${enquiry.text.newText.length}-character member→officer enquiry: median ${(rounds[15] as number).toFixed(3)} ms per message (30 rounds of 50, warm)\n`);
  process.stdout.write(
    `  targets: ToxiCR precision ≥ 80% at recall ≥ 60%; OLID ROC-AUC ≥ 0.85; false alarms ≤ 0.5% of business mail; ≥ 500 messages/s\n` +
      `  categories: ${Object.values(CATEGORY_INFO).map((info) => info.rule).join(', ')}\n`,
  );
}

if (process.argv[1]?.endsWith('abusive-language.ts') && process.argv[1].includes('eval')) {
  await run();
}
