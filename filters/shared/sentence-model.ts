import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../../src/errors.js';

/**
 * A sentence classifier shared by filters: a logistic regression over a sentence's words and word
 * pairs, after the filter has folded what it knows into placeholder words (a party, a person, the
 * Council). Each filter keeps its own model file beside it, trained by a script in scripts/ that
 * extracts features with this same code, and recording its sources, hashes and metrics.
 */

export const SENTENCE_MODEL_FORMAT = 'sentence-logistic/1';

export interface SentenceModelFile {
  readonly format: string;
  /** what the model decides, e.g. "party-political" */
  readonly task: string;
  readonly version: string;
  readonly trainedAt: string;
  readonly trainingScript: string;
  readonly sources: ReadonlyArray<{ readonly name: string; readonly path: string; readonly licence: string; readonly documents: number; readonly positives: number; readonly sha256: string }>;
  readonly parameters: Record<string, number | string | boolean>;
  readonly metrics: Record<string, number>;
  /** the bias includes the operating point: a probability of 0.5 is the trained threshold */
  readonly bias: number;
  readonly weights: Readonly<Record<string, number>>;
}

export interface SentenceModel {
  readonly task: string;
  readonly version: string;
  /** probability that words (as `modelWords` gives them) are what the model looks for; 0.5 is the operating point */
  probability(words: readonly string[]): number;
}

/**
 * Unigrams and bigrams of the words, and the sentence's length. Placeholders (`__name__`) count
 * only in bigrams: a filter judges only sentences that have one, so alone they say nothing.
 */
export function sentenceFeatures(words: readonly string[]): string[] {
  const out = new Set<string>();
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] as string;
    if (!isPlaceholder(word)) out.add(`w:${word}`);
    if (i > 0) out.add(`b:${words[i - 1] as string} ${word}`);
  }
  out.add(lengthFeature(words.length));
  return [...out];
}

function isPlaceholder(word: string): boolean {
  return word.startsWith('__') && word.endsWith('__');
}

/** a token as the model reads it: numbers, links and punctuation folded; undefined for what it skips */
export function plainWord(lower: string): string | undefined {
  if (/^\p{N}[\p{N},.]*$/u.test(lower)) return '__num__';
  if (/^(https?|www)$/.test(lower)) return '__url__';
  if (/^[\p{L}\p{N}'’-]+$/u.test(lower) || /^[!?£$€%]$/.test(lower)) return lower;
  return undefined;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function sentenceModelFromFile(file: SentenceModelFile): SentenceModel {
  if (file.format !== SENTENCE_MODEL_FORMAT) throw new Error(`unsupported sentence model format ${String(file.format)}`);
  // the weights by word and by word pair, so that rating a sentence builds no feature strings
  // (it runs on every sentence of a member's mail); the sum is the one sentenceFeatures describes
  const unigrams = new Map<string, number>();
  const bigrams = new Map<string, Map<string, number>>();
  const lengths = new Map<string, number>();
  for (const [feature, weight] of Object.entries(file.weights)) {
    if (feature.startsWith('w:')) unigrams.set(feature.slice(2), weight);
    else if (feature.startsWith('b:')) {
      const space = feature.indexOf(' ', 2);
      const first = feature.slice(2, space);
      let next = bigrams.get(first);
      if (!next) bigrams.set(first, (next = new Map()));
      next.set(feature.slice(space + 1), weight);
    } else if (feature.startsWith('len:')) lengths.set(feature, weight);
  }
  return {
    task: file.task,
    version: file.version,
    probability(words) {
      let score = file.bias + (lengths.get(lengthFeature(words.length)) ?? 0);
      // features are binary: a word or pair that repeats counts once
      const ids = new Map<string, number>();
      const seenPairs = new Set<number>();
      let previous: string | undefined;
      let previousId = -1;
      for (const word of words) {
        let id = ids.get(word);
        if (id === undefined) {
          id = ids.size;
          ids.set(word, id);
          if (!isPlaceholder(word)) score += unigrams.get(word) ?? 0;
        }
        if (previous !== undefined) {
          const pair = previousId * 4096 + id;
          if (!seenPairs.has(pair)) {
            seenPairs.add(pair);
            score += bigrams.get(previous)?.get(word) ?? 0;
          }
        }
        previous = word;
        previousId = id;
      }
      return sigmoid(score);
    },
  };
}

function lengthFeature(words: number): string {
  return words <= 8 ? 'len:short' : words <= 25 ? 'len:medium' : 'len:long';
}

/** `name` beside the module at `moduleUrl`, from source or from the build (dist/filters/<folder>) */
export function modelFilePath(moduleUrl: string, folder: string, name: string): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const candidates = [join(here, name), join(here, '..', '..', '..', 'filters', folder, name)];
  return candidates.find((candidate) => existsSync(candidate)) ?? (candidates[0] as string);
}

/** Reads a model file; a missing or broken one throws, so a broken deployment fails at start. */
export function readSentenceModel(path: string, trainCommand: string): SentenceModel {
  let file: SentenceModelFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as SentenceModelFile;
  } catch (error) {
    throw new Error(`sentence model ${path} cannot be read (${errorMessage(error)}); rebuild it with ${trainCommand}`);
  }
  return sentenceModelFromFile(file);
}
