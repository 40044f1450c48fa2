import type { Token } from './text.js';

/**
 * A small phrase-pattern language over tokens, so phrases are written once in readable form and
 * matched in bounded time (no regular expressions over message text):
 *
 *   word            the token's meaning (`Token.word`) equals it
 *   (a|b c|@YOU)    one of the alternatives; an alternative is a sequence of words or classes
 *   [a|b c]         optional alternatives
 *   ~N              up to N words of anything except a negation, within the clause
 *   @YOU @VICTIM @PERSON   a class, decided by the caller (you/your; a person as object; any person)
 *   ^  $            clause start / clause end (punctuation or the sentence edge)
 *
 * Patterns are indexed by their first word, so a sentence costs one lookup per token plus the few
 * patterns that begin with a class.
 */

export type ClassName = 'YOU' | 'VICTIM' | 'PERSON';

/** Decides whether the token at `index` belongs to a class. */
export type ClassTester = (name: ClassName, index: number) => boolean;

type Atom = { readonly literal: string } | { readonly className: ClassName };

type Element =
  | { readonly kind: 'choice'; readonly options: readonly (readonly Atom[])[]; readonly optional: boolean }
  | { readonly kind: 'gap'; readonly max: number }
  | { readonly kind: 'clause-start' }
  | { readonly kind: 'clause-end' };

interface Compiled<T> {
  readonly source: string;
  readonly elements: readonly Element[];
  readonly entry: T;
}

export interface PatternMatch<T> {
  readonly entry: T;
  readonly source: string;
  /** token indices, end exclusive */
  readonly start: number;
  readonly end: number;
}

const CLASS_NAMES: ReadonlySet<string> = new Set(['YOU', 'VICTIM', 'PERSON']);
const MAX_GAP = 4;
/** words a gap may not skip: skipping them would turn "I will not have your job" into a threat */
const UNSKIPPABLE: ReadonlySet<string> = new Set(['not', 'never', 'no', 'nobody', 'without']);

export class PatternSet<T> {
  private readonly byFirstWord = new Map<string, Compiled<T>[]>();
  /**
   * Patterns that do not open with a fixed word (a class, an optional group), indexed by every
   * word or class their first token can be; `unanchored` keeps those that can open anywhere (a gap)
   */
  private readonly byOpeningWord = new Map<string, Indexed<T>[]>();
  private readonly byOpeningClass = new Map<ClassName, Indexed<T>[]>();
  private readonly unanchored: Indexed<T>[] = [];
  private readonly openingClasses: Array<readonly [ClassName, Indexed<T>[]]>;
  /** patterns by the words of the group every match of theirs must contain a word of */
  private readonly byKey = new Map<string, Compiled<T>[]>();
  private readonly keyless: Compiled<T>[] = [];
  /** the patterns in byOpeningWord and byOpeningClass */
  private readonly opened = new Set<Compiled<T>>();

  constructor(definitions: ReadonlyArray<{ readonly pattern: string; readonly entry: T }>) {
    let order = 0;
    for (const { pattern, entry } of definitions) {
      const elements = parsePattern(pattern);
      const compiled = { source: pattern, elements, entry };
      const keys = requiredWords(elements);
      if (keys === undefined) this.keyless.push(compiled);
      else for (const word of keys) push(this.byKey, word, compiled);
      const first = firstWords(elements);
      if (first !== undefined) {
        for (const word of first) push(this.byFirstWord, word, compiled);
        continue;
      }
      const indexed = { compiled, order: order++ };
      this.opened.add(compiled);
      const opening = openings(elements);
      if (opening === undefined) {
        this.unanchored.push(indexed);
        continue;
      }
      for (const word of opening.words) push(this.byOpeningWord, word, indexed);
      for (const name of opening.classes) push(this.byOpeningClass, name, indexed);
    }
    this.openingClasses = [...this.byOpeningClass.entries()];
  }

  /**
   * The patterns that can match somewhere in `tokens`: those with no word every match must
   * contain, and those whose required word (one of a required group's words) is among the
   * tokens. Empty for most sentences of ordinary mail, which then cost nothing more.
   */
  possible(tokens: readonly Token[]): ReadonlySet<Compiled<T>> {
    let found: Set<Compiled<T>> | undefined = this.keyless.length > 0 ? new Set(this.keyless) : undefined;
    for (const token of tokens) {
      if (token.kind === 'punct') continue;
      const byWord = this.byKey.get(token.word);
      const byPlain = token.plain !== token.word ? this.byKey.get(token.plain) : undefined;
      if (!byWord && !byPlain) continue;
      found ??= new Set();
      if (byWord) for (const compiled of byWord) found.add(compiled);
      if (byPlain) for (const compiled of byPlain) found.add(compiled);
    }
    return found ?? NONE;
  }

  /** Every match, at most one per pattern and start position. */
  matchAll(tokens: readonly Token[], tester: ClassTester, possible: ReadonlySet<Compiled<T>> = this.possible(tokens)): PatternMatch<T>[] {
    const matches: PatternMatch<T>[] = [];
    if (possible.size === 0) return matches;
    let anyOpening = false;
    for (const compiled of possible) if (this.opened.has(compiled)) anyOpening = true;
    const opening: Indexed<T>[] = [];
    for (let start = 0; start < tokens.length; start += 1) {
      const token = tokens[start] as Token;
      const candidates = token.kind === 'punct' ? undefined : this.byFirstWord.get(token.word);
      if (candidates) for (const compiled of candidates) if (possible.has(compiled)) this.tryAt(compiled, tokens, start, tester, matches);
      // the rest are tried, in the order they were defined, only where their first token can stand
      if (opening.length > 0) opening.length = 0;
      if (token.kind !== 'punct' && anyOpening) {
        const byWord = this.byOpeningWord.get(token.word);
        if (byWord) for (const item of byWord) opening.push(item);
        const byPlain = token.plain !== token.word ? this.byOpeningWord.get(token.plain) : undefined;
        if (byPlain) for (const item of byPlain) opening.push(item);
        for (const [name, items] of this.openingClasses) if (tester(name, start)) for (const item of items) opening.push(item);
      }
      for (const item of this.unanchored) opening.push(item);
      if (opening.length === 0) continue;
      if (opening.length > 1) opening.sort((a, b) => a.order - b.order);
      let last = -1;
      for (const item of opening) {
        if (item.order === last || !possible.has(item.compiled)) continue;
        last = item.order;
        this.tryAt(item.compiled, tokens, start, tester, matches);
      }
    }
    return matches;
  }

  private tryAt(compiled: Compiled<T>, tokens: readonly Token[], start: number, tester: ClassTester, matches: PatternMatch<T>[]): void {
    const end = matchElements(compiled.elements, 0, tokens, start, tester);
    if (end > start) matches.push({ entry: compiled.entry, source: compiled.source, start, end });
  }
}

const NONE: ReadonlySet<never> = new Set();

/** words so common that a group of them says little about whether a pattern can match */
const COMMON_WORDS: ReadonlySet<string> = new Set([
  'i', 'you', 'your', 'the', 'a', 'an', 'to', 'be', 'is', 'are', 'was', 'were', 'will', 'have', 'has', 'had', 'not', 'do', 'it', 'this', 'that', 'of', 'in', 'on',
  'for', 'and', 'or', 'he', 'she', 'we', 'they', 'me', 'my', 'can', 'would', 'should', 'get', 'go', 'what', 'who', 'so', 'if', 'about', 'at', 'with', 'been', 'am',
]);

/**
 * The words of one group every match must consume a token of (a group that is not optional and
 * whose alternatives all open with a word), choosing the group of least common words; undefined
 * when no group qualifies.
 */
function requiredWords(elements: readonly Element[]): string[] | undefined {
  let best: string[] | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const element of elements) {
    if (element.kind !== 'choice' || element.optional) continue;
    const words: string[] = [];
    for (const option of element.options) {
      const atom = option[0] as Atom;
      if (!('literal' in atom)) {
        words.length = 0;
        break;
      }
      words.push(atom.literal);
    }
    if (words.length === 0) continue;
    const cost = words.filter((word) => COMMON_WORDS.has(word)).length * 100 + words.length;
    if (cost < bestCost) {
      best = words;
      bestCost = cost;
    }
  }
  return best;
}

interface Indexed<T> {
  readonly compiled: Compiled<T>;
  readonly order: number;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The words and classes the first token of a match can be, looking through clause marks and
 * optional groups; undefined when a gap can open it, so any token can. A match that consumes no
 * token is never reported, so a pattern of optional groups alone needs no other key.
 */
function openings(elements: readonly Element[]): { words: Set<string>; classes: Set<ClassName> } | undefined {
  const words = new Set<string>();
  const classes = new Set<ClassName>();
  for (const element of elements) {
    if (element.kind === 'clause-start' || element.kind === 'clause-end') continue;
    if (element.kind === 'gap') return undefined;
    for (const option of element.options) {
      const atom = option[0] as Atom;
      if ('literal' in atom) words.add(atom.literal);
      else classes.add(atom.className);
    }
    if (!element.optional) break;
  }
  return { words, classes };
}

/** Throws on a malformed pattern: patterns are program text, checked when the module loads. */
export function parsePattern(pattern: string): Element[] {
  const pieces = pattern.match(/\(|\)|\[|\]|\||[^\s()[\]|]+/g) ?? [];
  const elements: Element[] = [];
  let i = 0;
  const readGroup = (close: string): Atom[][] => {
    const options: Atom[][] = [[]];
    i += 1;
    while (i < pieces.length && pieces[i] !== close) {
      const piece = pieces[i] as string;
      if (piece === '|') options.push([]);
      else if (piece === '(' || piece === '[') throw new Error(`nested group in pattern: ${pattern}`);
      else (options[options.length - 1] as Atom[]).push(atomOf(piece));
      i += 1;
    }
    if (pieces[i] !== close) throw new Error(`unclosed group in pattern: ${pattern}`);
    i += 1;
    if (options.some((option) => option.length === 0)) throw new Error(`empty alternative in pattern: ${pattern}`);
    return options;
  };
  while (i < pieces.length) {
    const piece = pieces[i] as string;
    if (piece === '(') elements.push({ kind: 'choice', options: readGroup(')'), optional: false });
    else if (piece === '[') elements.push({ kind: 'choice', options: readGroup(']'), optional: true });
    else if (piece === '^') {
      elements.push({ kind: 'clause-start' });
      i += 1;
    } else if (piece === '$') {
      elements.push({ kind: 'clause-end' });
      i += 1;
    } else if (/^~\d$/.test(piece)) {
      elements.push({ kind: 'gap', max: Math.min(MAX_GAP, Number(piece.slice(1))) });
      i += 1;
    } else if (piece === ')' || piece === ']' || piece === '|') {
      throw new Error(`unexpected "${piece}" in pattern: ${pattern}`);
    } else {
      elements.push({ kind: 'choice', options: [[atomOf(piece)]], optional: false });
      i += 1;
    }
  }
  if (elements.length === 0) throw new Error('empty pattern');
  return elements;
}

function atomOf(piece: string): Atom {
  if (piece.startsWith('@')) {
    const name = piece.slice(1);
    if (!CLASS_NAMES.has(name)) throw new Error(`unknown class ${piece}`);
    return { className: name as ClassName };
  }
  return { literal: piece.toLowerCase() };
}

/** the words a match can begin with, or undefined when it can begin anywhere */
function firstWords(elements: readonly Element[]): string[] | undefined {
  let index = 0;
  while (elements[index]?.kind === 'clause-start') index += 1;
  const first = elements[index];
  if (!first || first.kind !== 'choice' || first.optional) return undefined;
  const words: string[] = [];
  for (const option of first.options) {
    const atom = option[0];
    if (!atom || !('literal' in atom)) return undefined;
    words.push(atom.literal);
  }
  return words;
}

function isClauseBreak(token: Token | undefined): boolean {
  return token === undefined || token.kind === 'punct';
}

function matchElements(elements: readonly Element[], elementIndex: number, tokens: readonly Token[], at: number, tester: ClassTester): number {
  const element = elements[elementIndex];
  if (!element) return at;
  switch (element.kind) {
    case 'clause-start':
      return isClauseBreak(tokens[at - 1]) ? matchElements(elements, elementIndex + 1, tokens, at, tester) : -1;
    case 'clause-end':
      return isClauseBreak(tokens[at]) ? matchElements(elements, elementIndex + 1, tokens, at, tester) : -1;
    case 'gap': {
      for (let skipped = 0; skipped <= element.max; skipped += 1) {
        if (skipped > 0) {
          const token = tokens[at + skipped - 1];
          if (!token || token.kind === 'punct' || UNSKIPPABLE.has(token.word)) break;
        }
        const end = matchElements(elements, elementIndex + 1, tokens, at + skipped, tester);
        if (end >= 0) return end;
      }
      return -1;
    }
    case 'choice': {
      for (const option of element.options) {
        const after = matchAtoms(option, tokens, at, tester);
        if (after < 0) continue;
        const end = matchElements(elements, elementIndex + 1, tokens, after, tester);
        if (end >= 0) return end;
      }
      return element.optional ? matchElements(elements, elementIndex + 1, tokens, at, tester) : -1;
    }
  }
}

function matchAtoms(atoms: readonly Atom[], tokens: readonly Token[], at: number, tester: ClassTester): number {
  let position = at;
  for (const atom of atoms) {
    const token = tokens[position];
    if (!token || token.kind === 'punct') return -1;
    if ('literal' in atom) {
      if (token.word !== atom.literal && token.plain !== atom.literal) return -1;
    } else if (!tester(atom.className, position)) return -1;
    position += 1;
  }
  return position;
}
