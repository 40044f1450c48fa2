import type { Token } from './abuse-text.js';

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
  private readonly unanchored: Compiled<T>[] = [];

  constructor(definitions: ReadonlyArray<{ readonly pattern: string; readonly entry: T }>) {
    for (const { pattern, entry } of definitions) {
      const elements = parsePattern(pattern);
      const compiled = { source: pattern, elements, entry };
      const first = firstWords(elements);
      if (first === undefined) this.unanchored.push(compiled);
      else for (const word of first) this.index(word, compiled);
    }
  }

  private index(word: string, compiled: Compiled<T>): void {
    const list = this.byFirstWord.get(word);
    if (list) list.push(compiled);
    else this.byFirstWord.set(word, [compiled]);
  }

  /** Every match, at most one per pattern and start position. */
  matchAll(tokens: readonly Token[], tester: ClassTester): PatternMatch<T>[] {
    const matches: PatternMatch<T>[] = [];
    for (let start = 0; start < tokens.length; start += 1) {
      const token = tokens[start] as Token;
      const candidates = token.kind === 'punct' ? undefined : this.byFirstWord.get(token.word);
      for (const list of [candidates, this.unanchored]) {
        if (!list) continue;
        for (const compiled of list) {
          const end = matchElements(compiled.elements, 0, tokens, start, tester);
          if (end > start) matches.push({ entry: compiled.entry, source: compiled.source, start, end });
        }
      }
    }
    return matches;
  }
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
