import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FALSE_FRIEND_WORDS, INSULT_ADJECTIVES, INSULT_NOUNS, INSULT_QUALITIES, PROFANITY, SLURS } from './lexicon.js';
import type { Token } from './text.js';
import { errorMessage } from '../../src/errors.js';

/**
 * The trained part of the abusive-language filter: a logistic regression over word unigrams,
 * word bigrams, character 3-5-grams of each word and lexicon classes. Every occurrence of a
 * feature counts, and the sum of the weights of all occurrences is divided by the square root of
 * their number. Trained by scripts/train-abusive-language.ts; the model file records its version,
 * date, data and parameters, and keeps every weight under its readable feature name.
 *
 * Loaded, the weights live in typed arrays keyed by a 64-bit hash of the feature name, and what a
 * word contributes on its own (its unigram, lexicon class and character n-grams) is summed once
 * per distinct word and cached, so scoring a sentence costs a few operations per token and the
 * loaded model a couple of megabytes.
 */

export const MODEL_FORMAT = 'abusive-language-logistic/2';
export const MODEL_FILE = 'model.json';

export interface ModelSource {
  readonly name: string;
  readonly path: string;
  readonly licence: string;
  readonly documents: number;
  readonly positives: number;
  readonly sampleWeight: number;
  /** sha256 of the file(s) read, so a retrain on different data is visible */
  readonly sha256: string;
}

export interface ModelFile {
  readonly format: typeof MODEL_FORMAT;
  readonly version: string;
  readonly trainedAt: string;
  readonly trainingScript: string;
  readonly sources: readonly ModelSource[];
  readonly parameters: Readonly<Record<string, number | string | boolean>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly bias: number;
  readonly weights: Readonly<Record<string, number>>;
}

export interface AbuseModel {
  readonly version: string;
  readonly trainedAt: string;
  probability(tokens: readonly Token[]): number;
}

const MIN_CHAR_GRAM = 3;
const MAX_CHAR_GRAM = 5;
/** words longer than this contribute only their word feature (long strings are ids and hashes) */
const MAX_GRAM_WORD = 20;
/** what a word contributes is cached; the cache is dropped when it holds this many words (about 100 bytes each) */
const WORD_CACHE_WORDS = 10_000;

/** "Scunthorpe", "cocktail", "assessment": innocent words whose letters spell something rude give the model only their word feature */
const NO_GRAM_WORDS: ReadonlySet<string> = new Set(FALSE_FRIEND_WORDS);
/** a lexicon class right after these is aimed at someone: "you idiot", "your bullshit" */
const ADDRESSES: ReadonlySet<string> = new Set(['you', 'your', '@user']);

/** the word a token contributes to the model: numbers and links collapse to one feature each */
export function modelWord(token: Token): string | undefined {
  if (token.kind === 'punct') return token.plain === '!' || token.plain.startsWith('!!') ? '!' : token.plain === '?' ? '?' : undefined;
  if (token.kind === 'number') return '0';
  const word = token.word;
  if (word === 'http' || word === 'https' || word === 'url' || word.startsWith('www.')) return 'url';
  if (word.startsWith('@')) return '@user';
  // a hashtag is read as its words run together; the char n-grams find the words inside
  if (word.startsWith('#') && word.length > 1) return word.slice(1);
  return word;
}

/** what the lexicons know about a word, as features the model can weigh like any other */
function lexiconFeature(word: string): string | undefined {
  const profanity = PROFANITY.get(word);
  if (profanity !== undefined) return profanity >= 0.5 ? 'x:profanity-strong' : 'x:profanity-mild';
  if (SLURS.has(word)) return 'x:slur';
  if (INSULT_NOUNS.has(word) || INSULT_QUALITIES.has(word)) return 'x:insult-noun';
  if (INSULT_ADJECTIVES.has(word)) return 'x:insult-adjective';
  return undefined;
}

/** the features a word has wherever it stands: its unigram, its lexicon class, its character n-grams */
function wordFeatures(word: string): string[] {
  const features = [`w:${word}`];
  const known = lexiconFeature(word);
  if (known) features.push(known);
  if (word !== '0' && word !== 'url' && word !== '@user' && word.length > 1 && word.length <= MAX_GRAM_WORD && !NO_GRAM_WORDS.has(word)) {
    const padded = ` ${word} `;
    for (let n = MIN_CHAR_GRAM; n <= MAX_CHAR_GRAM; n += 1) {
      for (let i = 0; i + n <= padded.length; i += 1) features.push(`c:${padded.slice(i, i + n)}`);
    }
  }
  return features;
}

/**
 * Every feature occurrence in a piece of text, by name: what training counts. Scoring computes
 * the same sum without building the names; tests hold the two together.
 */
export function featureOccurrences(tokens: readonly Token[]): string[] {
  const features: string[] = [];
  let previous: string | undefined;
  for (const token of tokens) {
    const word = modelWord(token);
    if (word === undefined) {
      previous = undefined;
      continue;
    }
    features.push(...wordFeatures(word));
    if (previous !== undefined) features.push(`b:${previous} ${word}`);
    const known = lexiconFeature(word);
    if (known && previous !== undefined && ADDRESSES.has(previous)) features.push(`${known}-after-you`);
    if (token.obfuscated) features.push('x:obfuscated');
    previous = word;
  }
  return features;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

// ---- hashed weight table ------------------------------------------------------------------------

/** two independent 32-bit lanes (FNV-1a and a multiplicative hash), so a false match needs both to collide */
const SEED_A = 0x811c9dc5;
const SEED_B = 0x3c6ef372;

function stepA(state: number, code: number): number {
  return Math.imul(state ^ code, 0x01000193);
}
function stepB(state: number, code: number): number {
  return Math.imul(state ^ code, 0x5bd1e995) ^ (state >>> 15);
}
function finish(state: number): number {
  let h = state ^ (state >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** both finished hash lanes of a feature name */
function hashLanes(name: string): readonly [number, number] {
  let a = SEED_A;
  let b = SEED_B;
  for (let i = 0; i < name.length; i += 1) {
    const code = name.charCodeAt(i);
    a = stepA(a, code);
    b = stepB(b, code);
  }
  return [finish(a), finish(b)];
}

class WeightTable {
  private readonly mask: number;
  private readonly keysA: Int32Array;
  private readonly keysB: Int32Array;
  private readonly used: Uint8Array;
  private readonly values: Float32Array;

  constructor(weights: Readonly<Record<string, number>>) {
    const names = Object.keys(weights);
    let capacity = 1024;
    while (capacity < names.length * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.keysA = new Int32Array(capacity);
    this.keysB = new Int32Array(capacity);
    this.used = new Uint8Array(capacity);
    this.values = new Float32Array(capacity);
    for (const name of names) {
      const [a, b] = hashLanes(name);
      this.insert(a, b, weights[name] as number);
    }
  }

  private insert(a: number, b: number, value: number): void {
    let slot = a & this.mask;
    while (this.used[slot] === 1) {
      if (this.keysA[slot] === a && this.keysB[slot] === b) throw new Error('two model features share a 64-bit hash');
      slot = (slot + 1) & this.mask;
    }
    this.used[slot] = 1;
    this.keysA[slot] = a;
    this.keysB[slot] = b;
    this.values[slot] = value;
  }

  /** the weight of the feature whose lanes finish as `a` and `b`; 0 when the model has none */
  get(a: number, b: number): number {
    let slot = a & this.mask;
    while (this.used[slot] === 1) {
      if (this.keysA[slot] === a && this.keysB[slot] === b) return this.values[slot] as number;
      slot = (slot + 1) & this.mask;
    }
    return 0;
  }

  weightOf(name: string): number {
    const [a, b] = hashLanes(name);
    return this.get(a, b);
  }
}

/**
 * What each word brings to any sentence it is in, in typed arrays indexed by a slot per word:
 * the summed weights and number of its own features, the weight of its lexicon class after "you"
 * (NaN when it has none), and both hash lanes after "b:<word> ", where a bigram it leads continues.
 * Dropped and refilled when full, so its size is fixed.
 */
class WordCache {
  private readonly slots = new Map<string, number>();
  readonly sum = new Float64Array(WORD_CACHE_WORDS);
  readonly count = new Int32Array(WORD_CACHE_WORDS);
  readonly afterYou = new Float64Array(WORD_CACHE_WORDS);
  readonly bigramA = new Int32Array(WORD_CACHE_WORDS);
  readonly bigramB = new Int32Array(WORD_CACHE_WORDS);

  constructor(private readonly table: WeightTable) {}

  slotOf(word: string): number {
    const cached = this.slots.get(word);
    if (cached !== undefined) return cached;
    if (this.slots.size >= WORD_CACHE_WORDS) this.slots.clear();
    const slot = this.slots.size;
    this.slots.set(word, slot);
    const features = wordFeatures(word);
    let sum = 0;
    for (const feature of features) sum += this.table.weightOf(feature);
    this.sum[slot] = sum;
    this.count[slot] = features.length;
    const known = lexiconFeature(word);
    this.afterYou[slot] = known === undefined ? Number.NaN : this.table.weightOf(`${known}-after-you`);
    let a = SEED_A;
    let b = SEED_B;
    const prefix = `b:${word} `;
    for (let i = 0; i < prefix.length; i += 1) {
      const code = prefix.charCodeAt(i);
      a = stepA(a, code);
      b = stepB(b, code);
    }
    this.bigramA[slot] = a;
    this.bigramB[slot] = b;
    return slot;
  }
}

export function modelFromFile(file: ModelFile): AbuseModel {
  if (file.format !== MODEL_FORMAT) throw new Error(`unsupported model format ${String(file.format)}`);
  const table = new WeightTable(file.weights);
  const bias = file.bias;
  const obfuscated = table.weightOf('x:obfuscated');
  const words = new WordCache(table);

  /** the weight of "b:<previous word> <word>", from where the previous word's slot left the hash */
  const bigramWeight = (previousSlot: number, word: string): number => {
    let a = words.bigramA[previousSlot] as number;
    let b = words.bigramB[previousSlot] as number;
    for (let i = 0; i < word.length; i += 1) {
      const code = word.charCodeAt(i);
      a = stepA(a, code);
      b = stepB(b, code);
    }
    return table.get(finish(a), finish(b));
  };

  return {
    version: file.version,
    trainedAt: file.trainedAt,
    probability(tokens) {
      let sum = 0;
      let count = 0;
      let previousSlot = -1;
      let previousWord: string | undefined;
      for (const token of tokens) {
        const word = modelWord(token);
        if (word === undefined) {
          previousSlot = -1;
          previousWord = undefined;
          continue;
        }
        // the bigram reads the previous word's slot before this word's lookup can refill the cache
        const bigram = previousSlot >= 0 ? bigramWeight(previousSlot, word) : 0;
        const slot = words.slotOf(word);
        sum += (words.sum[slot] as number) + bigram;
        count += (words.count[slot] as number) + (previousSlot >= 0 ? 1 : 0);
        const afterYou = words.afterYou[slot] as number;
        if (!Number.isNaN(afterYou) && previousWord !== undefined && ADDRESSES.has(previousWord)) {
          sum += afterYou;
          count += 1;
        }
        if (token.obfuscated) {
          sum += obfuscated;
          count += 1;
        }
        previousSlot = slot;
        previousWord = word;
      }
      return count === 0 ? sigmoid(bias) : sigmoid(bias + sum / Math.sqrt(count));
    },
  };
}

/** filters/abusive-language/model.json, from source or from the build (dist/filters/abusive-language) */
export function modelPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, MODEL_FILE), join(here, '..', '..', '..', 'filters', 'abusive-language', MODEL_FILE)];
  return candidates.find((candidate) => existsSync(candidate)) ?? (candidates[0] as string);
}

let loaded: AbuseModel | undefined;

/**
 * The shipped model, read once. A missing or unreadable model file throws: the filter module loads
 * it at start-up, so a broken deployment fails at boot rather than screening without its model.
 */
export function shippedModel(): AbuseModel {
  if (loaded) return loaded;
  const path = modelPath();
  let file: ModelFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as ModelFile;
  } catch (error) {
    throw new Error(`abusive-language model ${path} cannot be read (${errorMessage(error)}); rebuild it with npm run train:abusive`);
  }
  loaded = modelFromFile(file);
  return loaded;
}
