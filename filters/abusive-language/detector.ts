import type { Severity } from '../../src/finding.js';
import { CATEGORY_INFO, type Category } from './categories.js';
import {
  insultTarget,
  INTENSIFIERS,
  isBreak,
  isInside,
  isNegated,
  isPredicate,
  isReported,
  markTokens,
  mentionsPerson,
  nearbyPerson,
  quotedRanges,
  TARGET_FACTOR,
  targetOfMark,
  type Mark,
  type PersonNames,
  type Target,
} from './context.js';
import {
  AMBIGUOUS_SLURS,
  CHARACTERISTIC_WORDS,
  COMPLAINING_VERB_FOLLOWERS,
  COMPLAINING_VERBS,
  CONTEMPT_ADJECTIVES,
  CONTEMPT_HEDGES,
  CONTEMPT_NOUN_LEADS,
  CONTEMPT_NOUNS,
  CONTEMPT_QUANTITIES,
  CRITICISM_WORDS,
  decodeVocabulary,
  DEMEANING_PHRASES,
  DEMEANING_TERMS,
  GROUP_SMEARS,
  IDENTITY_GROUPS,
  INNOCENT_BEFORE,
  INSULT_ADJECTIVES,
  INSULT_COMPOUNDS,
  INSULT_DETERMINERS,
  INSULT_NOUNS,
  INSULT_QUALITIES,
  LINKING_WORDS,
  NAME_LIKE_INSULTS,
  NEGATOR_EXCEPTIONS,
  NEGATORS,
  PHRASES,
  PREFIX_EXCEPTIONS,
  PROFANE_PREFIXES,
  PROFANITY,
  SLURS,
  SWEAR_MASS_NOUNS,
  THIRD_PERSON_POSSESSIVES,
  VERB_SUBJECTS,
  type PhraseEntry,
} from './lexicon.js';
import type { AbuseModel, WordsScore } from './model.js';
import { PatternSet, type ClassName } from './patterns.js';
import { groupAbuse, isMentionedToReject, mayNameGroup } from './group.js';
import { structureFeatures } from './structure.js';
import { sentencesOf, tokenize, type Token } from './text.js';

/**
 * Sentence by sentence: what the lexicons and phrase patterns find, who it is aimed at, whether
 * the writer is negating, quoting or reporting it, and how the trained model rates the sentence.
 * Pure and bounded: callers cap the text; each sentence is at most MAX_SENTENCE_CHARS long.
 */

export interface DetectorSettings {
  readonly names: PersonNames;
  readonly model: AbuseModel;
  /** rate every sentence, for ranking texts; otherwise a sentence the model may not judge (not aimed) is rated only as part of a pair */
  readonly rateEverySentence?: boolean;
}

/** Something in a sentence that counts towards a category. */
export interface Cue {
  readonly category: Category;
  /** the rule's confidence 0..1, after its target */
  readonly score: number;
  readonly severity: Severity;
  /** a short description: "threat to job", "insult", "slur" */
  readonly label: string;
  /** the words that triggered it, as written; empty when the model read the whole sentence */
  readonly matched: string;
  readonly target: Target;
  /** the trained model's reading of the sentence, not a rule's */
  readonly byModel?: boolean;
}

export type SuppressionReason = 'negated' | 'quoted' | 'reported' | 'about the writer' | 'about a situation' | 'not aimed at a person';

/** A cue the context analysis set aside, kept so tests and reviewers can see why. */
export interface SuppressedCue {
  readonly category: Category;
  readonly matched: string;
  readonly reason: SuppressionReason;
}

export interface SentenceAnalysis {
  /** offsets into the analysed text */
  readonly start: number;
  readonly end: number;
  /** the trained model's probability that the sentence is abusive; 0.5 is the operating point */
  readonly probability: number;
  /** what kinds of abuse the model reads in the sentence, most likely first (computed on first call) */
  readonly categories: () => ReadonlyArray<readonly [Category, number]>;
  readonly cues: readonly Cue[];
  readonly suppressed: readonly SuppressedCue[];
  /** criticism of a person, which undermines when the audience is public */
  readonly criticism?: Cue;
  /** the sentence mentions a person other than the writer */
  readonly aboutPerson: boolean;
  /** the sentence speaks to the reader or of a named person */
  readonly addressed: boolean;
  /** the sentence names or points to a protected characteristic, as discrimination must */
  readonly characteristic: boolean;
  /** the sentence speaks to or of someone, or a rule found something in it: the model may judge it */
  readonly aimed: boolean;
}

const PATTERNS = new PatternSet<PhraseEntry>(PHRASES.flatMap((entry) => entry.patterns.map((pattern) => ({ pattern, entry }))));

const DEMEANING_PAIRS: ReadonlyMap<string, number> = new Map(DEMEANING_PHRASES);

const VOCATIVE_LEADS: ReadonlySet<string> = new Set([
  'thanks', 'thank', 'you', 'cheers', 'hi', 'hello', 'hiya', 'hey', 'morning', 'afternoon', 'evening', 'listen', 'look', 'now', 'right', 'ok', 'okay', 'well',
  'sorry', 'yes', 'yeah', 'no', 'oh', 'down', 'then', 'alright', 'ta', 'bye', 'come', 'on', 'night', 'there', 'again',
]);
const SALUTATION_FOLLOWERS: ReadonlySet<string> = new Set([
  'all', 'sir', 'madam', 'colleague', 'colleagues', 'councillor', 'councillors', 'member', 'members', 'team', 'friend', 'friends', 'resident', 'residents',
  'cllr', 'mr', 'mrs', 'ms', 'dr', 'miss', 'everyone', 'both', 'officer', 'officers', 'chair', 'mayor', 'customer', 'applicant', 'neighbour', 'neighbours',
]);

/** every word the per-word rules below can act on; a sentence without one, and without a person in it, has no cue */
const TRIGGER_WORDS: ReadonlySet<string> = new Set([
  ...PROFANITY.keys(),
  ...INSULT_NOUNS.keys(),
  ...INSULT_ADJECTIVES.keys(),
  ...INSULT_QUALITIES.keys(),
  ...SLURS.keys(),
  ...IDENTITY_GROUPS,
  ...DEMEANING_TERMS.keys(),
  ...DEMEANING_PHRASES.map(([phrase]) => phrase.split(' ')[0] as string),
  ...CRITICISM_WORDS.keys(),
  ...CONTEMPT_ADJECTIVES.keys(),
  ...CONTEMPT_NOUNS.keys(),
]);

function isTrigger(word: string): boolean {
  return TRIGGER_WORDS.has(word) || profanePrefixStrength(word) !== undefined;
}

/** the first letters of the profane prefixes: almost every word is ruled out by its first letter */
const PROFANE_PREFIX_INITIALS: ReadonlySet<number> = new Set(PROFANE_PREFIXES.map(([prefix]) => prefix.charCodeAt(0)));

/** the strength of a profane prefix the word starts with ("fuckwit", "shitty") */
function profanePrefixStrength(word: string): number | undefined {
  if (!PROFANE_PREFIX_INITIALS.has(word.charCodeAt(0))) return undefined;
  for (const [prefix, strength] of PROFANE_PREFIXES) if (word.startsWith(prefix)) return strength;
  return undefined;
}

function isInsultWord(word: string): boolean {
  return INSULT_NOUNS.has(word) || INSULT_ADJECTIVES.has(word);
}

function clamp(score: number): number {
  return Math.min(0.99, Math.max(0.01, score));
}

/** One level down: the word is milder than the category's typical case. */
function milder(severity: Severity): Severity {
  return severity === 'high' ? 'medium' : 'low';
}

function profanityStrength(word: string): number | undefined {
  const exact = PROFANITY.get(word);
  if (exact !== undefined) return exact;
  if (PREFIX_EXCEPTIONS.has(word)) return undefined;
  return profanePrefixStrength(word);
}

/**
 * Every sentence of the text, and, when the model reads them, every two adjacent sentences as one
 * (a threat or a pressure is often made in two: "I sit on the appointments panel. Think carefully
 * about your recommendation."). A pair carries no rule cues of its own: its sentences report those.
 */
export function analyseText(text: string, settings: DetectorSettings): { sentences: SentenceAnalysis[]; pairs: SentenceAnalysis[] } {
  const read = sentencesOf(text).map((sentence) => ({ start: sentence.start, end: sentence.end, reading: readSentence(text.slice(sentence.start, sentence.end), settings.names) }));
  // a sentence the model may not judge is rated only where a pair it is in may be
  const rates = (i: number): boolean =>
    settings.rateEverySentence === true || read[i]?.reading.aimed === true || (settings.model.readsPairs && (read[i - 1]?.reading.aimed === true || read[i + 1]?.reading.aimed === true));
  const readings = read.map((sentence, i) => ({ ...sentence, words: rates(i) ? settings.model.words(sentence.reading.tokens) : undefined }));
  const sentences = readings.map(({ start, end, reading, words }) => rated(start, end, reading, words ? [words] : undefined, settings));
  const pairs: SentenceAnalysis[] = [];
  if (settings.model.readsPairs) {
    for (let i = 0; i + 1 < readings.length; i += 1) {
      const first = readings[i] as (typeof readings)[number];
      const second = readings[i + 1] as (typeof readings)[number];
      if (!first.words || !second.words) continue;
      // the pair's tokens are joined only if its category is asked for, which few pairs are
      pairs.push(rated(first.start, second.end, pairOf(first.reading, second.reading, NO_TOKENS), [first.words, second.words], settings, () => pairTokens(first.reading, second.reading)));
    }
  }
  return { sentences, pairs };
}

export function analyseSentence(text: string, offset: number, settings: DetectorSettings): SentenceAnalysis {
  const reading = readSentence(text, settings.names);
  return rated(offset, offset + text.length, reading, [settings.model.words(reading.tokens)], settings);
}

/** the analysis of a sentence (or pair); one the model need not rate (`words` undefined) gets probability 0 */
function rated(
  start: number,
  end: number,
  reading: SentenceReading,
  words: readonly WordsScore[] | undefined,
  settings: DetectorSettings,
  tokens: () => readonly Token[] = () => reading.tokens,
): SentenceAnalysis {
  let categories: ReadonlyArray<readonly [Category, number]> | undefined;
  const analysis: Mutable<SentenceAnalysis> = {
    start,
    end,
    probability: words ? settings.model.probability(words, reading.structure) : 0,
    categories: () => (categories ??= settings.model.categories(tokens(), reading.structure)),
    cues: reading.cues,
    suppressed: reading.suppressed,
    aboutPerson: reading.aboutPerson,
    addressed: reading.addressed,
    characteristic: reading.characteristic,
    aimed: reading.aimed,
  };
  if (reading.criticism) analysis.criticism = reading.criticism;
  return analysis;
}

/** between the sentences of a pair, so that no word bigram crosses from one to the other */
const SENTENCE_BREAK: Token = { start: 0, end: 0, plain: '.', word: '.', kind: 'punct', capitalised: false, upper: false, obfuscated: false };

function pairTokens(first: SentenceReading, second: SentenceReading): Token[] {
  return [...first.tokens, SENTENCE_BREAK, ...second.tokens];
}

function pairStructure(first: SentenceReading, second: SentenceReading): string[] {
  return [...new Set([...first.structure, ...second.structure, 's:pair'])];
}

/** Two adjacent sentences read as one: their tokens in turn, their structure together, marked as a pair; no cues. */
export function pairReading(first: SentenceReading, second: SentenceReading): SentenceReading {
  return pairOf(first, second, pairTokens(first, second));
}

const NO_TOKENS: readonly Token[] = [];

function pairOf(first: SentenceReading, second: SentenceReading, tokens: readonly Token[]): SentenceReading {
  return {
    tokens,
    structure: pairStructure(first, second),
    cues: NO_CUES,
    suppressed: NO_SUPPRESSED,
    aboutPerson: first.aboutPerson || second.aboutPerson,
    addressed: first.addressed || second.addressed,
    characteristic: first.characteristic || second.characteristic,
    aimed: first.aimed || second.aimed,
  };
}

/** What the rules find in a sentence, before the model: its tokens, cues and structure features. */
export interface SentenceReading {
  readonly tokens: readonly Token[];
  readonly structure: readonly string[];
  readonly cues: readonly Cue[];
  readonly suppressed: readonly SuppressedCue[];
  readonly aboutPerson: boolean;
  readonly addressed: boolean;
  readonly characteristic: boolean;
  /** the sentence can be abuse at all: it speaks to or of someone (a person, people, a group), or a rule found something in it */
  readonly aimed: boolean;
  readonly criticism?: Cue | undefined;
}

/** fewer words than this are a fragment (a heading, a path, a sign-off), which the model alone does not judge */
const MIN_AIMED_WORDS = 5;

/** whether a sentence speaks to or of someone, or a rule found something in it, and is more than a fragment */
function isAimed(tokens: readonly Token[], marks: readonly (Mark | undefined)[], structure: readonly string[], ruled: boolean): boolean {
  let words = 0;
  for (const token of tokens) if (token.kind === 'word') words += 1;
  if (words < MIN_AIMED_WORDS) return false;
  return ruled || mentionsPerson(marks) || marks.includes('plural') || structure.includes('s:group');
}

/** Reads a sentence as the model sees it; training reads every sentence through here too. */
export function readSentence(text: string, names: PersonNames): SentenceReading {
  const tokens = tokenize(text, decodeVocabulary());
  const marks = markTokens(tokens, names);
  const aboutPerson = mentionsPerson(marks);
  const addressed = marks.some((mark) => mark === 'you' || mark === 'name');
  const characteristic = tokens.some((token) => token.kind === 'word' && CHARACTERISTIC_WORDS.has(token.word));
  // most sentences of ordinary mail: no word any rule acts on, no pattern can open, and no one
  // a class-opened pattern or shouting could be aimed at; the model still rates them
  let triggered = false;
  for (const token of tokens) if (token.kind === 'word' && isTrigger(token.word)) triggered = true;
  const possiblePatterns = PATTERNS.possible(tokens);
  const namesGroup = mayNameGroup(tokens);
  if (!aboutPerson && !triggered && !namesGroup && possiblePatterns.size === 0) {
    const structure = structureFeatures(tokens, marks, NO_RANGES, NO_CUES, NO_SUPPRESSED, undefined);
    return { tokens, structure, cues: NO_CUES, suppressed: NO_SUPPRESSED, aboutPerson, addressed, characteristic, aimed: isAimed(tokens, marks, structure, false) };
  }
  const quotes = quotedRanges(text);
  const cues: Cue[] = [];
  const suppressed: SuppressedCue[] = [];
  const matchedText = (from: number, to: number): string => text.slice((tokens[from] as Token).start, (tokens[to - 1] as Token).end);

  /** the reasons a cue spanning tokens [from, to) is not the writer's own remark, if any */
  const contextReason = (from: number, negatable: boolean): SuppressionReason | undefined => {
    if (isInside(quotes, (tokens[from] as Token).start)) return 'quoted';
    if (isReported(tokens, marks, from)) return 'reported';
    if (negatable && isNegated(tokens, from)) return 'negated';
    return undefined;
  };
  const add = (category: Category, weight: number, label: string, from: number, to: number, target: Target, negatable: boolean, severity?: Severity): void => {
    const matched = matchedText(from, to);
    const reason = contextReason(from, negatable);
    if (reason) {
      suppressed.push({ category, matched, reason });
      return;
    }
    const info = CATEGORY_INFO[category];
    cues.push({ category, score: clamp(weight), severity: severity ?? (weight < 0.6 ? milder(info.severity) : info.severity), label, matched, target });
  };
  const setAside = (category: Category, from: number, to: number, reason: SuppressionReason): void => {
    suppressed.push({ category, matched: matchedText(from, to), reason });
  };

  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (!triggered || token.kind !== 'word' || !isTrigger(token.word)) continue;
    const word = token.word;
    // a capital in mid-sentence makes "Dick", "Git" or "Angel" a name, not an insult
    const nameLike = token.capitalised && i > 0 && !token.upper;

    if (isCodeLike(text, token)) continue;
    const strength = profanityStrength(word);
    if (strength !== undefined && isUndirectedSwearing(tokens, i)) {
      add('profanity', strength, 'swearing', i, i + 1, 'none', false, strength >= 0.5 ? 'medium' : 'low');
      continue;
    }
    if (strength !== undefined && !(word === 'sod' && tokens[i + 1]?.word === "'s")) {
      // strong words near a person are aimed at them; a mild one only right next to them ("damn you")
      const person = nearbyPerson(tokens, marks, i, strength >= 0.5 ? 3 : 1);
      if (person !== 'none') {
        add('profanity-at-person', Math.min(0.95, strength + 0.3), 'swearing at a person', i, i + 1, person, false, strength >= 0.5 ? 'high' : 'medium');
      } else {
        add('profanity', strength, 'swearing', i, i + 1, 'none', false, strength >= 0.5 ? 'medium' : 'low');
      }
    }

    const nounWeight = INSULT_NOUNS.get(word);
    const adjectiveWeight = INSULT_ADJECTIVES.get(word);
    const insultWeight = nounWeight ?? adjectiveWeight;
    let insulted = false;
    if (insultWeight !== undefined && isInsultUse(tokens, i, nameLike)) {
      const target = insultTarget(tokens, marks, i, nounWeight !== undefined, isInsultWord);
      const factor = NAME_LIKE_INSULTS.has(word) && target === 'implicit' ? 0 : TARGET_FACTOR[target];
      if (factor === 0) setAside('personal-attack', i, i + 1, target === 'self' ? 'about the writer' : target === 'situation' ? 'about a situation' : 'not aimed at a person');
      else {
        add('personal-attack', insultWeight * factor, 'insult', i, i + 1, target, true);
        insulted = true;
      }
    }

    // an insult aimed at a person already says more than contempt for what they did
    const contempt = insulted || nameLike ? undefined : contemptOf(tokens, marks, i);
    if (contempt) add('discourtesy', contempt.weight, 'contemptuous remark', contempt.from, i + 1, contempt.target, true);

    const qualityWeight = INSULT_QUALITIES.get(word);
    if (qualityWeight !== undefined) {
      const owner = ownerOfQuality(tokens, marks, i);
      if (owner === 'none' || owner === 'self') setAside('personal-attack', i, i + 1, owner === 'self' ? 'about the writer' : 'not aimed at a person');
      else add('personal-attack', qualityWeight * TARGET_FACTOR[owner], 'insult', i, i + 1, owner, true);
    }

    const slurWeight = SLURS.get(word);
    if (slurWeight !== undefined && !nameLike) {
      if (AMBIGUOUS_SLURS.has(word)) {
        const target = insultTarget(tokens, marks, i, true, isInsultWord);
        if (target === 'you' || target === 'named' || target === 'person' || target === 'vocative') add('discriminatory', slurWeight * TARGET_FACTOR[target] + 0.2, 'slur', i, i + 1, target, true);
      } else {
        add('discriminatory', slurWeight, 'slur', i, i + 1, targetOfMark(firstPersonMark(marks)), true);
      }
    }

    if (IDENTITY_GROUPS.has(word)) {
      const smear = groupSmear(tokens, i);
      if (smear && !isMentionedToReject(tokens, smear.from)) add('discriminatory', smear.weight, 'generalisation about a group', smear.from, smear.to, 'none', true);
    }

    const demeaning = demeaningAddress(tokens, i);
    if (demeaning && !(token.capitalised && i > 0)) add('demeaning-address', demeaning.weight, 'demeaning form of address', i, demeaning.end, 'you', false);
  }

  if (namesGroup) {
    for (const abuse of groupAbuse(tokens)) add(abuse.kind === 'threat' ? 'threat' : 'discriminatory', abuse.weight, abuse.label, abuse.from, abuse.to, 'none', true);
  }

  for (const match of PATTERNS.matchAll(tokens, classTester(marks), possiblePatterns)) {
    const { entry } = match;
    if (entry.needsPerson && !aboutPerson) continue;
    const inside = firstPersonMark(marks.slice(match.start, match.end));
    if (entry.insult && inside === undefined) {
      const target = insultTarget(tokens, marks, match.start, true, isInsultWord);
      if (TARGET_FACTOR[target] === 0) setAside(entry.category, match.start, match.end, target === 'self' ? 'about the writer' : 'not aimed at a person');
      else add(entry.category, entry.weight * TARGET_FACTOR[target], entry.label, match.start, match.end, target, true);
      continue;
    }
    add(entry.category, entry.weight, entry.label, match.start, match.end, targetOfMark(inside ?? firstPersonMark(marks)), true);
  }

  const shouting = shoutingWeight(tokens, marks);
  if (shouting > 0) add('shouting', shouting, 'shouting', 0, tokens.length, 'you', false);

  // swearing aimed at someone already says everything undirected swearing would
  const finalCues = cues.some((cue) => cue.category === 'profanity-at-person') ? cues.filter((cue) => cue.category !== 'profanity') : cues;
  const criticism = criticismOf(tokens, marks, finalCues, quotes, text);
  const structure = structureFeatures(tokens, marks, quotes, finalCues, suppressed, criticism);
  return { tokens, structure, cues: finalCues, suppressed, aboutPerson, addressed, characteristic, aimed: isAimed(tokens, marks, structure, finalCues.length > 0 || suppressed.length > 0), criticism };
}

const NO_RANGES: ReadonlyArray<readonly [number, number]> = [];
const NO_CUES: readonly Cue[] = [];
const NO_SUPPRESSED: readonly SuppressedCue[] = [];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Whether an insult word is used as one here: not "idiot proof", "ignorant of", "Dick Smith", "jeff crook". */
function isInsultUse(tokens: readonly Token[], index: number, nameLike: boolean): boolean {
  const word = (tokens[index] as Token).word;
  const next = tokens[index + 1];
  if (next && next.kind === 'word') {
    if (INSULT_COMPOUNDS.has(`${word} ${next.word}`)) return false;
    if (INNOCENT_BEFORE.get(word)?.has(next.word)) return false;
  }
  // "(Some Ugly Guy)", "Mad Max": a capitalised adjective before a capitalised word is part of a title or a name
  if (nameLike && next?.kind === 'word' && next.capitalised && !INSULT_NOUNS.has(word)) return false;
  if (!NAME_LIKE_INSULTS.has(word)) return true;
  const previous = tokens[index - 1];
  // "you git." is an insult; "can you git rid of" is a typo
  const ends = next === undefined || next.kind === 'punct' || /^(and|who|like|or|of|that)$/.test(next.word);
  return !nameLike && ends && previous !== undefined && previous.kind === 'word' && INSULT_DETERMINERS.has(previous.word);
}

/** words after a clause-final adjective or noun that still end its clause: "this is stupid and wrong" */
const CLAUSE_CONTINUERS: ReadonlySet<string> = new Set(['and', 'but', 'or', 'so', 'because', 'frankly', 'really', 'though', 'anyway', 'imo', 'imho', 'honestly', 'too', 'as']);

/** words before "stupid idea" that make it someone's or something's in particular: "your", "that", "what a" */
const POINTING_DETERMINERS: ReadonlySet<string> = new Set(['your', 'his', 'her', 'their', 'this', 'that', 'these', 'those', 'what', 'such']);

function isSomeoneElses(tokens: readonly Token[], index: number): boolean {
  const previous = tokens[index - 1]?.word ?? '';
  if (POINTING_DETERMINERS.has(previous)) return true;
  // "what a stupid idea", "such a ridiculous decision", "your frankly stupid plan"; not "these are
  // stupid questions", where the writer is most often owning up to their own
  return (previous === 'a' || previous === 'an' || INTENSIFIERS.has(previous)) && POINTING_DETERMINERS.has(tokens[index - 2]?.word ?? '');
}

function endsClause(tokens: readonly Token[], index: number): boolean {
  const next = tokens[index + 1];
  return isBreak(next) || (next !== undefined && next.kind === 'word' && CLAUSE_CONTINUERS.has(next.word));
}

/**
 * Contempt for work, an idea or a situation: a contempt word said of it ("this is stupid", "it's
 * utter nonsense"), put before what someone made ("a ridiculous decision"), or exclaimed on its own
 * ("Ridiculous!"). Not when the writer hedges it as their own doubt ("this may be a stupid
 * question"), says it of themselves ("I was stupid", "my stupid mistake"), or uses the noun for
 * waste ("a load of rubbish to the tip", "the rubbish collection").
 */
function contemptOf(tokens: readonly Token[], marks: readonly (Mark | undefined)[], index: number): { weight: number; from: number; target: Target } | undefined {
  const word = (tokens[index] as Token).word;
  const adjective = CONTEMPT_ADJECTIVES.get(word);
  const noun = CONTEMPT_NOUNS.get(word);
  if (adjective === undefined && noun === undefined) return undefined;
  let from = index;
  for (let k = index - 1; k >= 0 && !isBreak(tokens[k]); k -= 1) {
    if (CONTEMPT_HEDGES.has((tokens[k] as Token).word)) return undefined;
    from = k;
  }
  const previous = tokens[index - 1];
  if (previous?.word === 'my' || previous?.word === 'our' || (tokens[index + 1]?.word === 'of' && marks[index + 2] === 'self')) return undefined;
  // a sentence of its own: "Ridiculous!", "Utter nonsense.", "What rubbish." (not "Holy crap, they do!")
  const exclaimed = endsClause(tokens, index) && tokens.filter((token) => token.kind === 'word').length <= 3;
  const start = Math.max(from, index - 3);
  if (adjective !== undefined) {
    if (isPredicate(tokens, index) && endsClause(tokens, index)) {
      const target = insultTarget(tokens, marks, index, false, isInsultWord);
      return target === 'self' ? undefined : { weight: adjective, from: start, target };
    }
    // "your stupid questions", "what a ridiculous decision"; not "a dumb question:", which is the writer's own
    if (marks[index + 1] === 'situation' && isSomeoneElses(tokens, index)) return { weight: adjective, from: index, target: 'situation' };
    if (exclaimed) return { weight: adjective, from: index, target: 'situation' };
  }
  if (noun === undefined || !endsClause(tokens, index)) return undefined;
  // "I am talking rubbish", "we are spouting nonsense"
  if (marks.slice(from, index).includes('self')) return undefined;
  const lead = previous?.kind === 'word' ? previous.word : '';
  const quantity = lead === 'of' && CONTEMPT_QUANTITIES.has(tokens[index - 2]?.word ?? '');
  if (exclaimed || isPredicate(tokens, index) || CONTEMPT_NOUN_LEADS.has(lead) || quantity) return { weight: noun, from: start, target: 'situation' };
  return undefined;
}

const VERB_AFTER_YOU: ReadonlySet<string> = new Set(['about', 'at']);

/** Swearing that by its grammar is aimed at no one: "he bitches about everything", "take his shit". */
function isUndirectedSwearing(tokens: readonly Token[], index: number): boolean {
  const word = (tokens[index] as Token).word;
  const previous = tokens[index - 1];
  const next = tokens[index + 1];
  if (COMPLAINING_VERBS.has(word)) {
    if (previous?.kind === 'word' && VERB_SUBJECTS.has(previous.word)) return true;
    // "you bitch and …" stays the insult; "you bitch about everything" is the verb
    const verbAfter = previous?.word === 'you' ? VERB_AFTER_YOU : COMPLAINING_VERB_FOLLOWERS;
    return next?.kind === 'word' && verbAfter.has(next.word);
  }
  return SWEAR_MASS_NOUNS.has(word) && previous?.kind === 'word' && THIRD_PERSON_POSSESSIVES.has(previous.word);
}

/** "WTF::String", "platform/wtf/", "Ctrl+Shit+C", "ffs()": a word inside code, a path, a key combination or a function call */
function isCodeLike(text: string, token: Token): boolean {
  const before = text[token.start - 1];
  const after = text[token.end];
  if (after === '(' && token.plain === text.slice(token.start, token.end).toLowerCase()) return true;
  return (before !== undefined && CODE_NEIGHBOURS.has(before)) || (after !== undefined && CODE_NEIGHBOURS.has(after) && !(after === ':' && text[token.end + 1] !== ':'));
}
const CODE_NEIGHBOURS: ReadonlySet<string> = new Set(['/', '\\', ':', '<', '>', '=', '`', '+', '{', '_', '|', '~']);

function firstPersonMark(marks: readonly (Mark | undefined)[]): Mark | undefined {
  return marks.find((mark) => mark === 'you' || mark === 'name' || mark === 'third' || mark === 'person' || mark === 'plural');
}

function classTester(marks: readonly (Mark | undefined)[]): (name: ClassName, index: number) => boolean {
  return (name, index) => {
    const mark = marks[index];
    switch (name) {
      case 'YOU':
        return mark === 'you';
      case 'VICTIM':
        // "them" is as often processes and files as people, so it is no victim on its own
        return mark === 'you' || mark === 'third' || mark === 'name' || mark === 'person';
      case 'PERSON':
        return mark === 'you' || mark === 'third' || mark === 'name' || mark === 'person';
    }
  };
}

/** "your incompetence", "Rachel's laziness", "the stupidity of your officers" */
function ownerOfQuality(tokens: readonly Token[], marks: readonly (Mark | undefined)[], index: number): Target {
  for (let k = index - 1; k >= 0 && k >= index - 3; k -= 1) {
    const token = tokens[k] as Token;
    if (token.kind === 'punct') break;
    const mark = marks[k];
    if (mark !== undefined && mark !== 'situation' && mark !== 'attribute') return targetOfMark(mark);
    if (token.word === "'s" && marks[k - 1] === 'name') return 'named';
    if (!LINKING_WORDS.has(token.word)) break;
  }
  if (tokens[index + 1]?.word === 'of') {
    for (let k = index + 2; k < tokens.length && k <= index + 4; k += 1) {
      const target = targetOfMark(marks[k]);
      if (target === 'you' || target === 'named' || target === 'person' || target === 'plural') return target;
    }
  }
  return 'none';
}

/** "immigrants are criminals", "all travellers are thieves", "dirty foreigners" */
function groupSmear(tokens: readonly Token[], index: number): { weight: number; from: number; to: number } | undefined {
  for (let k = index + 1; k < tokens.length && k <= index + 6; k += 1) {
    const token = tokens[k] as Token;
    if (token.kind !== 'word') break;
    const smear = GROUP_SMEARS.get(token.word);
    if (smear !== undefined) return { weight: smear, from: groupStart(tokens, index), to: k + 1 };
    if (!LINKING_WORDS.has(token.word) && !/^(just|all|nothing|but|are|is|like|such|breed|always)$/.test(token.word)) break;
  }
  const before = tokens[index - 1];
  if (before && before.kind === 'word') {
    const smear = GROUP_SMEARS.get(before.word);
    if (smear !== undefined) return { weight: smear, from: index - 1, to: index + 1 };
    const swear = profanityStrength(before.word);
    if (swear !== undefined && swear >= 0.3) return { weight: 0.7, from: index - 1, to: index + 1 };
  }
  return undefined;
}

function groupStart(tokens: readonly Token[], index: number): number {
  const before = tokens[index - 1];
  return before && /^(all|these|those|typical|most|the)$/.test(before.word) ? index - 1 : index;
}

/** A form of address in vocative position: "Thanks love.", "Listen, sweetheart, …", "calm down dear" */
function demeaningAddress(tokens: readonly Token[], index: number): { weight: number; end: number } | undefined {
  const token = tokens[index] as Token;
  let weight: number | undefined;
  let end = index + 1;
  const phrase = DEMEANING_PAIRS.get(`${token.word} ${tokens[index + 1]?.word ?? ''}`);
  if (phrase !== undefined) {
    weight = phrase;
    end = index + 2;
  }
  weight ??= DEMEANING_TERMS.get(token.word);
  if (weight === undefined) return undefined;
  const before = tokens[index - 1];
  const after = tokens[end];
  const afterIsEnd = after === undefined || (after.kind === 'punct' && /^[.,!?;:)\-–—…]/.test(after.plain));
  if (!afterIsEnd) return undefined;
  // "a venture firm, angel, or big company", "(sunshine, a long lunch)": items in a list, not forms of address
  if (after?.plain === ',' && (/^(or|and|nor)$/.test(tokens[end + 1]?.word ?? '') || before?.plain === '(')) return undefined;
  const leads = before === undefined || (before.kind === 'punct' && /^[,\-–—(…]/.test(before.plain)) || (before.kind === 'word' && VOCATIVE_LEADS.has(before.word));
  if (!leads) return undefined;
  const word = token.word;
  if (word === 'dear') {
    // "Dear Rachel," / "Dear all," are salutations; "oh dear" and "dear me" are exclamations
    const next = tokens[index + 1];
    if (before?.word === 'oh' || next?.word === 'me') return undefined;
    if (before === undefined && next && (next.capitalised || SALUTATION_FOLLOWERS.has(next.word))) return undefined;
  }
  if ((word === 'love' || word === 'luv') && before === undefined && (after?.plain === ',' || after?.plain === '-')) {
    // "Love, Tom" signs a personal letter off
    const rest = tokens.slice(end + 1).filter((t) => t.kind !== 'punct');
    if (rest.length > 0 && rest.length <= 4) return undefined;
  }
  // "-love-", "*love*": the word is being emphasised, not used to address anyone
  if (before && after && before.kind === 'punct' && before.plain === after.plain && /^[-*_~]$/.test(before.plain)) return undefined;
  // "thank you" + "love" needs the "thank": plain "you love" is a sentence about liking
  if (before?.word === 'you' && tokens[index - 2]?.word !== 'thank' && tokens[index - 2]?.word !== 'see') return undefined;
  // "no love lost", "come on" + noun and other leads only count right before the term
  if (before?.word === 'on' && tokens[index - 2]?.word !== 'come') return undefined;
  if (before?.word === 'down' && tokens[index - 2]?.word !== 'calm') return undefined;
  return { weight, end };
}

/** A sentence in capitals, or with "!!!", addressed to the reader. */
function shoutingWeight(tokens: readonly Token[], marks: readonly (Mark | undefined)[]): number {
  if (!marks.includes('you')) return 0;
  let letters = 0;
  let capitals = 0;
  let words = 0;
  let exclamations = false;
  for (const token of tokens) {
    if (token.kind === 'punct') {
      if (token.plain.startsWith('!!!') || token.plain.startsWith('???')) exclamations = true;
      continue;
    }
    if (token.kind !== 'word') continue;
    words += 1;
    const original = token.plain.length;
    letters += original;
    if (token.upper) capitals += original;
  }
  if (words >= 3 && letters >= 12 && capitals / letters >= 0.9) return 0.6;
  return exclamations ? 0.55 : 0;
}

/** Criticism of a person (not of work): the material of public undermining. */
function criticismOf(
  tokens: readonly Token[],
  marks: readonly (Mark | undefined)[],
  cues: readonly Cue[],
  quotes: ReadonlyArray<readonly [number, number]>,
  text: string,
): Cue | undefined {
  let best: Cue | undefined;
  for (const cue of cues) {
    if ((cue.category === 'personal-attack' || cue.category === 'profanity-at-person') && (!best || cue.score > best.score)) best = cue;
  }
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    const weight = token.kind === 'word' ? CRITICISM_WORDS.get(token.word) : undefined;
    if (weight === undefined || isInside(quotes, token.start) || isNegated(tokens, i)) continue;
    const target = insultTarget(tokens, marks, i, false, (word) => CRITICISM_WORDS.has(word) || isInsultWord(word));
    if (target !== 'you' && target !== 'named' && target !== 'person') continue;
    const score = clamp(weight * TARGET_FACTOR[target]);
    if (!best || score > best.score) best = { category: 'public-undermining', score, severity: 'high', label: 'criticism of a person', matched: text.slice(token.start, token.end), target };
  }
  return best;
}
