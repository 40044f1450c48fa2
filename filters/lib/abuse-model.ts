import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FALSE_FRIEND_WORDS, INSULT_ADJECTIVES, INSULT_NOUNS, INSULT_QUALITIES, PROFANITY, SLURS } from './abuse-lexicon.js';
import type { Token } from './abuse-text.js';
import { errorMessage } from '../../src/errors.js';

/**
 * The trained part of the abusive-language filter: a logistic regression over word unigrams,
 * word bigrams and character 3-5-grams of each word, on an L2-normalised binary vector. Trained by
 * scripts/train-abusive-language.ts; the model file records its version, date, data and
 * parameters. Kept deliberately small and transparent: every weight is a readable feature. From
 * 1.1.0 the training scales features by their naive-Bayes log-count ratio (NB-SVM) and folds that
 * ratio into each shipped weight, so scoring is unchanged: present features' weights, summed.
 */

export const MODEL_FORMAT = 'abusive-language-logistic/1';
export const MODEL_FILE = 'abusive-language.v1.json';

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
/** n-grams of a word are cached; the cache is dropped when it grows past this many words */
const GRAM_CACHE_WORDS = 50_000;

const gramCache = new Map<string, readonly string[]>();
/** "Scunthorpe", "cocktail", "assessment": innocent words whose letters spell something rude give the model only their word feature */
const NO_GRAM_WORDS: ReadonlySet<string> = new Set(FALSE_FRIEND_WORDS);

function charGrams(word: string): readonly string[] {
  const cached = gramCache.get(word);
  if (cached) return cached;
  const grams: string[] = [];
  if (word.length <= MAX_GRAM_WORD && !NO_GRAM_WORDS.has(word)) {
    const padded = ` ${word} `;
    for (let n = MIN_CHAR_GRAM; n <= MAX_CHAR_GRAM; n += 1) {
      for (let i = 0; i + n <= padded.length; i += 1) grams.push(`c:${padded.slice(i, i + n)}`);
    }
  }
  if (gramCache.size >= GRAM_CACHE_WORDS) gramCache.clear();
  gramCache.set(word, grams);
  return grams;
}

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

/** The distinct features of a piece of text; shared by training and scoring so they cannot drift. */
export function featuresOf(tokens: readonly Token[]): string[] {
  return [...featureSet(tokens)];
}

function featureSet(tokens: readonly Token[]): Set<string> {
  const features = new Set<string>();
  let previous: string | undefined;
  for (const token of tokens) {
    const word = modelWord(token);
    if (word === undefined) {
      previous = undefined;
      continue;
    }
    features.add(`w:${word}`);
    if (previous !== undefined) features.add(`b:${previous} ${word}`);
    const known = lexiconFeature(word);
    if (known) {
      features.add(known);
      if (previous === 'you' || previous === 'your' || previous === '@user') features.add(`${known}-after-you`);
    }
    if (token.obfuscated) features.add('x:obfuscated');
    previous = word;
    if (word !== '0' && word !== 'url' && word !== '@user' && word.length > 1) for (const gram of charGrams(word)) features.add(gram);
  }
  return features;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function modelFromFile(file: ModelFile): AbuseModel {
  if (file.format !== MODEL_FORMAT) throw new Error(`unsupported model format ${String(file.format)}`);
  const weights = new Map<string, number>(Object.entries(file.weights));
  const bias = file.bias;
  return {
    version: file.version,
    trainedAt: file.trainedAt,
    probability(tokens) {
      const features = featureSet(tokens);
      if (features.size === 0) return sigmoid(bias);
      let sum = 0;
      for (const feature of features) sum += weights.get(feature) ?? 0;
      return sigmoid(bias + sum / Math.sqrt(features.size));
    },
  };
}

/** filters/models/, from source (filters/lib) or from the build (dist/filters/lib) */
export function modelPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'models', MODEL_FILE), join(here, '..', '..', '..', 'filters', 'models', MODEL_FILE)];
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
