/**
 * `npm run train:party-political`: trains the pre-election filter's party-political sentence model
 * (filters/pre-election/party-political.ts) and writes filters/pre-election/party-model.json.
 *
 * Data: the project's corpus (filters/pre-election/corpus/train/*.jsonl, UK party-political
 * material against mentions of parties; its README says how it was written) and the partisan and
 * neutral posts of ../shared/data/politician-social-posts (US; four in five posts, chosen by a hash
 * of the text, are trained on and the fifth is kept to measure). Parties and candidates are read
 * as placeholders with the filter's own code, UK names for the corpus and US names for the posts,
 * so what is learned holds for whatever parties a council lists.
 *
 * The operating point is chosen on out-of-fold scores of the corpus (each writer scored by a fit
 * without them), counting only items that name a party or candidate as the filter does: the
 * highest recall at --target-precision, with every mention of a party that is not party-political
 * counted --negative-weight times, since the corpus is half party-political and council mail that
 * names a party mostly is not. It is folded into the bias, so 0.5 is the threshold.
 * The dev split (corpus/dev) is never trained or tuned on; its figures are recorded.
 *
 * Options: --c X, --corpus-weight X, --posts-weight X, --min-df N, --target-precision X, --negative-weight X, --no-write.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Config } from '../src/config/schema.js';
import { namedIn, PARTY_MODEL_FILE, partyModelPath, partyWords } from '../filters/pre-election/party-political.js';
import { politicalNames, type PoliticalNames } from '../filters/shared/political-names.js';
import { sentenceFeatures, sigmoid } from '../filters/shared/sentence-model.js';
import { splitSentences } from '../filters/shared/sentences.js';
import { tokenise } from '../filters/shared/tokens.js';
import { configWith } from '../tests/helpers/config.js';
import { parseCsv, PROJECT_ROOT, SHARED_DATA, sha256Of } from './abusive-language/data.js';
import { confusion, corpusFiles as filesIn, fit, modelFile, operatingPoint, readCorpusFolder, round, shiftedBias, type Scored, trainingOptions } from './sentence-model/train.js';

const CORPUS = join(PROJECT_ROOT, 'filters', 'pre-election', 'corpus');
const POSTS = join(SHARED_DATA, 'politician-social-posts', 'political_social_media.csv');
const VERSION = '1.0.0';

/** the names the UK corpus uses: every main party in Great Britain and Northern Ireland, with the short forms and nicknames people write */
export const UK_TRAINING_PARTIES: Config['parties'] = [
  { name: 'Labour Party', aliases: ['Labour', 'Labour group', 'Welsh Labour', 'Scottish Labour', 'Labour-led', 'Labour-run'] },
  { name: 'Conservative Party', aliases: ['Conservatives', 'Conservative', 'Tories', 'Tory', 'Scottish Conservatives', 'Welsh Conservatives', 'Conservative-led', 'Tory-led', 'Tory-run'] },
  { name: 'Liberal Democrats', aliases: ['Lib Dems', 'Lib Dem', 'LibDems', 'LibDem', 'Liberal Democrat', 'Lib Dem-led'] },
  { name: 'Green Party', aliases: ['Greens', 'Green', 'Scottish Greens', 'Green group'] },
  { name: 'Reform UK', aliases: ['Reform'] },
  { name: 'Scottish National Party', aliases: ['SNP', 'Nats', 'SNP-led'] },
  { name: 'Plaid Cymru', aliases: ['Plaid'] },
  { name: 'Alliance Party', aliases: ['Alliance'] },
  { name: 'Democratic Unionist Party', aliases: ['DUP'] },
  { name: 'Sinn Féin', aliases: ['Sinn Fein', 'SF'] },
  { name: 'SDLP', aliases: [] },
  { name: 'Ulster Unionist Party', aliases: ['UUP', 'Ulster Unionists'] },
  { name: 'Independents', aliases: ['Indies', 'Independent group'] },
];

/** the names in the US posts */
export const US_TRAINING_PARTIES: Config['parties'] = [
  { name: 'Democratic Party', aliases: ['Democrats', 'Democrat', 'Dems', 'Dem', 'Senate Democrats', 'House Democrats'] },
  { name: 'Republican Party', aliases: ['Republicans', 'Republican', 'GOP', 'House Republicans', 'Senate Republicans'] },
];
export const US_CANDIDATES = ['Barack Obama', 'Mitt Romney', 'John Boehner', 'Nancy Pelosi', 'Harry Reid', 'Mitch McConnell', 'Paul Ryan', 'Hillary Clinton', 'Joe Biden', 'George Bush'];

interface Item {
  readonly text: string;
  readonly label: 0 | 1;
  readonly source: 'corpus' | 'posts';
  readonly fold: string;
  readonly names: PoliticalNames;
}

type Parameters = {
  c: number;
  corpusWeight: number;
  postsWeight: number;
  minDf: number;
  targetPrecision: number;
  /** how many times a mention of a party counts against a party-political sentence when the operating point is chosen */
  negativeWeight: number;
};

const DEFAULTS: Parameters = { c: 0.5, corpusWeight: 8, postsWeight: 1, minDf: 2, targetPrecision: 0.92, negativeWeight: 3 };

function corpusFiles(split: 'train' | 'dev'): string[] {
  return filesIn(join(CORPUS, split));
}

function readCorpus(split: 'train' | 'dev', names: PoliticalNames): Item[] {
  return readCorpusFolder(join(CORPUS, split)).map((line) => ({ text: line.text, label: line.label, source: 'corpus' as const, fold: line.writer, names }));
}

/** four in five posts train, the fifth measures: chosen by a hash of the text, so the split is stable */
export function isHeldOutPost(text: string): boolean {
  return (createHash('sha1').update(text).digest()[0] as number) % 5 === 0;
}

export function readPosts(names: PoliticalNames): { train: Item[]; heldOut: Item[] } {
  if (!existsSync(POSTS)) return { train: [], heldOut: [] };
  const [header, ...rows] = parseCsv(readFileSync(POSTS, 'utf8').replace(/^\uFEFF/, ''));
  const labelAt = header?.indexOf('bias') ?? 0;
  const textAt = header?.indexOf('text') ?? 1;
  const items = rows.flatMap((row): Item[] => {
    const label = row[labelAt];
    const text = row[textAt] ?? '';
    if ((label !== 'partisan' && label !== 'neutral') || text.trim().length === 0) return [];
    return [{ text, label: label === 'partisan' ? 1 : 0, source: 'posts', fold: '', names }];
  });
  return { train: items.filter((item) => !isHeldOutPost(item.text)), heldOut: items.filter((item) => isHeldOutPost(item.text)) };
}

export function namesFor(parties: Config['parties'], candidates: readonly string[] = []): PoliticalNames {
  return politicalNames(configWith({ parties, members: [], candidates: candidates.map((name) => ({ name })) }));
}

/** the sentences of a text, each as the model reads it, and whether the filter would judge it */
function sentenceReads(text: string, names: PoliticalNames): Array<{ features: string[]; named: boolean }> {
  return splitSentences(text).map((span) => {
    const tokens = tokenise(text, span.start, span.end);
    const { parties, people, judged } = namedIn(tokens, names);
    return { features: sentenceFeatures(partyWords(tokens, parties, people)), named: judged };
  });
}

function itemFeatures(item: Item): string[] {
  return [...new Set(sentenceReads(item.text, item.names).flatMap((read) => read.features))];
}

/** As the filter judges: the highest rating of a sentence that names a party or candidate, or undefined when none does. */
function judge(item: Item, bias: number, weights: ReadonlyMap<string, number>): number | undefined {
  let best: number | undefined;
  for (const read of sentenceReads(item.text, item.names)) {
    if (!read.named) continue;
    let score = bias;
    for (const feature of read.features) score += weights.get(feature) ?? 0;
    best = Math.max(best ?? 0, sigmoid(score));
  }
  return best;
}

function main(): void {
  const { parameters, write } = trainingOptions<Parameters>(DEFAULTS);
  const uk = namesFor(UK_TRAINING_PARTIES);
  const us = namesFor(US_TRAINING_PARTIES, US_CANDIDATES);
  const corpus = readCorpus('train', uk);
  if (corpus.length === 0) throw new Error(`no training corpus in ${join(CORPUS, 'train')}`);
  const dev = readCorpus('dev', uk);
  const posts = readPosts(us);
  process.stdout.write(`training on ${corpus.length} corpus items (${corpus.filter((item) => item.label === 1).length} party-political) and ${posts.train.length} posts (${posts.train.filter((item) => item.label === 1).length} partisan)\n`);

  const training = [...corpus, ...posts.train];
  const fitted = fit(
    training.map((item) => ({ features: itemFeatures(item), label: item.label, weight: item.source === 'corpus' ? parameters.corpusWeight : parameters.postsWeight, fold: item.fold })),
    { c: parameters.c, minDf: parameters.minDf, folds: true },
  );
  // out-of-fold, as the filter judges: an item naming no party or candidate is not flagged
  const oofScores: Scored[] = corpus.map((item, index) => ({ score: sentenceReads(item.text, item.names).some((read) => read.named) ? (fitted.oof[index] ?? 0) : 0, label: item.label }));
  const threshold = operatingPoint(oofScores, parameters.targetPrecision, parameters.negativeWeight);
  const oof = confusion(oofScores, threshold);
  const bias = shiftedBias(fitted.bias, threshold);
  const weights = new Map(Object.entries(fitted.weights));
  const measure = (items: readonly Item[]): { precision: number; recall: number; items: number } => ({
    ...confusion(items.map((item) => ({ score: judge(item, bias, weights) ?? 0, label: item.label })), 0.5),
    items: items.length,
  });
  const devFigures = measure(dev);
  // the filter judges only sentences that name a party or candidate: most posts name none
  const heldOut = measure(posts.heldOut.filter((item) => judge(item, bias, weights) !== undefined));
  process.stdout.write(`operating point ${threshold} (out-of-fold precision ${oof.precision.toFixed(3)}, recall ${oof.recall.toFixed(3)})\n`);
  process.stdout.write(`dev split (${devFigures.items} items, never tuned on): precision ${devFigures.precision.toFixed(3)}, recall ${devFigures.recall.toFixed(3)}\n`);
  process.stdout.write(`held-out posts that name a party or candidate (${heldOut.items} of ${posts.heldOut.length}): precision ${heldOut.precision.toFixed(3)}, recall ${heldOut.recall.toFixed(3)}\n`);
  if (!write) return;
  const file = modelFile({
    task: 'party-political',
    version: VERSION,
    trainingScript: 'scripts/train-party-political.ts',
    sources: [
      { name: 'corpus', path: corpusFiles('train').map((path) => relative(PROJECT_ROOT, path)).join(', '), licence: 'project', documents: corpus.length, positives: corpus.filter((item) => item.label === 1).length, sha256: sha256Of(...corpusFiles('train')) },
      {
        name: 'politician-social-posts',
        path: relative(PROJECT_ROOT, POSTS),
        licence: 'CC0 (Figure Eight "Political Social Media Posts")',
        documents: posts.train.length,
        positives: posts.train.filter((item) => item.label === 1).length,
        sha256: existsSync(POSTS) ? sha256Of(POSTS) : '',
      },
    ],
    parameters: { ...parameters, features: 'word unigrams and bigrams, parties and candidates as placeholders, numbers and links folded; sentence length', fit: 'scikit-learn logistic regression (liblinear, L2)' },
    metrics: {
      weights: weights.size,
      operatingPoint: threshold,
      outOfFoldPrecision: round(oof.precision),
      outOfFoldRecall: round(oof.recall),
      devItems: devFigures.items,
      devPrecision: round(devFigures.precision),
      devRecall: round(devFigures.recall),
      heldOutPosts: heldOut.items,
      heldOutPostsPrecision: round(heldOut.precision),
      heldOutPostsRecall: round(heldOut.recall),
    },
    bias,
    weights: fitted.weights,
  });
  writeFileSync(partyModelPath(), `${JSON.stringify(file)}\n`);
  process.stdout.write(`wrote ${relative(PROJECT_ROOT, partyModelPath())} (${weights.size} weights; ${PARTY_MODEL_FILE})\n`);
}

if (resolve(process.argv[1] ?? '') === resolve(import.meta.filename)) main();
