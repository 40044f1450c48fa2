/**
 * `npm run train:obligation`: trains the obligation filter's sentence model
 * (filters/obligation/obligation-model.ts) and writes filters/obligation/obligation-model.json.
 *
 * Data: the project's corpus (filters/obligation/corpus/train/*.jsonl: members' mail that commits,
 * accepts, waives or instructs on the Council's behalf, against opinions, support, questions,
 * relayed decisions, conditional and personal commitments; its README says how it was written);
 * as what is not an obligation, the request and commitment sentences of
 * ../shared/data/enron-intent (a writer's own business commitments are not the Council's) and the
 * project's everyday office and business mail (filters/abusive-language/corpus/train/
 * background-plane and background-usk). Each sentence of an item is an instance; an item with an
 * obligation is one when any of its sentences is.
 *
 * The operating point is chosen on out-of-fold scores (each writer, enron-intent and the everyday
 * mail scored by a fit without them): the highest recall at --target-precision, counting the
 * everyday and business negatives. It is folded into the bias, so 0.5 is the threshold. The dev
 * split (corpus/dev) is never trained or tuned on; its figures are recorded.
 *
 * Options: --c X, --corpus-weight X, --business-weight X, --min-df N, --target-precision X, --no-write.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { obligationModelPath, obligationWords } from '../filters/obligation/obligation-model.js';
import { sentenceFeatures, sigmoid } from '../filters/shared/sentence-model.js';
import { splitSentences } from '../filters/shared/sentences.js';
import { tokenise } from '../filters/shared/tokens.js';
import { ENRON_INTENT_FILES, PROJECT_ROOT, readEnronIntentSentences, sha256Of } from './abusive-language/data.js';
import { confusion, corpusFiles, fit, modelFile, operatingPoint, readCorpusFolder, round, shiftedBias, type Scored, trainingOptions } from './sentence-model/train.js';

const CORPUS = join(PROJECT_ROOT, 'filters', 'obligation', 'corpus');
const EVERYDAY = ['background-plane.jsonl', 'background-usk.jsonl'].map((file) => join(PROJECT_ROOT, 'filters', 'abusive-language', 'corpus', 'train', file));
const VERSION = '1.1.0';

type Parameters = {
  c: number;
  corpusWeight: number;
  businessWeight: number;
  minDf: number;
  targetPrecision: number;
};

const DEFAULTS: Parameters = { c: 0.5, corpusWeight: 4, businessWeight: 1, minDf: 2, targetPrecision: 0.92 };

interface Item {
  readonly text: string;
  readonly label: 0 | 1;
  readonly fold: string;
  readonly weight: number;
}

/** each sentence as the model reads it, questions apart (the filter does not judge them) */
export function sentenceWords(text: string): Array<{ words: string[]; question: boolean }> {
  return splitSentences(text).map((span) => {
    const tokens = tokenise(text, span.start, span.end);
    return { words: obligationWords(tokens), question: tokens[tokens.length - 1]?.lower === '?' };
  });
}

function judge(text: string, bias: number, weights: ReadonlyMap<string, number>): number {
  let best = 0;
  for (const sentence of sentenceWords(text)) {
    if (sentence.question) continue;
    let score = bias;
    for (const feature of sentenceFeatures(sentence.words)) score += weights.get(feature) ?? 0;
    best = Math.max(best, sigmoid(score));
  }
  return best;
}

function main(): void {
  const { parameters, write } = trainingOptions<Parameters>(DEFAULTS);
  const corpus: Item[] = readCorpusFolder(join(CORPUS, 'train')).map((line) => ({ text: line.text, label: line.label, fold: line.writer, weight: parameters.corpusWeight }));
  if (corpus.length === 0) throw new Error(`no training corpus in ${join(CORPUS, 'train')}`);
  const dev = readCorpusFolder(join(CORPUS, 'dev'));
  const business: Item[] = readEnronIntentSentences().map((item) => ({ text: item.text, label: 0, fold: 'enron-intent', weight: parameters.businessWeight }));
  const everyday: Item[] = EVERYDAY.filter((path) => existsSync(path)).flatMap((path) => readCorpusFolder(join(path, '..')).filter((line) => path.endsWith(`${line.writer}.jsonl`)).map((line) => ({ text: line.text, label: 0 as const, fold: 'everyday', weight: parameters.businessWeight })));
  process.stdout.write(`training on ${corpus.length} corpus items (${corpus.filter((item) => item.label === 1).length} obligations), ${business.length} enron-intent sentences, ${everyday.length} everyday mails\n`);

  // an obligation's every sentence is a positive instance only where it is the item's one sentence;
  // in a longer item, its sentences are fitted as the item (their words together)
  const items = [...corpus, ...business, ...everyday];
  const fitted = fit(
    items.map((item) => ({ features: [...new Set(sentenceWords(item.text).filter((sentence) => !sentence.question).flatMap((sentence) => sentenceFeatures(sentence.words)))], label: item.label, weight: item.weight, fold: item.fold })),
    { c: parameters.c, minDf: parameters.minDf, folds: true },
  );
  const oofScores: Scored[] = items.map((item, index) => ({ score: fitted.oof[index] ?? 0, label: item.label }));
  const threshold = operatingPoint(oofScores, parameters.targetPrecision);
  const oof = confusion(oofScores, threshold);
  const bias = shiftedBias(fitted.bias, threshold);
  const weights = new Map(Object.entries(fitted.weights));
  // as the filter judges: each sentence alone, the item flagged when one is
  const devFigures = confusion(dev.map((line) => ({ score: judge(line.text, bias, weights), label: line.label })), 0.5);
  const everydayRate = everyday.filter((item) => judge(item.text, bias, weights) >= 0.5).length / Math.max(1, everyday.length);
  process.stdout.write(`operating point ${threshold} (out-of-fold precision ${oof.precision.toFixed(3)}, recall ${oof.recall.toFixed(3)})\n`);
  process.stdout.write(`dev split (${dev.length} items, never tuned on), sentences judged alone: precision ${devFigures.precision.toFixed(3)}, recall ${devFigures.recall.toFixed(3)}\n`);
  process.stdout.write(`everyday mail flagged by the final fit (trained on): ${(everydayRate * 100).toFixed(2)}%\n`);
  if (!write) return;
  const file = modelFile({
    task: 'obligation',
    version: VERSION,
    trainingScript: 'scripts/train-obligation.ts',
    sources: [
      { name: 'corpus', path: corpusFiles(join(CORPUS, 'train')).map((path) => relative(PROJECT_ROOT, path)).join(', '), licence: 'project', documents: corpus.length, positives: corpus.filter((item) => item.label === 1).length, sha256: sha256Of(...corpusFiles(join(CORPUS, 'train'))) },
      { name: 'enron-intent', path: ENRON_INTENT_FILES.map((path) => relative(PROJECT_ROOT, path)).join(', '), licence: 'MIT', documents: business.length, positives: 0, sha256: business.length > 0 ? sha256Of(...ENRON_INTENT_FILES) : '' },
      { name: 'everyday', path: EVERYDAY.map((path) => relative(PROJECT_ROOT, path)).join(', '), licence: 'project', documents: everyday.length, positives: 0, sha256: sha256Of(...EVERYDAY.filter((path) => existsSync(path))) },
    ],
    parameters: { ...parameters, features: 'word unigrams and bigrams, numbers and links folded; sentence length', fit: 'scikit-learn logistic regression (liblinear, L2)' },
    metrics: {
      weights: weights.size,
      operatingPoint: threshold,
      outOfFoldPrecision: round(oof.precision),
      outOfFoldRecall: round(oof.recall),
      devItems: dev.length,
      devPrecision: round(devFigures.precision),
      devRecall: round(devFigures.recall),
    },
    bias,
    weights: fitted.weights,
  });
  writeFileSync(obligationModelPath(), `${JSON.stringify(file)}\n`);
  process.stdout.write(`wrote ${relative(PROJECT_ROOT, obligationModelPath())} (${weights.size} weights)\n`);
}

if (resolve(process.argv[1] ?? '') === resolve(import.meta.filename)) main();
