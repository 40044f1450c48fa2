/**
 * The scope check loses nothing: every message below is screened twice, as shipped (header
 * section first, `relay.screening.scopeCheck: true`) and in full (`scopeCheck: false`), and any
 * message whose action, filter findings or enquiry differ is printed. There must be none.
 *
 * Messages: every fixture; every item of the labelled corpora (abusive-language, obligation,
 * pre-election; train and dev) sent as its evaluation sends it; and, from ../shared/data, the
 * spamassassin messages (easy_ham, spam, spam_2) and the Enron ham both as they came (their own
 * addresses: almost all outside the protocol) and replayed between members, officers, the press
 * office and residents.
 *
 * Out-of-scope mail is not read, so the notes full screening makes about its body (text no filter
 * could read, a body that is not MIME) are not made: those are counted apart, not as differences.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { filters } from '../../filters/index.js';
import { defaultConfigPath, loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { Directory } from '../../src/directory.js';
import { SCREENING_ERROR, SCREENING_INCOMPLETE } from '../../src/finding.js';
import type { Envelope } from '../../src/message/parse.js';
import { screen, type ScreeningResult } from '../../src/pipeline.js';
import { FIXTURES_DIR, fixtureFiles, loadFixture } from '../../tests/filters/protocol-fixtures.js';
import { sharedDataPath } from '../../tests/helpers/shared-data.js';
import { readCorpus } from '../abusive-language/data.js';
import { corpusItems, languageMessage, OUTSIDE_PERIOD } from './language-splits.js';
import { corpusMessages, messageOf, SCENARIOS, withoutMboxLine } from './replay.js';

interface Sample {
  readonly set: string;
  readonly name: string;
  readonly raw: Buffer;
  readonly envelope: Envelope;
  readonly receivedAt: Date;
}

const CORPUS_DATE = new Date('2027-02-02T10:15:00Z');

async function* samples(): AsyncGenerator<Sample> {
  for (const folder of readdirSync(FIXTURES_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()) {
    for (const file of fixtureFiles(folder)) {
      const fixture = await loadFixture(folder, file);
      yield { set: 'fixtures', name: `${folder}/${file}`, raw: fixture.raw, envelope: fixture.envelope, receivedAt: fixture.receivedAt };
    }
  }
  for (const split of ['train', 'dev'] as const) {
    for (const [index, item] of readCorpus(split).entries()) {
      const { raw, envelope } = messageOf(item.text, item.direction, index);
      yield { set: 'abusive-language corpus', name: item.id, raw, envelope, receivedAt: CORPUS_DATE };
    }
    for (const filter of ['obligation', 'pre-election'] as const) {
      for (const [index, item] of corpusItems(filter, split).entries()) {
        const { raw, envelope } = languageMessage(filter, item.text, index);
        yield { set: `${filter} corpus`, name: `${split}/${item.writer}#${index}`, raw, envelope, receivedAt: OUTSIDE_PERIOD };
      }
    }
  }
  if (!existsSync(sharedDataPath('spamassassin', 'easy_ham'))) return;
  for (const folder of ['easy_ham', 'spam', 'spam_2']) {
    const directory = sharedDataPath('spamassassin', folder);
    for (const file of readdirSync(directory).sort()) {
      // as it came: the envelope names its own sender and an officer, as it would arrive at the council
      yield { set: 'spamassassin, own addresses', name: `${folder}/${file}`, raw: withoutMboxLine(readFileSync(join(directory, file))), envelope: { mailFrom: 'sender@example.com', rcptTo: ['imran.shah@greyfordvale.gov.uk'] }, receivedAt: CORPUS_DATE };
    }
  }
  for (const corpus of ['easy_ham', 'enron'] as const) {
    for (const scenario of SCENARIOS) {
      for (const [index, message] of corpusMessages(corpus, scenario).entries()) {
        yield { set: `${corpus} as ${scenario.name}`, name: `${corpus}#${index}`, raw: message.raw, envelope: message.envelope, receivedAt: CORPUS_DATE };
      }
    }
  }
}

/** what a difference would be: the action, each filter's findings, the enquiry */
function verdict(result: ScreeningResult): string {
  const findings = result.findings.filter((finding) => finding.filter !== SCREENING_INCOMPLETE && finding.filter !== SCREENING_ERROR);
  return JSON.stringify({ findings, enquiry: result.enquiry });
}

/** notes about a body that was read: made only when it is read */
function bodyNotes(result: ScreeningResult): number {
  return result.findings.filter((finding) => finding.filter === SCREENING_INCOMPLETE || finding.filter === SCREENING_ERROR).length;
}

function withScopeCheck(config: Config, scopeCheck: boolean): Config {
  return { ...config, relay: { ...config.relay, screening: { ...config.relay.screening, scopeCheck } } };
}

export async function run(): Promise<void> {
  const base = loadConfig(defaultConfigPath());
  const checked = withScopeCheck(base, true);
  const full = withScopeCheck(base, false);
  const directory = new Directory(base);
  const bySet = new Map<string, { messages: number; out: number; differ: number; notes: number; msChecked: number; msFull: number }>();
  const differences: string[] = [];
  let seen = 0;
  for await (const sample of samples()) {
    const input = { raw: sample.raw, envelope: sample.envelope, receivedAt: sample.receivedAt };
    const timed = async (config: Config): Promise<{ result: ScreeningResult; ms: number }> => {
      const started = performance.now();
      const result = await screen(input, { config, directory, filters });
      return { result, ms: performance.now() - started };
    };
    // each way goes first on every other message, so neither gains from the other's warm caches
    const first = seen % 2 === 0;
    const a = await timed(first ? checked : full);
    const b = await timed(first ? full : checked);
    const { result: shipped, ms: msChecked } = first ? a : b;
    const { result: reference, ms: msFull } = first ? b : a;
    const row = bySet.get(sample.set) ?? { messages: 0, out: 0, differ: 0, notes: 0, msChecked: 0, msFull: 0 };
    row.messages += 1;
    row.msChecked += msChecked;
    row.msFull += msFull;
    if (shipped.scope === 'out') row.out += 1;
    if (verdict(shipped) !== verdict(reference) || (shipped.scope === 'in' && shipped.action !== reference.action)) {
      row.differ += 1;
      differences.push(`${sample.set}: ${sample.name}: scope ${shipped.scope}; checked ${shipped.action} ${verdict(shipped).slice(0, 160)}; in full ${reference.action} ${verdict(reference).slice(0, 160)}`);
    } else if (shipped.scope === 'out' && bodyNotes(reference) > 0) {
      row.notes += 1;
    }
    bySet.set(sample.set, row);
    seen += 1;
    if (seen % 5_000 === 0) process.stderr.write(`  scope check: ${seen} messages compared\n`);
  }
  process.stdout.write('\n== scope check: the same findings with the header-section scope check on and off ==\n');
  process.stdout.write('  set                                  messages  out of scope  differ  body notes not made  ms/msg checked  ms/msg in full\n');
  for (const [set, row] of bySet) {
    process.stdout.write(
      `  ${set.padEnd(36)} ${String(row.messages).padStart(8)}  ${String(row.out).padStart(12)}  ${String(row.differ).padStart(6)}  ${String(row.notes).padStart(19)}  ${(row.msChecked / row.messages).toFixed(3).padStart(14)}  ${(row.msFull / row.messages).toFixed(3).padStart(14)}\n`,
    );
  }
  if (!existsSync(sharedDataPath('spamassassin', 'easy_ham'))) process.stdout.write('  (the shared mail corpora were skipped: ../shared/data is absent)\n');
  process.stdout.write(differences.length === 0 ? '  no message differs\n' : `  ${differences.length} message(s) differ:\n${differences.map((line) => `    ${line}\n`).join('')}`);
  process.stdout.write('  (body notes: screening-incomplete or parse notes full screening makes about the body of mail outside every scope, which the scope check never reads)\n');
}
