import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../../src/errors.js';
import type { Category } from './categories.js';
import { FALSE_FRIEND_WORDS, INSULT_ADJECTIVES, INSULT_NOUNS, INSULT_QUALITIES, PROFANITY, SLURS } from './lexicon.js';
import { Network, networkWords, type NetworkFile } from './network.js';
import type { Token } from './text.js';

/**
 * The trained part of the abusive-language filter: logistic regressions over what a sentence says
 * (word unigrams and bigrams, character 3-5-grams of each word, lexicon classes, the word cluster of
 * each word and of each pair of words, and the mean and maximum of its words' embeddings) and how it is built (who it is aimed at, negation, quotation,
 * report, and what the rule-based cues found; see structure.ts).
 *
 * Two parts: an abuse head, which says whether a sentence is abusive (every sentence is rated), and
 * one head per category, which says what kind of abuse a sentence rated abusive is (a softmax over
 * the categories, computed only for those sentences). Trained by scripts/train-abusive-language.ts;
 * the model file records its version, data with hashes, parameters and measured metrics, and keeps
 * every weight under its readable feature name.
 *
 * The abuse head may be combined with a small convolutional network over the sentence's words
 * (network.ts, network.json beside this file), which reads word order and meaning the regression's
 * features miss; `Combination` says how the two decide together.
 *
 * Text features count every occurrence, and their summed weight is divided by the square root of
 * their number; structure features are present or absent. Loaded, the abuse head's weights live in
 * typed arrays keyed by a 64-bit hash of the feature name, and what a word contributes on its own
 * is summed once per distinct word and cached, so rating a sentence costs a few operations a token.
 */

export const MODEL_FORMAT = 'abusive-language-logistic/3';
export const MODEL_FILE = 'model.json';
export const VECTORS_FILE = 'word-vectors.json';
export const VECTORS_FORMAT = 'word-vectors/1';
export const NETWORK_FILE = 'network.json';

/**
 * How the logistic regression and the network (network.ts) decide together. A sentence the
 * regression rates below `floor` is not abusive, whatever the network says (and the network is not
 * run on it, which keeps screening fast); above it, the two logits are mixed:
 * (1 − share) × regression + share × network (limited to ±clip) − offset, and 0 is the operating point.
 * Chosen in training on out-of-fold scores, like the regression's own operating point.
 */
export interface Combination {
  readonly network: typeof NETWORK_FILE;
  readonly share: number;
  readonly offset: number;
  readonly floor: number;
  readonly clip: number;
}

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

/** one logistic regression: its bias and its weights by feature name */
export interface Head {
  readonly bias: number;
  readonly weights: Readonly<Record<string, number>>;
}

export interface ModelFile {
  readonly format: typeof MODEL_FORMAT;
  readonly version: string;
  readonly trainedAt: string;
  readonly trainingScript: string;
  readonly sources: readonly ModelSource[];
  readonly parameters: Readonly<Record<string, number | string | boolean>>;
  readonly metrics: Readonly<Record<string, number>>;
  /** whether two adjacent sentences are also rated as one */
  readonly readsPairs: boolean;
  /** the abuse head; its bias is set so that 0.5 is the operating point chosen in training */
  readonly abuse: Head;
  /** one head per category, for a softmax over them */
  readonly categories: Readonly<Partial<Record<Category, Head>>>;
  /** with a network: how the two are combined; without, the regression decides alone */
  readonly combination?: Combination;
}

/**
 * Word embeddings and the clusters they fall in (k-means), so that a word never seen in training is
 * read like its neighbours in meaning: each word's cluster is a feature, and a sentence's mean and
 * maximum embedding are dense features.
 */
export interface WordVectorsFile {
  readonly format: typeof VECTORS_FORMAT;
  readonly source: { readonly name: string; readonly licence: string; readonly sha256: string; readonly words: number };
  readonly parameters: Readonly<Record<string, number | string>>;
  readonly clusters: number;
  readonly dimensions: number;
  readonly words: readonly string[];
  /** each word's cluster, in the order of `words` */
  readonly cluster: readonly number[];
  /** base64 of int8 components, `dimensions` per word in the order of `words`: unit vectors times 127 */
  readonly vectors: string;
}

/**
 * What a sentence's words bring to the abuse head, before its structure: the summed weight and
 * number of its text features, and the sum and maximum of its known words' embeddings. Two
 * sentences read as one bring the sum of theirs (no feature crosses from one to the other), so a
 * pair is rated without reading its words again.
 */
export interface WordsScore {
  readonly sum: number;
  readonly count: number;
  /** the embeddings' sum, then their maximum (-1 where no word is known) */
  readonly embedding: Float64Array;
  /** how many words had an embedding */
  readonly known: number;
  /** the sentence's words as the network reads them, and its pooled features once computed */
  readonly network: { readonly words: readonly string[]; pooled?: Float32Array };
}

export interface AbuseModel {
  readonly version: string;
  readonly trainedAt: string;
  /** two adjacent sentences are rated as one too (the model was trained on such pairs) */
  readonly readsPairs: boolean;
  /** what a sentence's words bring, for `probability` */
  words(tokens: readonly Token[]): WordsScore;
  /** how likely the sentence (one WordsScore), or the sentences read as one, are to be abusive; 0.5 is the shipped operating point */
  probability(words: readonly WordsScore[], structure: readonly string[]): number;
  /** for a sentence rated abusive: each category's share, largest first */
  categories(tokens: readonly Token[], structure: readonly string[]): Array<readonly [Category, number]>;
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

/** components are unit-vector components times 127 */
const UNQUANTISE = 1 / 127;

/** Each known word's cluster and embedding, in typed arrays. */
export class WordVectors {
  private constructor(
    private readonly index: HashedTable | undefined,
    private readonly clusters: Int32Array,
    private readonly components: Int8Array,
    readonly dimensions: number,
  ) {}

  static fromFile(file: WordVectorsFile): WordVectors {
    if (file.format !== VECTORS_FORMAT) throw new Error(`unsupported word-vector format ${String(file.format)}`);
    const decoded = Buffer.from(file.vectors, 'base64');
    const components = new Int8Array(decoded.buffer, decoded.byteOffset, decoded.length);
    if (components.length !== file.words.length * file.dimensions || file.cluster.length !== file.words.length) throw new Error('word vectors: the words, clusters and vectors do not match in number');
    const index = new HashedTable(Object.fromEntries(file.words.map((word, i) => [word, i])));
    return new WordVectors(index, Int32Array.from(file.cluster), components, file.dimensions);
  }

  static readonly NONE = new WordVectors(undefined, new Int32Array(0), new Int8Array(0), 0);

  /** the word's row, or -1 for a word outside the vocabulary */
  indexOf(word: string): number {
    return this.index ? this.index.valueOf(word, -1) : -1;
  }

  /** a word of the language's common stock (it has a row); without vectors every word counts as known */
  isKnown(word: string): boolean {
    return this.index === undefined || this.indexOf(word) >= 0;
  }

  /** the word's cluster; none for unknown words and for the most frequent (function) words */
  clusterOf(word: string): number | undefined {
    const index = this.indexOf(word);
    const cluster = index < 0 ? -1 : (this.clusters[index] as number);
    return cluster < 0 ? undefined : cluster;
  }

  /** whether the word has an embedding (function words have none) */
  hasVector(index: number): boolean {
    return (this.clusters[index] as number) >= 0;
  }

  /** writes the word's embedding into `out` */
  copyVector(index: number, out: Float32Array): void {
    const offset = index * this.dimensions;
    for (let d = 0; d < this.dimensions; d += 1) out[d] = (this.components[offset + d] as number) * UNQUANTISE;
  }

  /** adds the word's embedding into `sum` and raises `max` to it */
  accumulate(index: number, sum: Float64Array, max: Float64Array): void {
    const offset = index * this.dimensions;
    for (let d = 0; d < this.dimensions; d += 1) {
      const value = (this.components[offset + d] as number) * UNQUANTISE;
      sum[d] = (sum[d] as number) + value;
      if (value > (max[d] as number)) max[d] = value;
    }
  }
}

/** names of the dense features: the mean embedding, then the maximum */
export function denseNames(dimensions: number): string[] {
  return [...Array.from({ length: dimensions }, (_, d) => `e:${d}`), ...Array.from({ length: dimensions }, (_, d) => `m:${d}`)];
}

/** A sentence's dense features: the mean of its known words' embeddings, then their maximum (zeros when none is known). */
export function denseFeatures(tokens: readonly Token[], vectors: WordVectors): Float64Array {
  const dimensions = vectors.dimensions;
  const sum = new Float64Array(dimensions);
  const max = new Float64Array(dimensions).fill(-1);
  let known = 0;
  for (const token of tokens) {
    if (token.kind !== 'word') continue;
    const index = vectors.indexOf(token.word);
    if (index < 0 || !vectors.hasVector(index)) continue;
    vectors.accumulate(index, sum, max);
    known += 1;
  }
  const dense = new Float64Array(dimensions * 2);
  if (known === 0) return dense;
  for (let d = 0; d < dimensions; d += 1) {
    dense[d] = (sum[d] as number) / known;
    dense[dimensions + d] = max[d] as number;
  }
  return dense;
}

/**
 * The features a word has wherever it stands: its unigram, its lexicon class, its cluster, and, for
 * a word outside the common stock (a misspelling, a compound, a disguise, a rare slur), its
 * character n-grams. A common word is read by what it is and means: its letters would only let the
 * model learn that "car" is in "careful".
 */
function wordFeatures(word: string, vectors: WordVectors): string[] {
  const features = [`w:${word}`];
  const known = lexiconFeature(word);
  if (known) features.push(known);
  const cluster = vectors.clusterOf(word);
  if (cluster !== undefined) features.push(`k:${cluster}`);
  if (word !== '0' && word !== 'url' && word !== '@user' && word.length > 1 && word.length <= MAX_GRAM_WORD && !NO_GRAM_WORDS.has(word) && !vectors.isKnown(word)) {
    const padded = ` ${word} `;
    for (let n = MIN_CHAR_GRAM; n <= MAX_CHAR_GRAM; n += 1) {
      for (let i = 0; i + n <= padded.length; i += 1) features.push(`c:${padded.slice(i, i + n)}`);
    }
  }
  return features;
}

/**
 * Every text feature occurrence in a sentence, by name: what training counts, and what the
 * category heads read. The abuse head computes the same sum without building the names; tests
 * hold the two together.
 */
export function featureOccurrences(tokens: readonly Token[], vectors: WordVectors = WordVectors.NONE): string[] {
  const features: string[] = [];
  let previous: string | undefined;
  let previousCluster: number | undefined;
  for (const token of tokens) {
    const word = modelWord(token);
    if (word === undefined) {
      previous = undefined;
      previousCluster = undefined;
      continue;
    }
    features.push(...wordFeatures(word, vectors));
    const cluster = vectors.clusterOf(word);
    if (previous !== undefined) features.push(`b:${previous} ${word}`);
    if (previousCluster !== undefined && cluster !== undefined) features.push(`kb:${previousCluster} ${cluster}`);
    const known = lexiconFeature(word);
    if (known && previous !== undefined && ADDRESSES.has(previous)) features.push(`${known}-after-you`);
    if (token.obfuscated) features.push('x:obfuscated');
    previous = word;
    previousCluster = cluster;
  }
  return features;
}

/** What the category heads read: the text features without character n-grams, which tell abuse from its absence better than one kind of abuse from another. */
export function categoryFeatureOccurrences(tokens: readonly Token[], vectors: WordVectors = WordVectors.NONE): string[] {
  return featureOccurrences(tokens, vectors).filter((feature) => !feature.startsWith('c:'));
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** A head's raw score from named features: text features normalised by their count, structure features as they are, dense features by value. */
export function headScore(head: Head, text: readonly string[], structure: readonly string[], dense: Float64Array): number {
  let sum = 0;
  for (const feature of text) sum += head.weights[feature] ?? 0;
  let score = head.bias + (text.length > 0 ? sum / Math.sqrt(text.length) : 0);
  for (const feature of structure) score += head.weights[feature] ?? 0;
  return score + denseScore(denseWeights(head, dense.length / 2), dense);
}

/** a head's weights for the dense features, in their order */
function denseWeights(head: Head, dimensions: number): Float64Array {
  return Float64Array.from(denseNames(dimensions), (name) => head.weights[name] ?? 0);
}

function denseScore(weights: Float64Array, dense: Float64Array): number {
  let score = 0;
  for (let d = 0; d < dense.length; d += 1) score += (weights[d] as number) * (dense[d] as number);
  return score;
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

/** name → number, in typed arrays: a fraction of what a Map of strings costs */
export class HashedTable {
  private readonly mask: number;
  private readonly keysA: Int32Array;
  private readonly keysB: Int32Array;
  private readonly used: Uint8Array;
  private readonly values: Float32Array;

  constructor(entries: Readonly<Record<string, number>>) {
    const names = Object.keys(entries);
    let capacity = 1024;
    while (capacity < names.length * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.keysA = new Int32Array(capacity);
    this.keysB = new Int32Array(capacity);
    this.used = new Uint8Array(capacity);
    this.values = new Float32Array(capacity);
    for (const name of names) {
      const [a, b] = hashLanes(name);
      this.insert(a, b, entries[name] as number);
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

  /** the value of the name whose lanes finish as `a` and `b`; `missing` when there is none */
  get(a: number, b: number, missing = 0): number {
    let slot = a & this.mask;
    while (this.used[slot] === 1) {
      if (this.keysA[slot] === a && this.keysB[slot] === b) return this.values[slot] as number;
      slot = (slot + 1) & this.mask;
    }
    return missing;
  }

  valueOf(name: string, missing = 0): number {
    const [a, b] = hashLanes(name);
    return this.get(a, b, missing);
  }
}

/**
 * What each word brings to any sentence it is in, in typed arrays indexed by a slot per word: the
 * summed weights and number of its own features, the weight of its lexicon class after "you" (NaN
 * when it has none), its cluster (-1 when it has none), and both hash lanes after "b:<word> ", where
 * a bigram it leads continues. Dropped and refilled when full, so its size is fixed.
 */
class WordCache {
  private readonly slots = new Map<string, number>();
  readonly sum = new Float64Array(WORD_CACHE_WORDS);
  readonly count = new Int32Array(WORD_CACHE_WORDS);
  readonly afterYou = new Float64Array(WORD_CACHE_WORDS);
  readonly cluster = new Int32Array(WORD_CACHE_WORDS);
  /** the word's row in the word vectors when it has an embedding, else -1 */
  readonly vector = new Int32Array(WORD_CACHE_WORDS);
  readonly bigramA = new Int32Array(WORD_CACHE_WORDS);
  readonly bigramB = new Int32Array(WORD_CACHE_WORDS);

  constructor(
    private readonly table: HashedTable,
    private readonly vectors: WordVectors,
  ) {}

  slotOf(word: string): number {
    const cached = this.slots.get(word);
    if (cached !== undefined) return cached;
    if (this.slots.size >= WORD_CACHE_WORDS) this.slots.clear();
    const slot = this.slots.size;
    this.slots.set(word, slot);
    const features = wordFeatures(word, this.vectors);
    let sum = 0;
    for (const feature of features) sum += this.table.valueOf(feature);
    this.sum[slot] = sum;
    this.count[slot] = features.length;
    const known = lexiconFeature(word);
    this.afterYou[slot] = known === undefined ? Number.NaN : this.table.valueOf(`${known}-after-you`);
    this.cluster[slot] = this.vectors.clusterOf(word) ?? -1;
    const row = this.vectors.indexOf(word);
    this.vector[slot] = row >= 0 && this.vectors.hasVector(row) ? row : -1;
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

export function modelFromFile(file: ModelFile, vectors: WordVectors, network?: Network): AbuseModel {
  if (file.format !== MODEL_FORMAT) throw new Error(`unsupported model format ${String(file.format)}`);
  const combination = file.combination;
  if (combination && !network) throw new Error(`the model combines a network (${combination.network}) that was not loaded`);
  const floorLogit = combination ? Math.log(combination.floor / (1 - combination.floor)) : 0;
  const table = new HashedTable(file.abuse.weights);
  const bias = file.abuse.bias;
  const obfuscated = table.valueOf('x:obfuscated');
  const words = new WordCache(table, vectors);
  const abuseDense = denseWeights(file.abuse, vectors.dimensions);
  /** the weight of each pair of clusters, looked up once */
  const clusterPairs = new Map<number, number>();
  const clusterBigram = (first: number, second: number): number => {
    const key = first * 65_536 + second;
    let weight = clusterPairs.get(key);
    if (weight === undefined) {
      if (clusterPairs.size >= WORD_CACHE_WORDS * 10) clusterPairs.clear();
      weight = table.valueOf(`kb:${first} ${second}`);
      clusterPairs.set(key, weight);
    }
    return weight;
  };
  const categoryHeads = Object.entries(file.categories) as Array<[Category, Head]>;

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
    readsPairs: file.readsPairs,
    words(tokens) {
      let sum = 0;
      let count = 0;
      let known = 0;
      const dimensions = vectors.dimensions;
      const embedding = new Float64Array(dimensions * 2);
      embedding.fill(-1, dimensions);
      const embeddingSum = embedding.subarray(0, dimensions);
      const embeddingMax = embedding.subarray(dimensions);
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
        const previousCluster = previousSlot >= 0 ? (words.cluster[previousSlot] as number) : -1;
        const slot = words.slotOf(word);
        // embeddings are read from the word as written, like denseFeatures: a token the model reads
        // as "0", "url" or "@user" has none; most words are read as written, and their row is cached
        if (token.kind === 'word' && dimensions > 0) {
          const row = word === token.word ? (words.vector[slot] as number) : vectors.indexOf(token.word);
          if (row >= 0 && vectors.hasVector(row)) {
            vectors.accumulate(row, embeddingSum, embeddingMax);
            known += 1;
          }
        }
        sum += (words.sum[slot] as number) + bigram;
        count += (words.count[slot] as number) + (previousSlot >= 0 ? 1 : 0);
        const cluster = words.cluster[slot] as number;
        if (previousCluster >= 0 && cluster >= 0) {
          sum += clusterBigram(previousCluster, cluster);
          count += 1;
        }
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
      return { sum, count, embedding, known, network: { words: combination ? networkWords(tokens) : [] } };
    },
    probability(parts, structure) {
      let sum = 0;
      let count = 0;
      let known = 0;
      for (const part of parts) {
        sum += part.sum;
        count += part.count;
        known += part.known;
      }
      let score = bias + (count === 0 ? 0 : sum / Math.sqrt(count));
      for (const feature of structure) score += table.valueOf(feature);
      const dimensions = vectors.dimensions;
      if (dimensions > 0 && known > 0) {
        for (let d = 0; d < dimensions; d += 1) {
          let total = 0;
          let max = -1;
          for (const part of parts) {
            total += part.embedding[d] as number;
            max = Math.max(max, part.embedding[dimensions + d] as number);
          }
          score += (abuseDense[d] as number) * (total / known) + (abuseDense[dimensions + d] as number) * max;
        }
      }
      if (!combination || !network) return sigmoid(score);
      const share = combination.share;
      // below the floor the network's view is taken as undecided, and never lifts the sentence above the floor
      if (score < floorLogit) return sigmoid(Math.min(score, (1 - share) * score - combination.offset));
      const pooled = parts.map((part) => (part.network.pooled ??= network.pooled(part.network.words)));
      const networkLogit = Math.max(-combination.clip, Math.min(combination.clip, network.logit(pooled)));
      return sigmoid((1 - share) * score + share * networkLogit - combination.offset);
    },
    categories(tokens, structure) {
      const text = categoryFeatureOccurrences(tokens, vectors);
      const dense = denseFeatures(tokens, vectors);
      const scores = categoryHeads.map(([category, head]) => [category, headScore(head, text, structure, dense)] as const);
      const top = Math.max(...scores.map(([, score]) => score));
      const exponents = scores.map(([category, score]) => [category, Math.exp(score - top)] as const);
      const total = exponents.reduce((sum, [, value]) => sum + value, 0);
      return exponents.map(([category, value]) => [category, value / total] as const).sort((a, b) => b[1] - a[1]);
    },
  };
}

/** a file beside this module, from source or from the build (dist/filters/abusive-language) */
function assetPath(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, name), join(here, '..', '..', '..', 'filters', 'abusive-language', name)];
  return candidates.find((candidate) => existsSync(candidate)) ?? (candidates[0] as string);
}

export function modelPath(): string {
  return assetPath(MODEL_FILE);
}

export function vectorsPath(): string {
  return assetPath(VECTORS_FILE);
}

export function networkPath(): string {
  return assetPath(NETWORK_FILE);
}

function readJson<T>(path: string, what: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new Error(`abusive-language ${what} ${path} cannot be read (${errorMessage(error)}); rebuild it with npm run train:abusive`);
  }
}

let loadedVectors: WordVectors | undefined;
let loaded: AbuseModel | undefined;

/** The shipped word vectors, read once. */
export function shippedVectors(): WordVectors {
  loadedVectors ??= WordVectors.fromFile(readJson<WordVectorsFile>(vectorsPath(), 'word vectors'));
  return loadedVectors;
}

/**
 * The shipped model, read once. A missing or unreadable model file throws: the filter module loads
 * it at start-up, so a broken deployment fails at boot rather than screening without its model.
 */
export function shippedModel(): AbuseModel {
  if (!loaded) {
    const file = readJson<ModelFile>(modelPath(), 'model');
    const vectors = shippedVectors();
    loaded = modelFromFile(file, vectors, file.combination ? new Network(readJson<NetworkFile>(networkPath(), 'network'), vectors) : undefined);
  }
  return loaded;
}
