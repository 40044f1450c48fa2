/**
 * What the sentence-model trainers share (scripts/train-party-political.ts,
 * scripts/train-obligation.ts): reading a labelled corpus, fitting with scikit-learn
 * (scripts/sentence-model/fit.py on Debian's python3-sklearn), choosing the operating point on
 * out-of-fold scores, and writing the model file with its sources, hashes and metrics.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { SENTENCE_MODEL_FORMAT, type SentenceModelFile } from '../../filters/shared/sentence-model.js';
import { PROJECT_ROOT } from '../abusive-language/data.js';

const PYTHON = '/usr/bin/python3';

export interface TrainingItem {
  readonly features: readonly string[];
  readonly label: 0 | 1;
  readonly weight: number;
  /** the corpus writer, for leaving one out; "" for items always trained on */
  readonly fold: string;
}

export interface Fitted {
  readonly bias: number;
  readonly weights: Record<string, number>;
  /** out-of-fold scores in input order; null for items with no fold */
  readonly oof: ReadonlyArray<number | null>;
}

export interface CorpusLine {
  readonly text: string;
  readonly label: 0 | 1;
  readonly kind: string;
  readonly category: string;
  readonly writer: string;
}

export function corpusFiles(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder).filter((file) => file.endsWith('.jsonl')).sort().map((file) => join(folder, file)) : [];
}

export function readCorpusFolder(folder: string): CorpusLine[] {
  return corpusFiles(folder).flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .map((line, index) => {
        const row = JSON.parse(line) as { text?: unknown; label?: unknown; kind?: unknown; category?: unknown };
        if (typeof row.text !== 'string' || (row.label !== 0 && row.label !== 1)) throw new Error(`${relative(PROJECT_ROOT, path)} line ${index + 1}: needs text and a label of 0 or 1`);
        return { text: row.text, label: row.label, kind: typeof row.kind === 'string' ? row.kind : '', category: typeof row.category === 'string' ? row.category : '', writer: basename(path, '.jsonl') };
      }),
  );
}

/** Fits the logistic regression; with folds, also scores each writer's items by a fit without them. */
export function fit(items: readonly TrainingItem[], options: { c: number; minDf: number; folds: boolean }): Fitted {
  const work = mkdtempSync(join(tmpdir(), 'sentence-model-'));
  try {
    const instances = join(work, 'instances.jsonl');
    writeFileSync(instances, items.map((item) => JSON.stringify({ f: item.features, y: item.label, w: item.weight, fold: item.fold })).join('\n'));
    const out = join(work, 'fit.json');
    const args = [join(PROJECT_ROOT, 'scripts', 'sentence-model', 'fit.py'), instances, out, '--c', String(options.c), '--min-df', String(options.minDf), ...(options.folds ? ['--folds'] : [])];
    const result = spawnSync(PYTHON, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.error) throw new Error(`${PYTHON} could not run (${result.error.message}); install Debian's python3-sklearn`);
    if (result.status !== 0) throw new Error(`fit.py failed with exit status ${String(result.status)}`);
    return JSON.parse(readFileSync(out, 'utf8')) as Fitted;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface Scored {
  readonly score: number;
  readonly label: 0 | 1;
}

/** precision and recall of flagging every score at or above `threshold`; each negative counts `negativeWeight` times */
export function confusion(scores: readonly Scored[], threshold: number, negativeWeight = 1): { precision: number; recall: number } {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  for (const { score, label } of scores) {
    if (label === 1) positives += 1;
    if (score < threshold) continue;
    if (label === 1) tp += 1;
    else fp += negativeWeight;
  }
  return { precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: positives === 0 ? 0 : tp / positives };
}

/** the threshold with the highest recall at `target` precision (0.5 when none reaches it) */
export function operatingPoint(scores: readonly Scored[], target: number, negativeWeight = 1): number {
  let best = 0.5;
  let bestRecall = -1;
  for (let step = 5; step <= 95; step += 1) {
    const threshold = step / 100;
    const { precision, recall } = confusion(scores, threshold, negativeWeight);
    if (precision >= target && recall > bestRecall) {
      best = threshold;
      bestRecall = recall;
    }
  }
  return best;
}

export const round = (value: number): number => Math.round(value * 10_000) / 10_000;

/** The bias with the operating point folded in, so that 0.5 is the threshold. */
export function shiftedBias(bias: number, threshold: number): number {
  return round(bias - Math.log(threshold / (1 - threshold)));
}

export function modelFile(fields: Omit<SentenceModelFile, 'format' | 'trainedAt' | 'weights'> & { readonly weights: Record<string, number> }): SentenceModelFile {
  return {
    format: SENTENCE_MODEL_FORMAT,
    ...fields,
    trainedAt: new Date().toISOString(),
    weights: Object.fromEntries(Object.entries(fields.weights).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

/**
 * The trainer's numeric parameters from the command line, each an option named after its key in
 * kebab case (`corpusWeight` → `--corpus-weight X`), with `defaults` for the rest; and whether
 * `--no-write` asks for figures only.
 */
export function trainingOptions<T extends Record<string, number>>(defaults: T, args: readonly string[] = process.argv.slice(2)): { parameters: T; write: boolean } {
  const flag = (key: string): string => key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
  const options: Record<string, { type: 'string' | 'boolean' }> = { 'no-write': { type: 'boolean' } };
  for (const key of Object.keys(defaults)) options[flag(key)] = { type: 'string' };
  const { values } = parseArgs({ args: [...args], options });
  const parameters: Record<string, number> = {};
  for (const [key, fallback] of Object.entries(defaults)) {
    const given = values[flag(key)];
    const value = typeof given === 'string' ? Number(given) : fallback;
    if (!Number.isFinite(value)) throw new Error(`--${flag(key)} must be a number`);
    parameters[key] = value;
  }
  return { parameters: parameters as T, write: values['no-write'] !== true };
}
