import type { Token } from './tokens.js';

/**
 * A bounded span matcher over tokens: the shared alternative to per-filter regular expressions.
 *
 * A pattern is a short space-separated sequence of elements, compared with each token's lower form:
 * - `word` matches that word; `(a|b|c)` any of them (single words only); `_` any one token;
 * - `#num` a number ("5,000", "12"); `#money` "£" or a number;
 * - a trailing `?` makes the element optional.
 * Patterns are at most {@link MAX_PATTERN_ELEMENTS} long with at most
 * {@link MAX_OPTIONAL_ELEMENTS} optional elements and no repetition, so one match attempt costs at
 * most 2^5 steps whatever the input; a set of patterns is indexed by the words that can start
 * them, so scanning a sentence costs a handful of attempts per token.
 */
export interface TokenPattern {
  readonly source: string;
  readonly elements: readonly PatternElement[];
}

interface PatternElement {
  readonly kind: 'words' | 'any' | 'number' | 'money';
  readonly words?: ReadonlySet<string>;
  readonly optional: boolean;
}

export interface TokenSpan {
  /** first token */
  readonly start: number;
  /** one past the last token */
  readonly end: number;
}

/** Patterns compiled together, indexed by the words that can open a match. */
export interface PatternSet {
  readonly patterns: readonly TokenPattern[];
  readonly byFirstWord: ReadonlyMap<string, readonly TokenPattern[]>;
  /** patterns that can open with any token (a wildcard, a number or a sum among their opening elements) */
  readonly unindexed: readonly TokenPattern[];
}

const MAX_PATTERN_ELEMENTS = 12;
const MAX_OPTIONAL_ELEMENTS = 5;
const NUMBER = /^\d[\d,.]*(?:k|m|bn)?$/;

export function compilePattern(source: string): TokenPattern {
  const parts = source.trim().split(/\s+/);
  if (parts.length > MAX_PATTERN_ELEMENTS) throw new Error(`pattern too long: ${source}`);
  const elements = parts.map((part): PatternElement => {
    const optional = part.endsWith('?') && part.length > 1;
    const body = optional ? part.slice(0, -1) : part;
    if (body === '_') return { kind: 'any', optional };
    if (body === '#num') return { kind: 'number', optional };
    if (body === '#money') return { kind: 'money', optional };
    // alternatives are single words: "(the matter|it)" would silently never match
    if (body.startsWith('(') !== body.endsWith(')')) throw new Error(`alternatives must be single words: ${source}`);
    const alternatives = body.startsWith('(') ? body.slice(1, -1).split('|') : [body];
    return { kind: 'words', words: new Set(alternatives.map((word) => word.toLowerCase())), optional };
  });
  if (elements.filter((element) => element.optional).length > MAX_OPTIONAL_ELEMENTS) throw new Error(`too many optional elements: ${source}`);
  return { source, elements };
}

export function compilePatterns(sources: readonly string[]): PatternSet {
  const patterns = sources.map(compilePattern);
  const byFirstWord = new Map<string, TokenPattern[]>();
  const unindexed: TokenPattern[] = [];
  for (const pattern of patterns) {
    const opening = openingWords(pattern);
    if (!opening) {
      unindexed.push(pattern);
      continue;
    }
    for (const word of opening) {
      const list = byFirstWord.get(word) ?? [];
      list.push(pattern);
      byFirstWord.set(word, list);
    }
  }
  return { patterns, byFirstWord, unindexed };
}

/** words in most sentences: a required element made of them would let nearly every sentence through */
const COMMON_WORDS: ReadonlySet<string> = new Set(
  'a an and are as at be by for have i in is it my of on or our that the this to we will with you your'.split(' '),
);

/**
 * Words at least one of which every match of the set contains, or undefined when some pattern
 * requires no word at all. For each pattern it takes the words of one required element, the last
 * without a common word if there is one. A text with none of them cannot match, so a caller can
 * skip it without trying the patterns.
 */
export function requiredWords(set: PatternSet): ReadonlySet<string> | undefined {
  const words = new Set<string>();
  for (const pattern of set.patterns) {
    const required = pattern.elements.filter((element) => !element.optional && element.kind === 'words' && element.words);
    const chosen = [...required].reverse().find((element) => ![...(element.words ?? [])].some((word) => COMMON_WORDS.has(word))) ?? required[required.length - 1];
    if (!chosen?.words) return undefined;
    for (const word of chosen.words) words.add(word);
  }
  return words;
}

/**
 * The words a match of `pattern` can begin with: those of every element up to and including the
 * first required one (optional elements before it may be skipped). Undefined when one of those
 * elements is a wildcard, number or sum, which can begin with any token.
 */
function openingWords(pattern: TokenPattern): ReadonlySet<string> | undefined {
  const words = new Set<string>();
  for (const element of pattern.elements) {
    if (element.kind !== 'words' || !element.words) return undefined;
    for (const word of element.words) words.add(word);
    if (!element.optional) break;
  }
  return words.size > 0 ? words : undefined;
}

function elementMatches(element: PatternElement, token: Token): boolean {
  switch (element.kind) {
    case 'any':
      return true;
    case 'number':
      return NUMBER.test(token.lower);
    case 'money':
      return token.lower === '£' || token.lower === '$' || token.lower === '€' || NUMBER.test(token.lower);
    case 'words':
      return element.words?.has(token.lower) ?? false;
  }
}

function step(tokens: readonly Token[], pattern: TokenPattern, element: number, position: number, limit: number): number {
  if (element === pattern.elements.length) return position;
  const current = pattern.elements[element] as PatternElement;
  let best = -1;
  const token = position < limit ? tokens[position] : undefined;
  if (token && elementMatches(current, token)) best = step(tokens, pattern, element + 1, position + 1, limit);
  if (current.optional) best = Math.max(best, step(tokens, pattern, element + 1, position, limit));
  return best;
}

/** End of the longest match of `pattern` starting at token `index` (before `limit`), or -1. */
export function matchAt(tokens: readonly Token[], index: number, pattern: TokenPattern, limit = tokens.length): number {
  const end = step(tokens, pattern, 0, index, limit);
  return end > index ? end : -1;
}

interface LongestMatch {
  end: number;
  pattern?: TokenPattern;
}

function longestAt(tokens: readonly Token[], index: number, set: PatternSet, limit: number): LongestMatch {
  const best: LongestMatch = { end: -1 };
  const indexed = set.byFirstWord.get((tokens[index] as Token).lower);
  if (indexed) longestOf(indexed, tokens, index, limit, best);
  if (set.unindexed.length > 0) longestOf(set.unindexed, tokens, index, limit, best);
  return best;
}

function longestOf(patterns: readonly TokenPattern[], tokens: readonly Token[], index: number, limit: number, best: LongestMatch): void {
  for (const pattern of patterns) {
    const end = matchAt(tokens, index, pattern, limit);
    if (end > best.end) {
      best.end = end;
      best.pattern = pattern;
    }
  }
}

/** Every non-overlapping match of the set in `tokens[from, to)`, left to right, longest first. */
export function findPatterns(tokens: readonly Token[], set: PatternSet, from = 0, to = tokens.length): Array<TokenSpan & { pattern: TokenPattern }> {
  const found: Array<TokenSpan & { pattern: TokenPattern }> = [];
  const limit = Math.min(to, tokens.length);
  for (let index = Math.max(0, from); index < limit; index += 1) {
    const match = longestAt(tokens, index, set, limit);
    if (match.pattern && match.end > index) {
      found.push({ start: index, end: match.end, pattern: match.pattern });
      index = match.end - 1;
    }
  }
  return found;
}

/** Whether the set matches anywhere in `tokens[from, to)`. */
export function containsPattern(tokens: readonly Token[], set: PatternSet, from = 0, to = tokens.length): boolean {
  const limit = Math.min(to, tokens.length);
  for (let index = Math.max(0, from); index < limit; index += 1) {
    if (longestAt(tokens, index, set, limit).end > index) return true;
  }
  return false;
}
