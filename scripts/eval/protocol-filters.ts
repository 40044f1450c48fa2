/**
 * Accuracy and speed of the three protocol filters (blind-copy, obligation, pre-election).
 *
 * 1. Fixtures: precision and recall of each filter over every fixture in fixtures/blind-copy,
 *    fixtures/obligation and fixtures/pre-election. A fixture is a positive for filter F when it
 *    is a flags-* file in F's folder; all others (passes-* files, and the other filters' fixtures)
 *    are negatives for F. A message counts as flagged by F when a finding of F survives the
 *    example policy (its minScore).
 * 2. False alarms on real mail: every finding on ../shared/data/spamassassin/easy_ham and
 *    ../shared/data/enron-spam-enron1-ham is a false alarm. The mail is replayed as council mail
 *    in two ways, with the headers rewritten and the body untouched:
 *      member→officer   From a member's council address to an officer, screened on a day in the
 *                       pre-election period: stresses obligation (member's own text) and
 *                       blind-copy (member correspondence; envelope = To/Cc as written);
 *      press→media      From the press office to a newspaper, in the pre-election period:
 *                       stresses pre-election (names, parties, quotes, campaigning in publicity);
 *      officer→residents From an officer to a residents' list, in the period: stresses the
 *                       party-political check on what an officer sends (and forwards).
 *    The Enron files are tokenised text ("Subject: …" then the body), so each is wrapped in a
 *    minimal RFC 5322 message first.
 * 3. The party-political check (campaigning shapes and the party-political model) on the fifth of
 *    ../shared/data/politician-social-posts (US politicians' posts labelled partisan or neutral)
 *    that the model did not train on, with the US parties and leaders configured as the local ones:
 *    how often it fires on each label among the posts that name a party or candidate.
 * 4. Throughput: the whole pipeline (parse, every registered filter, policy) over the whole
 *    spamassassin corpus with its real headers, one message at a time on one thread.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, defaultConfigPath } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { Directory } from '../../src/directory.js';
import type { Envelope } from '../../src/message/parse.js';
import { screen, type ScreeningEnvironment } from '../../src/pipeline.js';
import { filters } from '../../filters/index.js';
import { findCampaigning } from '../../filters/pre-election/campaigning.js';
import { shippedPartyModel } from '../../filters/pre-election/party-political.js';
import { splitSentences } from '../../filters/shared/sentences.js';
import { tokenise } from '../../filters/shared/tokens.js';
import { PROTOCOL_FILTERS, fixtureFiles, loadFixture, screenFixture } from '../../tests/filters/protocol-fixtures.js';
import { corpusMessages, SCENARIOS, withoutMboxLine } from './replay.js';
import { namesFor, readPosts, US_CANDIDATES, US_TRAINING_PARTIES } from '../train-party-political.js';
import { SHARED_DATA, sharedDataPath } from '../../tests/helpers/shared-data.js';

/** a Thursday in the example council's pre-election period (District elections 2027) */
const IN_PERIOD = new Date('2027-04-15T10:00:00Z');
function ratio(numerator: number, denominator: number): string {
  return denominator === 0 ? 'n/a' : (numerator / denominator).toFixed(3);
}

function percent(numerator: number, denominator: number): string {
  return denominator === 0 ? 'n/a' : `${((100 * numerator) / denominator).toFixed(2)}%`;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

async function fixtureAccuracy(config: Config): Promise<void> {
  const flagged = new Map<string, Set<string>>();
  const all: Array<{ folder: string; file: string }> = [];
  for (const folder of PROTOCOL_FILTERS) {
    for (const file of fixtureFiles(folder)) {
      all.push({ folder, file });
      const result = await screenFixture(await loadFixture(folder, file), config);
      flagged.set(`${folder}/${file}`, new Set(result.findings.map((finding) => finding.filter)));
    }
  }
  const rows: string[][] = [];
  const misses: string[] = [];
  for (const filter of PROTOCOL_FILTERS) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    for (const { folder, file } of all) {
      const positive = folder === filter && file.startsWith('flags-');
      const predicted = flagged.get(`${folder}/${file}`)?.has(filter) ?? false;
      if (positive && predicted) tp += 1;
      else if (!positive && predicted) {
        fp += 1;
        misses.push(`  false positive: ${filter} on ${folder}/${file}`);
      } else if (positive) {
        fn += 1;
        misses.push(`  missed: ${filter} on ${folder}/${file}`);
      } else tn += 1;
    }
    rows.push([filter, String(tp + fn), String(all.length - tp - fn), String(tp), String(fp), String(fn), ratio(tp, tp + fp), ratio(tp, tp + fn)]);
  }
  process.stdout.write(`\nProtocol filters on fixtures (${all.length} messages; positives are a filter's own flags-* files)\n`);
  process.stdout.write(`${table(['filter', 'positives', 'negatives', 'TP', 'FP', 'FN', 'precision', 'recall'], rows)}\n`);
  if (misses.length > 0) process.stdout.write(`${misses.join('\n')}\n`);
}

async function falseAlarms(environment: ScreeningEnvironment): Promise<void> {
  const rows: string[][] = [];
  const examples: string[] = [];
  for (const corpus of ['easy_ham', 'enron'] as const) {
    for (const scenario of SCENARIOS) {
      const messages = corpusMessages(corpus, scenario);
      const counts = new Map<string, number>(PROTOCOL_FILTERS.map((filter) => [filter, 0]));
      for (const message of messages) {
        const result = await screen({ raw: message.raw, envelope: message.envelope, receivedAt: IN_PERIOD }, environment);
        for (const filter of new Set(result.findings.map((finding) => finding.filter))) {
          if (!counts.has(filter)) continue;
          counts.set(filter, (counts.get(filter) ?? 0) + 1);
          const finding = result.findings.find((candidate) => candidate.filter === filter);
          if (finding && examples.length < 40) {
            examples.push(`  ${corpus} ${scenario.name} ${filter}/${finding.rule} ${finding.score}: ${(finding.evidence[0]?.text ?? '').replace(/\s+/g, ' ').slice(0, 110)}`);
          }
        }
      }
      for (const filter of PROTOCOL_FILTERS) {
        const count = counts.get(filter) ?? 0;
        rows.push([corpus === 'easy_ham' ? 'spamassassin/easy_ham' : 'enron1 ham', scenario.name, filter, String(messages.length), String(count), percent(count, messages.length)]);
      }
    }
  }
  process.stdout.write('\nFalse alarms on real business and list mail (every finding is a false alarm; target <= 0.3% per filter)\n');
  process.stdout.write(`${table(['corpus', 'replayed as', 'filter', 'messages', 'flagged', 'rate'], rows)}\n`);
  if (examples.length > 0) process.stdout.write(`what fired:\n${examples.join('\n')}\n`);
}

/** Rows of a CSV file with quoted fields ("" escapes, line breaks inside quotes). */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charAt(index);
    if (quoted) {
      if (char === '"' && text.charAt(index + 1) === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text.charAt(index + 1) === '\n') index += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field.length > 0 || row.length > 0) rows.push([...row, field]);
  return rows;
}

function campaigningOnPoliticians(): void {
  const path = sharedDataPath('politician-social-posts', 'political_social_media.csv');
  if (!existsSync(path)) {
    process.stdout.write(`\nskipping the party-political check on posts: ${path} is absent\n`);
    return;
  }
  // four in five posts train the party-political model; the fifth, kept out by the same hash, is measured here
  const names = namesFor(US_TRAINING_PARTIES, US_CANDIDATES);
  const model = shippedPartyModel();
  const tally = new Map<string, { posts: number; named: number; fired: number }>();
  const examples: string[] = [];
  for (const post of readPosts(names).heldOut) {
    const label = post.label === 1 ? 'partisan' : 'neutral';
    let named = false;
    let fired = false;
    for (const span of splitSentences(post.text)) {
      const tokens = tokenise(post.text, span.start, span.end);
      if (model.read(tokens, names) !== undefined) named = true;
      if (findCampaigning(tokens, names, model).length > 0) fired = true;
    }
    const entry = tally.get(label) ?? { posts: 0, named: 0, fired: 0 };
    entry.posts += 1;
    if (named) entry.named += 1;
    if (fired) {
      entry.fired += 1;
      if (examples.length < 6) examples.push(`  ${label}: ${post.text.replace(/\s+/g, ' ').slice(0, 110)}`);
    }
    tally.set(label, entry);
  }
  const tableRows = [...tally.entries()].map(([label, entry]) => [label, String(entry.posts), String(entry.named), String(entry.fired), percent(entry.fired, entry.named)]);
  process.stdout.write('\nParty-political check on the held-out fifth of politician-social-posts (US parties and leaders as the policy\'s; only posts naming a party or candidate are judged)\n');
  process.stdout.write(`${table(['label', 'posts', 'naming one', 'fired', 'rate of those naming one'], tableRows)}\n`);
  if (examples.length > 0) process.stdout.write(`what fired:\n${examples.join('\n')}\n`);
}

async function throughput(environment: ScreeningEnvironment): Promise<void> {
  const messages: Buffer[] = [];
  for (const folder of ['easy_ham', 'spam', 'spam_2']) {
    const directory = sharedDataPath('spamassassin', folder);
    if (!existsSync(directory)) continue;
    for (const file of readdirSync(directory).sort()) messages.push(withoutMboxLine(readFileSync(join(directory, file))));
  }
  const envelope: Envelope = { mailFrom: 'sender@example.com', rcptTo: ['imran.shah@greyfordvale.gov.uk'] };
  const run = async (batch: readonly Buffer[], screening: ScreeningEnvironment): Promise<number> => {
    const started = performance.now();
    for (const raw of batch) await screen({ raw, envelope, receivedAt: IN_PERIOD }, screening);
    return performance.now() - started;
  };
  // as they came the messages are outsiders' mail, which the scope check relays unparsed; screened in
  // full (scopeCheck off) they show what the filters cost on real mail
  const { config } = environment;
  const full: ScreeningEnvironment = { ...environment, config: { ...config, relay: { ...config.relay, screening: { ...config.relay.screening, scopeCheck: false } } } };
  const rows: string[][] = [];
  for (const [label, screening] of [['in full (scopeCheck off)', full], ['as shipped (scope check on)', environment]] as const) {
    // a short warm-up so the figure is the steady state, not the JIT's first minutes
    await run(messages.slice(0, 200), screening);
    const elapsed = await run(messages, screening);
    rows.push([label, String(messages.length), (elapsed / 1000).toFixed(2), (messages.length / (elapsed / 1000)).toFixed(0)]);
  }
  process.stdout.write(
    `\nPipeline throughput on spamassassin (easy_ham + spam + spam_2, real headers, sent to an officer), one message at a time on one thread; filters: ${environment.filters.map((filter) => filter.id).join(', ')}\n` +
      `${table(['screening', 'messages', 'seconds', 'messages/s'], rows)}\n`,
  );
}

export async function run(): Promise<void> {
  const config = loadConfig(defaultConfigPath());
  await fixtureAccuracy(config);
  if (!existsSync(SHARED_DATA) || !existsSync(sharedDataPath('spamassassin', 'easy_ham')) || !existsSync(sharedDataPath('enron-spam-enron1-ham', 'ham'))) {
    process.stdout.write(`\nskipping false-alarm and throughput measurements: ${SHARED_DATA} (spamassassin, enron-spam-enron1-ham) is absent\n`);
    return;
  }
  const environment: ScreeningEnvironment = { config, directory: new Directory(config), filters };
  await falseAlarms(environment);
  campaigningOnPoliticians();
  await throughput(environment);
}
