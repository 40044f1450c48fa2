/**
 * The labelled data the abusive-language model is trained and measured on, read in place: the
 * public sets in ../shared/data (never copied into the project) and the project's own corpus in
 * filters/abusive-language/corpus/. Shared by the training script and `npm run eval`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Category } from '../../filters/abusive-language/categories.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DATA = resolve(PROJECT_ROOT, '..', 'shared', 'data');
export const CORPUS = join(PROJECT_ROOT, 'filters', 'abusive-language', 'corpus');

export interface LabelledText {
  readonly text: string;
  /** 1 = offensive / abusive / toxic */
  readonly label: 0 | 1;
  readonly id: string;
  /** the kind of abuse, where the source says */
  readonly category?: Category;
}

// ---- readers shared with scripts/eval/abusive-language.ts ---------------------------------------

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else quoted = false;
      } else field += ch;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Tweets as OLID masks them: mentions become @USER, links URL, HTML entities decoded, "RT" dropped. */
export function cleanTweet(text: string): string {
  return text
    .replace(/&(#\d{1,7}|[a-z]{2,6});/gi, (whole, name: string) => {
      if (name.startsWith('#')) {
        const code = Number(name.slice(1));
        return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\bRT\b:?/g, ' ')
    .replace(/https?:\/\/\S+/g, 'URL')
    .replace(/@[A-Za-z0-9_]{1,30}/g, '@USER')
    .replace(/\s+/g, ' ')
    .trim();
}

export function readOlidTrain(): LabelledText[] {
  const lines = readFileSync(join(SHARED_DATA, 'olid', 'olid-training-v1.0.tsv'), 'utf8').split('\n').slice(1);
  const out: LabelledText[] = [];
  for (const line of lines) {
    const [id, tweet, label] = line.split('\t');
    if (!id || tweet === undefined || (label !== 'OFF' && label !== 'NOT')) continue;
    out.push({ id: `olid-${id}`, text: tweet, label: label === 'OFF' ? 1 : 0 });
  }
  return out;
}

export function readOlidTest(): LabelledText[] {
  const labels = new Map<string, string>();
  for (const row of parseCsv(readFileSync(join(SHARED_DATA, 'olid', 'labels-levela.csv'), 'utf8')).slice(1)) {
    if (row[0]) labels.set(row[0], row[1] ?? '');
  }
  const out: LabelledText[] = [];
  for (const line of readFileSync(join(SHARED_DATA, 'olid', 'testset-levela.tsv'), 'utf8').split('\n').slice(1)) {
    const [id, tweet] = line.split('\t');
    const label = id ? labels.get(id) : undefined;
    if (!id || tweet === undefined || (label !== 'OFF' && label !== 'NOT')) continue;
    out.push({ id: `olid-test-${id}`, text: tweet, label: label === 'OFF' ? 1 : 0 });
  }
  return out;
}

export function readDavidson(): LabelledText[] {
  const rows = parseCsv(readFileSync(join(SHARED_DATA, 'davidson-hate-offensive', 'labeled_data.csv'), 'utf8'));
  const header = rows[0] ?? [];
  const classColumn = header.indexOf('class');
  const tweetColumn = header.indexOf('tweet');
  const out: LabelledText[] = [];
  for (const row of rows.slice(1)) {
    const cls = row[classColumn];
    const tweet = row[tweetColumn];
    if (tweet === undefined || (cls !== '0' && cls !== '1' && cls !== '2')) continue;
    // 0 hate speech and 1 offensive are both language the filter should notice; 2 is neither
    out.push({ id: `davidson-${row[0] ?? out.length}`, text: cleanTweet(tweet), label: cls === '2' ? 0 : 1 });
  }
  return out;
}

export function sha256Of(...paths: string[]): string {
  const hash = createHash('sha256');
  for (const path of paths) hash.update(readFileSync(path));
  return hash.digest('hex');
}

/** Area under the ROC curve, ties counted half (the Mann-Whitney statistic). */
export function rocAuc(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  const order = scores.map((score, index) => ({ score, label: labels[index] ?? 0 })).sort((a, b) => a.score - b.score);
  let rankSumPositives = 0;
  let positives = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j < order.length && (order[j] as { score: number }).score === (order[i] as { score: number }).score) j += 1;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k += 1) {
      if ((order[k] as { label: number }).label === 1) {
        rankSumPositives += averageRank;
        positives += 1;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}


// ---- ConvAbuse ----------------------------------------------------------------------------------

/** ConvAbuse's abuse types, as this filter's categories */
const CONVABUSE_TYPES: ReadonlyArray<readonly [string, Category]> = [
  ['sex_harassment', 'sexual-harassment'],
  ['sexist', 'discriminatory'],
  ['racist', 'discriminatory'],
  ['homophobic', 'discriminatory'],
  ['transphobic', 'discriminatory'],
  ['ableist', 'discriminatory'],
  ['intellectual', 'personal-attack'],
];
const CONVABUSE_LEADING_COLUMNS = 7;
const CONVABUSE_BLOCK = 17;
/** within an annotator's block: is_abuse 1, 0, -1, -2, -3, then the seven types in this order */
const CONVABUSE_TYPE_ORDER = ['ableist', 'homophobic', 'intellectual', 'racist', 'sexist', 'sex_harassment', 'transphobic'];

export type ConvAbuseSplit = 'train' | 'valid' | 'test';

export function convAbusePath(split: ConvAbuseSplit): string {
  return join(SHARED_DATA, 'convabuse', `ConvAbuseEMNLP${split}.csv`);
}

/**
 * The user turns of one ConvAbuse split. Read by column position (a header name repeats): abusive
 * when a strict majority of the annotators who rated the turn chose a severity (-1..-3); its type
 * when more than half of those annotators ticked it.
 */
export function readConvAbuse(split: ConvAbuseSplit): LabelledText[] {
  const rows = parseCsv(readFileSync(convAbusePath(split), 'utf8')).slice(1);
  const out: LabelledText[] = [];
  for (const row of rows) {
    const text = (row[5] ?? '').trim();
    if (!text) continue;
    let raters = 0;
    let abusive = 0;
    const ticks = new Map<string, number>();
    for (let block = CONVABUSE_LEADING_COLUMNS; block + CONVABUSE_BLOCK <= row.length; block += CONVABUSE_BLOCK) {
      const severity = [0, 1, 2, 3, 4].map((k) => row[block + k] === '1');
      if (!severity.some(Boolean)) continue;
      raters += 1;
      if (!(severity[2] || severity[3] || severity[4])) continue;
      abusive += 1;
      CONVABUSE_TYPE_ORDER.forEach((type, k) => {
        if (row[block + 5 + k] === '1') ticks.set(type, (ticks.get(type) ?? 0) + 1);
      });
    }
    if (raters === 0) continue;
    const label = abusive * 2 > raters ? 1 : 0;
    const type = label === 1 ? CONVABUSE_TYPES.find(([name]) => (ticks.get(name) ?? 0) * 2 > abusive) : undefined;
    out.push({ id: `convabuse-${split}-${row[0] ?? out.length}`, text, label, ...(type ? { category: type[1] } : {}) });
  }
  return out;
}

// ---- the project's corpus -----------------------------------------------------------------------

export type CorpusSplit = 'train' | 'dev';

export interface CorpusItem extends LabelledText {
  /** the file it came from: one writer's voice */
  readonly writer: string;
  readonly kind: string;
  readonly direction: string;
}

export function corpusFiles(split: CorpusSplit): string[] {
  const folder = join(CORPUS, split);
  if (!existsSync(folder)) return [];
  return readdirSync(folder).filter((file) => file.endsWith('.jsonl')).sort().map((file) => join(folder, file));
}

/** Every labelled item of one split of the corpus; a malformed line stops with its file and line number. */
export function readCorpus(split: CorpusSplit): CorpusItem[] {
  const out: CorpusItem[] = [];
  for (const path of corpusFiles(split)) {
    const writer = basename(path, '.jsonl');
    readFileSync(path, 'utf8').split('\n').forEach((line, index) => {
      if (!line.trim()) return;
      let row: { text?: unknown; label?: unknown; category?: unknown; kind?: unknown; direction?: unknown };
      try {
        row = JSON.parse(line) as typeof row;
      } catch (error) {
        throw new Error(`${path}:${index + 1}: not JSON (${error instanceof Error ? error.message : String(error)})`);
      }
      if (typeof row.text !== 'string' || (row.label !== 0 && row.label !== 1)) throw new Error(`${path}:${index + 1}: needs "text" and "label" 0 or 1`);
      const category = row.label === 1 && typeof row.category === 'string' ? (row.category as Category) : undefined;
      out.push({
        id: `${split}-${writer}-${index + 1}`,
        text: row.text,
        label: row.label,
        writer,
        kind: typeof row.kind === 'string' ? row.kind : '',
        direction: typeof row.direction === 'string' ? row.direction : '',
        ...(category ? { category } : {}),
      });
    });
  }
  return out;
}

// ---- business mail sentences --------------------------------------------------------------------

export const ENRON_INTENT_FILES = ['intent_pos.txt', 'intent_neg.txt'].map((file) => join(SHARED_DATA, 'enron-intent', file));

/**
 * Sentences of Enron business mail (the enron-intent set, MIT), every one ordinary language: as
 * negatives they show the model what most mail is like. (Their labels are about requests, not abuse.)
 */
export function readEnronIntentSentences(): LabelledText[] {
  const out: LabelledText[] = [];
  for (const path of ENRON_INTENT_FILES) {
    readFileSync(path, 'utf8').split('\n').forEach((line, index) => {
      const text = line.replace(/&quot;/g, '"').replace(/&amp;/g, '&').trim();
      if (text) out.push({ id: `enron-intent-${basename(path, '.txt')}-${index}`, text, label: 0 });
    });
  }
  return out;
}
