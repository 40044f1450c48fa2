import type { Cue, SuppressedCue } from './detector.js';
import type { Mark } from './context.js';
import { COMPLAINT_WORDS, IDENTITY_WORDS, NEGATOR_EXCEPTIONS, NEGATORS, REPORTING_VERBS } from './lexicon.js';
import type { Token } from './text.js';

/**
 * How a sentence is built, as features the model weighs beside its words: who it is aimed at,
 * whether the writer negates, quotes or reports something, whether it speaks of a group, its
 * typography, and what the rules found in it (a cue of each category with its target, and the
 * cues the context analysis set aside, with the reason). The rules are precise but narrow; as
 * features they let the model learn how far to trust each, and let its words carry what no rule
 * names. Every feature is present or absent.
 */

/** words that put what follows in someone's future: "you will", "you'll", "you're going to" */
const FUTURE: ReadonlySet<string> = new Set(['will', "'ll", 'shall', 'gonna', 'going']);
/** words that make a remark conditional on what the reader does: "if you …", "unless …" */
const CONDITIONS: ReadonlySet<string> = new Set(['if', 'unless', 'otherwise', 'or']);

export function structureFeatures(
  tokens: readonly Token[],
  marks: readonly (Mark | undefined)[],
  quotes: ReadonlyArray<readonly [number, number]>,
  cues: readonly Cue[],
  suppressed: readonly SuppressedCue[],
  criticism: Cue | undefined,
): string[] {
  const features = new Set<string>();
  let words = 0;
  let letters = 0;
  let capitals = 0;
  let you = false;
  let future = false;
  let condition = false;
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    const mark = marks[i];
    if (mark !== undefined) features.add(`s:mark:${mark}`);
    if (mark === 'you') you = true;
    if (token.kind === 'punct') {
      if (token.plain.startsWith('!!') || token.plain.startsWith('??')) features.add('s:punct-run');
      else if (token.plain === '!') features.add('s:exclaim');
      else if (token.plain === '?') features.add('s:question');
      continue;
    }
    if (token.kind !== 'word') continue;
    words += 1;
    letters += token.plain.length;
    if (token.upper) capitals += token.plain.length;
    const word = token.word;
    if (NEGATORS.has(word) && !NEGATOR_EXCEPTIONS.has(`${word} ${tokens[i + 1]?.word ?? ''}`)) features.add('s:negation');
    if (REPORTING_VERBS.has(word)) features.add('s:reporting-verb');
    if (COMPLAINT_WORDS.has(word)) features.add('s:complaint-word');
    if (IDENTITY_WORDS.has(word)) features.add('s:group');
    if (FUTURE.has(word)) future = true;
    if (CONDITIONS.has(word)) condition = true;
  }
  if (you && future) features.add('s:your-future');
  if (you && condition) features.add('s:your-condition');
  if (quotes.length > 0) features.add('s:quotation');
  if (words >= 3 && letters >= 12 && capitals / letters >= 0.9) features.add('s:capitals');
  features.add(words <= 4 ? 's:length-short' : words <= 15 ? 's:length-medium' : 's:length-long');
  for (const cue of cues) {
    features.add(`d:${cue.category}`);
    features.add(`d:${cue.category}:${cue.target}`);
    if (cue.score >= 0.7) features.add(`d:${cue.category}:strong`);
  }
  for (const item of suppressed) features.add(`d:set-aside:${item.category}:${item.reason}`);
  if (criticism) features.add(`d:criticism:${criticism.target}`);
  return [...features];
}
