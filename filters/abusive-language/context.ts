import {
  FIRST_PERSON,
  LINKING_WORDS,
  NEGATOR_EXCEPTIONS,
  NEGATORS,
  PERSON_ATTRIBUTES,
  PERSON_NOUNS,
  REPORTING_VERBS,
  SECOND_PERSON,
  SITUATION_NOUNS,
  THIRD_PERSON,
  THIRD_PERSON_PLURAL,
} from './lexicon.js';
import type { Token } from './text.js';

/**
 * Who and what a sentence is about, and whether a remark in it is the writer's own: the analysis
 * that separates "you are incompetent" from "the process is incompetent", "I am not calling you
 * incompetent" and "he called me incompetent".
 */

/** What a token refers to, when it refers to a party at all. */
export type Mark =
  | 'you' // the reader
  | 'self' // the writer
  | 'third' // he, she
  | 'plural' // they, them: people or things
  | 'name' // a person by name (directory, or Mr/Cllr + name)
  | 'person' // a person by role or kind ("the officer", "that woman")
  | 'situation' // work, things and events ("the report", "this")
  | 'attribute'; // what belongs to a person ("your attitude")

/** How sure we are that a remark is aimed at a person, by the kind of target found. */
export type Target = 'you' | 'named' | 'person' | 'plural' | 'vocative' | 'implicit' | 'self' | 'situation' | 'none';

export const TARGET_FACTOR: Readonly<Record<Target, number>> = {
  you: 1,
  vocative: 1,
  named: 0.97,
  person: 0.92,
  plural: 0.6,
  implicit: 0.65,
  self: 0,
  situation: 0,
  none: 0,
};

/** People the directory knows, for recognising names in text. */
export interface PersonNames {
  /** first names and surnames, lower case; count only when written with a capital */
  readonly single: ReadonlySet<string>;
  /** "helen marsh": two consecutive words, any case */
  readonly full: ReadonlySet<string>;
}

export const NO_NAMES: PersonNames = { single: new Set(), full: new Set() };

const TITLES: ReadonlySet<string> = new Set(['mr', 'mrs', 'ms', 'miss', 'dr', 'cllr', 'councillor', 'sir', 'dame', 'prof', 'professor']);
const TITLE_ABBREVIATIONS: ReadonlySet<string> = new Set(['mr', 'mrs', 'ms', 'dr']);
/** words too common to be taken for a name even when capitalised at a sentence start */
const NOT_NAMES: ReadonlySet<string> = new Set(['will', 'may', 'mark', 'rose', 'bill', 'grace', 'hope', 'joy', 'amber', 'marsh', 'finch', 'faith']);

export function namesOf(people: ReadonlyArray<{ readonly name: string }>): PersonNames {
  const single = new Set<string>();
  const full = new Set<string>();
  for (const person of people) {
    const parts = person.name
      .toLowerCase()
      .split(/\s+/)
      .map((part) => part.replace(/[^\p{L}'-]/gu, ''))
      .filter((part) => part.length > 1 && !TITLES.has(part));
    for (const part of parts) single.add(part);
    for (let i = 0; i + 1 < parts.length; i += 1) full.add(`${parts[i]} ${parts[i + 1]}`);
  }
  return { single, full };
}

/** pronouns, which outrank a name; then the kinds of noun, which a name outranks */
const PRONOUN_MARKS: ReadonlyMap<string, Mark> = marksOf([
  [THIRD_PERSON_PLURAL, 'plural'],
  [THIRD_PERSON, 'third'],
  [FIRST_PERSON, 'self'],
  [SECOND_PERSON, 'you'],
]);
const NOUN_MARKS: ReadonlyMap<string, Mark> = marksOf([
  [SITUATION_NOUNS, 'situation'],
  [PERSON_ATTRIBUTES, 'attribute'],
  [PERSON_NOUNS, 'person'],
]);

/** one map from lists given lowest priority first, so a word in two lists keeps the later one's mark */
function marksOf(lists: ReadonlyArray<readonly [ReadonlySet<string>, Mark]>): ReadonlyMap<string, Mark> {
  const map = new Map<string, Mark>();
  for (const [words, mark] of lists) for (const word of words) map.set(word, mark);
  return map;
}

const firstNamesOfFull = new WeakMap<ReadonlySet<string>, ReadonlySet<string>>();

/** the first words of the full names, so most tokens need no two-word lookup */
function fullNameStarts(full: ReadonlySet<string>): ReadonlySet<string> {
  let starts = firstNamesOfFull.get(full);
  if (!starts) {
    starts = new Set([...full].map((name) => name.split(' ')[0] as string));
    firstNamesOfFull.set(full, starts);
  }
  return starts;
}

/** Marks every token that refers to a party, a person or a situation. */
export function markTokens(tokens: readonly Token[], names: PersonNames): (Mark | undefined)[] {
  const marks: (Mark | undefined)[] = new Array(tokens.length).fill(undefined);
  const starts = fullNameStarts(names.full);
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (token.kind !== 'word') continue;
    const word = token.word;
    const next = tokens[i + 1];
    if (next && next.kind === 'word' && starts.has(word) && names.full.has(`${word} ${next.word}`)) {
      marks[i] = 'name';
      marks[i + 1] = 'name';
      i += 1;
      continue;
    }
    if (TITLES.has(word) && next && next.kind === 'word' && next.capitalised) {
      marks[i] = 'name';
      marks[i + 1] = 'name';
      i += 1;
      continue;
    }
    const pronoun = PRONOUN_MARKS.get(word);
    if (pronoun !== undefined) marks[i] = pronoun;
    else if (token.capitalised && names.single.has(word) && !(i === 0 && NOT_NAMES.has(word)) && !token.upper) marks[i] = 'name';
    else if (word === '@user') marks[i] = 'name';
    // "MS Office", "DR site": a title in capitals with no name after it is an abbreviation
    else if (!(token.upper && TITLE_ABBREVIATIONS.has(word))) marks[i] = NOUN_MARKS.get(word);
  }
  return marks;
}

export function targetOfMark(mark: Mark | undefined): Target {
  switch (mark) {
    case 'you':
      return 'you';
    case 'name':
      return 'named';
    case 'third':
    case 'person':
      return 'person';
    case 'plural':
      return 'plural';
    case 'self':
      return 'self';
    case 'situation':
      return 'situation';
    default:
      return 'none';
  }
}

const CLAUSE_BREAKS: ReadonlySet<string> = new Set([',', ';', ':', '.', '!', '?', '(', ')', '-', '–', '—', '...', '…', '"', '“', '”']);
const CONTRASTS: ReadonlySet<string> = new Set(['but', 'however', 'although', 'though', 'yet', 'whereas']);

export function isBreak(token: Token | undefined): boolean {
  if (!token) return true;
  if (token.kind === 'punct') return CLAUSE_BREAKS.has(token.plain) || token.plain.startsWith('.') || token.plain.startsWith('!') || token.plain.startsWith('?');
  return false;
}

/** words after an adjective that leave it a predicate ("useless at planning", "stupid if you think") */
const FUNCTION_WORDS: ReadonlySet<string> = new Set([
  'at', 'in', 'on', 'to', 'for', 'of', 'with', 'about', 'if', 'when', 'because', 'and', 'or', 'but', 'as', 'so', 'than', 'that', 'which', 'who', 'enough', 'beyond',
  'since', 'while', 'after', 'before', 'until', 'like', 'by', 'from', 'this', 'these', 'those', 'it', 'is', 'are', 'was', 'were', 'be', 'been', 'not', 'too', 'again',
  'now', 'then', 'here', 'there', 'today', 'anyway', 'really', 'sometimes', 'always', 'at all', 'yourself', 'himself', 'herself', 'themselves', 'i', 'we', 'he', 'she',
  'they', 'you', 'my', 'your', 'his', 'her', 'our', 'their', 'the', 'a', 'an', 'even', 'though', 'although', 'whereas', 'unless', 'whether', 'why', 'how', 'what', 'where',
]);

/** how far back a linking chain may reach: "you are, frankly, the most utterly useless" */
const MAX_LINK_DISTANCE = 8;

/**
 * Who an insulting word at `index` is aimed at. Looks back through linking words ("you are such a
 * complete …"), then forward for a person noun ("… officer"), then at vocative position
 * ("Idiot." / "listen, idiot"). A situation in between ("your report is useless") wins.
 */
export function insultTarget(tokens: readonly Token[], marks: readonly (Mark | undefined)[], index: number, isNoun: boolean, isInsultWord: (word: string) => boolean): Target {
  if (!isNoun && !isPredicate(tokens, index)) {
    // an adjective before a noun describes that noun: "your stupid questions", "dumb member id"
    const next = tokens[index + 1];
    const nextMark = marks[index + 1];
    if (next && next.kind === 'word' && (nextMark === undefined || nextMark === 'situation') && !LINKING_WORDS.has(next.word) && !FUNCTION_WORDS.has(next.word) && !isInsultWord(next.word) && !next.word.endsWith('ly')) return 'situation';
  }
  // "dumb people like me", "stupid guys such as me": the writer, not the people
  if (selfComparison(tokens, marks, index)) return 'self';
  for (let k = index - 1; k >= 0 && k >= index - MAX_LINK_DISTANCE; k -= 1) {
    const token = tokens[k] as Token;
    if (token.kind === 'punct') {
      // "you, frankly, are useless" keeps going over commas between linking words
      if (token.plain === ',' && k > 0 && (tokens[k - 1] as Token).kind === 'word' && LINKING_WORDS.has((tokens[k - 1] as Token).word)) continue;
      break;
    }
    const mark = marks[k];
    // "your attitude is disgusting" is about the person whose attitude it is
    if (mark === 'attribute') continue;
    // "you are that idiot", "those morons": a determiner, not a thing
    if (mark === 'situation' && isNoun && k === index - 1 && DEMONSTRATIVES.has(token.word)) continue;
    if (mark === 'situation') return 'situation';
    if (mark !== undefined) return targetOfMark(mark);
    if (LINKING_WORDS.has(token.word) || NEGATORS.has(token.word) || isInsultWord(token.word)) continue;
    break;
  }
  // "incompetent officers", "stupid woman", "useless lot": the insult describes the person after it
  for (let k = index + 1; k < tokens.length && k <= index + 2; k += 1) {
    const token = tokens[k] as Token;
    if (token.kind === 'punct') break;
    const mark = marks[k];
    if (mark === 'situation') return 'situation';
    if (mark === 'person' || mark === 'name') return mark === 'name' ? 'named' : 'person';
    if (!LINKING_WORDS.has(token.word) && !isInsultWord(token.word)) break;
  }
  if (!isNoun) return 'none';
  const before = tokens[index - 1];
  const after = tokens[index + 1];
  const opens = before === undefined || (before.kind === 'punct' && VOCATIVE_OPENERS.has(before.plain)) || (before.kind === 'word' && /^(listen|look|oi|hey|right|okay|ok|well|yes|no|sorry)$/.test(before.word));
  const closes = after === undefined || (after.kind === 'punct' && VOCATIVE_CLOSERS.test(after.plain));
  // a vocative addresses the reader: a short exclamation ("Idiot!") or one in a sentence to "you"
  const wordCount = tokens.filter((token) => token.kind === 'word').length;
  if (opens && closes && (wordCount <= 6 || marks.includes('you'))) return 'vocative';
  return 'implicit';
}

const COPULAS: ReadonlySet<string> = new Set(['am', 'is', 'are', 'was', 'were', 'be', 'been', 'being', "'s", 'seem', 'seems', 'seemed', 'look', 'looks', 'looked', 'sound', 'sounds', 'become', 'became', 'remain', 'remains']);
export const INTENSIFIERS: ReadonlySet<string> = new Set(['so', 'very', 'really', 'completely', 'utterly', 'totally', 'absolutely', 'quite', 'pretty', 'bloody', 'fucking', 'just', 'clearly', 'simply', 'thoroughly', 'entirely', 'genuinely', 'frankly', 'rather', 'too', 'not']);

/** "Rachel is useless today": after a copula the adjective says something of the subject */
export function isPredicate(tokens: readonly Token[], index: number): boolean {
  for (let k = index - 1; k >= 0 && k >= index - 4; k -= 1) {
    const token = tokens[k] as Token;
    if (token.kind !== 'word') return false;
    if (COPULAS.has(token.word)) return true;
    if (!INTENSIFIERS.has(token.word)) return false;
  }
  return false;
}

const DEMONSTRATIVES: ReadonlySet<string> = new Set(['this', 'that', 'these', 'those']);
const VOCATIVE_OPENERS: ReadonlySet<string> = new Set([',', '-', '–', '—', '...', '…']);
const VOCATIVE_CLOSERS = /^[,.!?;:…]/;

function selfComparison(tokens: readonly Token[], marks: readonly (Mark | undefined)[], index: number): boolean {
  for (let k = index + 1; k < tokens.length && k <= index + 4; k += 1) {
    const word = (tokens[k] as Token).word;
    if (word === 'like' || word === 'as') return marks[k + 1] === 'self' || (tokens[k + 1]?.word === 'me');
    if ((tokens[k] as Token).kind === 'punct') return false;
  }
  return false;
}

/** The nearest person the sentence mentions within `reach` tokens of `index`, in the same clause. */
export function nearbyPerson(tokens: readonly Token[], marks: readonly (Mark | undefined)[], index: number, reach: number): Target {
  let best: Target = 'none';
  for (const direction of [-1, 1]) {
    for (let k = index + direction, steps = 0; k >= 0 && k < tokens.length && steps < reach; k += direction, steps += 1) {
      if (isBreak(tokens[k])) break;
      const target = targetOfMark(marks[k]);
      // the nearest party decides: "I fucked up your booking" is about the writer
      if (target === 'self') break;
      if (target === 'you' || target === 'named' || target === 'person') {
        if (TARGET_FACTOR[target] > TARGET_FACTOR[best]) best = target;
        break;
      }
    }
  }
  return best;
}

/**
 * Negated within its clause: "I am not calling you incompetent", "nobody thinks you're lazy".
 * "not only", "no wonder" and "nothing but" do not negate.
 */
export function isNegated(tokens: readonly Token[], start: number): boolean {
  let sawSubject = SUBJECT_PRONOUNS.has(tokens[start]?.word ?? '');
  for (let k = start - 1; k >= 0 && k >= start - 6; k -= 1) {
    const token = tokens[k] as Token;
    if (isBreak(token) || CONTRASTS.has(token.word)) return false;
    if (SUBJECT_PRONOUNS.has(token.word)) sawSubject = true;
    if (!NEGATORS.has(token.word)) continue;
    const next = tokens[k + 1];
    // "shouldn't we …", "don't you think …": an inverted question, not a denial
    if (token.word === 'not' && next && INVERTED_SUBJECTS.has(next.word) && k > 0 && AUXILIARIES.has((tokens[k - 1] as Token).word)) continue;
    const third = tokens[k + 2];
    if (next && NEGATOR_EXCEPTIONS.has(`${token.word} ${next.word}`)) continue;
    if (next && third && NEGATOR_EXCEPTIONS.has(`${token.word} ${next.word} ${third.word}`)) continue;
    // "if it isn't fixed by Friday I will …": the "not" belongs to the condition, not the threat
    if (sawSubject && conditionBefore(tokens, k)) return false;
    return true;
  }
  return false;
}

const INVERTED_SUBJECTS: ReadonlySet<string> = new Set(['we', 'i', 'you', 'they']);
const AUXILIARIES: ReadonlySet<string> = new Set(['should', 'could', 'would', 'do', 'does', 'did', 'can', 'will', 'shall', 'must', 'are', 'is']);
const SUBJECT_PRONOUNS: ReadonlySet<string> = new Set(['i', 'you', 'we', 'he', 'she', 'they']);
const CONDITIONS: ReadonlySet<string> = new Set(['if', 'unless', 'until', 'when', 'once', 'because', 'since']);

function conditionBefore(tokens: readonly Token[], index: number): boolean {
  for (let k = index - 1; k >= 0 && k >= index - 8; k -= 1) {
    const token = tokens[k] as Token;
    if (isBreak(token)) return false;
    if (CONDITIONS.has(token.word)) return true;
  }
  return false;
}

const OPENING_QUOTES: ReadonlyMap<string, string> = new Map(Object.entries({ '"': '"', '“': '”', '«': '»', '„': '“', '‘': '’' }));

/** Character ranges inside quotation marks. A straight single quote counts only at word edges. */
export function quotedRanges(text: string): Array<readonly [number, number]> {
  const ranges: Array<readonly [number, number]> = [];
  if (!mayQuote(text)) return ranges;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    let close = OPENING_QUOTES.get(ch);
    if (close === undefined && ch === "'" && (i === 0 || /[\s(\[]/.test(text[i - 1] as string)) && /\p{L}/u.test(text[i + 1] ?? '')) close = "'";
    if (close === undefined) {
      i += 1;
      continue;
    }
    let j = i + 1;
    let found = -1;
    while (j < text.length) {
      const c = text[j];
      if (c === close || (close === '"' && c === '”') || (close === '”' && c === '"')) {
        if (close !== "'" && close !== '’') {
          found = j;
          break;
        }
        // a closing single quote ends a word and is not followed by a letter (don't, residents')
        if (/\p{L}/u.test(text[j + 1] ?? '') === false && /[\p{L}.!?,]/u.test(text[j - 1] ?? '')) {
          found = j;
          break;
        }
      }
      j += 1;
    }
    if (found < 0) {
      i += 1;
      continue;
    }
    ranges.push([i, found + 1]);
    i = found + 1;
  }
  return ranges;
}

const OPENING_QUOTE_CHARACTER = /["'«„“‘]/;

/** any character that can open a quotation: most sentences have none */
function mayQuote(text: string): boolean {
  return OPENING_QUOTE_CHARACTER.test(text);
}

export function isInside(ranges: ReadonlyArray<readonly [number, number]>, at: number): boolean {
  return ranges.some(([start, end]) => at > start && at < end);
}

const PASSIVE_AUXILIARIES: ReadonlySet<string> = new Set(['was', 'were', 'been', 'being', 'be', 'got', 'get', 'am', 'is', 'are']);
const MENTION_NOUNS: ReadonlySet<string> = new Set(['term', 'word', 'words', 'phrase', 'language', 'expression', 'remark', 'remarks', 'comment', 'comments']);

/**
 * Reported speech: someone other than the writer said it. "He called me an idiot", "I was told I
 * would lose my job", "the resident used the word …". The writer reporting their own words ("I
 * told him he is useless") is not reported speech.
 */
export function isReported(tokens: readonly Token[], marks: readonly (Mark | undefined)[], start: number): boolean {
  for (let k = start - 1; k >= 0 && k >= start - 12; k -= 1) {
    const token = tokens[k] as Token;
    if (isSentenceBreak(token)) return false;
    if (token.word === 'as' && k >= 2 && LABELLING_VERBS.has((tokens[k - 2] as Token).word) && isLabelled(marks[k - 1])) return labelledBySomeoneElse(tokens, marks, k - 2);
    if (token.kind !== 'word' || !REPORTING_VERBS.has(token.word)) continue;
    if (MENTION_NOUNS.has(token.word)) return true;
    const previous = tokens[k - 1];
    if (previous && PASSIVE_AUXILIARIES.has(previous.word)) return true;
    // the subject: the nearest party before the verb, within the clause
    for (let s = k - 1; s >= 0 && s >= k - 5; s -= 1) {
      if (isBreak(tokens[s])) break;
      const mark = marks[s];
      if (mark === 'self') return false;
      if (mark === 'you' || mark === 'third' || mark === 'plural' || mark === 'name' || mark === 'person') return true;
      const subject = tokens[s] as Token;
      if (/^(someone|somebody|resident|residents|caller|constituent|member|customer|applicant|complainant|they|who)$/.test(subject.word)) return true;
    }
  }
  return false;
}

function isSentenceBreak(token: Token): boolean {
  return token.kind === 'punct' && (token.plain === ';' || token.plain.startsWith('.') || token.plain.startsWith('!') || token.plain.startsWith('?'));
}

/** verbs that put a label on someone: "they'll black list you as a trouble-maker" */
const LABELLING_VERBS: ReadonlySet<string> = new Set([
  'list', 'listed', 'blacklist', 'blacklists', 'blacklisted', 'see', 'sees', 'saw', 'seen', 'regard', 'regards', 'regarded', 'treat', 'treats', 'treated',
  'label', 'labels', 'brand', 'brands', 'mark', 'marks', 'marked', 'peg', 'pegged', 'paint', 'painted', 'portray', 'portrayed', 'dismiss', 'dismissed',
  'write', 'cast', 'view', 'views', 'viewed', 'tag', 'tagged',
]);

function isLabelled(mark: Mark | undefined): boolean {
  return mark === 'you' || mark === 'third' || mark === 'plural' || mark === 'name' || mark === 'self';
}

/** "everyone sees you as an idiot" puts the writer's view in everyone's mouth */
const GENERIC_SUBJECTS: ReadonlySet<string> = new Set(['everyone', 'everybody', 'people', 'anyone', 'anybody', 'nobody']);

/**
 * Whoever does the labelling is the subject of the verb, which may stand before a run of verbs
 * joined by commas ("they'll get all defensive, black list you as …"), so the search crosses commas
 * but not sentences. The writer labelling someone is the writer's own remark; so is an imperative
 * (no subject) and a label said to be everyone's.
 */
function labelledBySomeoneElse(tokens: readonly Token[], marks: readonly (Mark | undefined)[], verb: number): boolean {
  // "everyone in the department sees you as …": a generic subject may head a longer phrase
  for (let s = verb - 1; s >= 0 && s >= verb - 12 && !isSentenceBreak(tokens[s] as Token); s -= 1) {
    if (GENERIC_SUBJECTS.has((tokens[s] as Token).word)) return false;
  }
  for (let s = verb - 1; s >= 0 && s >= verb - 12; s -= 1) {
    const token = tokens[s] as Token;
    if (isSentenceBreak(token)) return false;
    const mark = marks[s];
    if (mark === 'self') return false;
    if (mark === 'you' || mark === 'third' || mark === 'plural' || mark === 'name' || mark === 'person') return true;
    if (/^(someone|somebody|they|who)$/.test(token.word)) return true;
  }
  return false;
}

/** The sentence says something about people other than the writer: a target exists at all. */
export function mentionsPerson(marks: readonly (Mark | undefined)[]): boolean {
  return marks.some((mark) => mark === 'you' || mark === 'third' || mark === 'name' || mark === 'person');
}
