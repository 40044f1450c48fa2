/**
 * Text handling for the abusive-language filter: sentences with exact offsets, and tokens with
 * obfuscation undone (leetspeak, masked letters, spaced-out letters, stretched letters, accents and
 * look-alike letters). Everything here is a single linear pass over bounded input: no regular
 * expression with nested quantifiers ever sees message text.
 */

export type TokenKind = 'word' | 'number' | 'punct';

export interface Token {
  /** offsets into the analysed text */
  readonly start: number;
  readonly end: number;
  /** lower case, accents and look-alike letters folded */
  readonly plain: string;
  /** what the writer meant: obfuscation undone and contractions expanded; `plain` otherwise */
  readonly word: string;
  readonly kind: TokenKind;
  /** written with an initial capital (names, sentence starts) */
  readonly capitalised: boolean;
  /** written in capitals throughout, at least two letters */
  readonly upper: boolean;
  /** the writer disguised the word (f***, sh1t, f.u.c.k) */
  readonly obfuscated: boolean;
}

/** The words obfuscation is undone towards, so that `f***` is read as a known word and not guessed. */
export interface DecodeVocabulary {
  readonly known: ReadonlySet<string>;
  /** words a masked token (letters hidden by *, #, _ …) may stand for, most likely first */
  readonly maskable: readonly string[];
}

export interface Sentence {
  /** offsets into the text given to `sentencesOf` */
  readonly start: number;
  readonly end: number;
}

/** longest sentence analysed as one unit, characters; longer runs are cut at a space */
export const MAX_SENTENCE_CHARS = 400;
/** tokens looked at per sentence; a sentence cut at MAX_SENTENCE_CHARS never has more */
const MAX_TOKENS_PER_SENTENCE = 200;
/** a hard-wrapped line in mail is usually 65-78 characters; a shorter line ends its thought */
const SHORT_LINE_CHARS = 50;

const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'cllr', 'st', 'no', 'vs', 'etc', 'eg', 'ie', 'approx', 'ref', 'tel', 'prof', 'rev', 'hon', 'e.g', 'i.e', 'cf']);

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11 || code === 0xa0 || code === 0x2028 || code === 0x2029;
}

/**
 * Splits text into sentences: at . ! ? followed by a space (not after Mr., Cllr., e.g.), at blank
 * lines, and at line breaks that end a short line or follow end punctuation (mail is hard-wrapped,
 * so a long line running on is one sentence). Offsets are exact; sentences never cover only space.
 */
export function sentencesOf(text: string): Sentence[] {
  const out: Sentence[] = [];
  let start = 0;
  let lineStart = 0;
  const push = (end: number): void => {
    let s = start;
    let e = end;
    while (s < e && isSpace(text.charCodeAt(s))) s += 1;
    while (e > s && isSpace(text.charCodeAt(e - 1))) e -= 1;
    while (e - s > MAX_SENTENCE_CHARS) {
      let cut = s + MAX_SENTENCE_CHARS;
      while (cut > s + MAX_SENTENCE_CHARS / 2 && !isSpace(text.charCodeAt(cut))) cut -= 1;
      if (cut <= s + MAX_SENTENCE_CHARS / 2) cut = s + MAX_SENTENCE_CHARS;
      out.push({ start: s, end: cut });
      s = cut;
      while (s < e && isSpace(text.charCodeAt(s))) s += 1;
    }
    if (e > s) out.push({ start: s, end: e });
    start = end;
  };
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '\n') {
      const line = text.slice(lineStart, i).trim();
      const last = line[line.length - 1];
      const nextBlank = isBlankLineAfter(text, i + 1);
      const ends = nextBlank || line.length === 0 || line.length < SHORT_LINE_CHARS || last === '.' || last === '!' || last === '?' || last === ':' || last === ';';
      if (ends && !signsOffAbove(line, text, i + 1)) {
        push(i);
        start = i + 1;
      }
      lineStart = i + 1;
      continue;
    }
    if (ch === '.' || ch === '!' || ch === '?') {
      let j = i + 1;
      while (j < text.length && (text[j] === '.' || text[j] === '!' || text[j] === '?' || text[j] === '"' || text[j] === '”' || text[j] === ')' || text[j] === '’' || text[j] === "'")) j += 1;
      if (j < text.length && !isSpace(text.charCodeAt(j))) {
        i = j - 1;
        continue;
      }
      if (ch === '.' && j === i + 1 && isAbbreviation(text, i)) continue;
      push(j);
      start = j;
      i = j - 1;
    }
  }
  push(text.length);
  return out;
}

/** "Love," (or "Love -") alone on a line: how a personal letter is signed off */
const SIGN_OFF_LINE = /^(?:love|luv)\s*[,\-–]?$/i;
/** a name on a line of its own: one to three capitalised words ("Tom", "Tom Hadley", "Cllr T. Hadley") */
const NAME_LINE = /^\p{Lu}[\p{L}'’.-]*(?:[ \t]+\p{Lu}[\p{L}'’.-]*){0,2}[ \t]*[,.]?[ \t]*\r?$/u;

/**
 * "Love," on one line and the writer's name on the next sign a letter off, as "Love, Tom" does
 * on one line: read as one sentence, so the sign-off is not taken for "love" said to the reader.
 */
function signsOffAbove(line: string, text: string, nextLineStart: number): boolean {
  if (!SIGN_OFF_LINE.test(line)) return false;
  const nextEnd = text.indexOf('\n', nextLineStart);
  return NAME_LINE.test(text.slice(nextLineStart, nextEnd === -1 ? text.length : nextEnd));
}

function isBlankLineAfter(text: string, from: number): boolean {
  for (let k = from; k < text.length; k += 1) {
    const ch = text[k];
    if (ch === '\n') return true;
    if (ch !== ' ' && ch !== '\t' && ch !== '\r') return false;
  }
  return true;
}

function isAbbreviation(text: string, dot: number): boolean {
  let k = dot - 1;
  while (k >= 0 && k > dot - 8 && /[A-Za-z.]/.test(text[k] ?? '')) k -= 1;
  const word = text.slice(k + 1, dot).toLowerCase();
  // a single capital before a dot is an initial ("J. Smith"), not the end of a sentence
  return ABBREVIATIONS.has(word) || (word.length === 1 && /[A-Z]/.test(text[dot - 1] ?? ''));
}

// ---- characters ---------------------------------------------------------------------------

const ZERO_WIDTH = new Set([0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad]);
/** characters that stand in for letters in disguised words */
const LEET: ReadonlyMap<string, string> = new Map(Object.entries({ '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', $: 's', '!': 'i', '|': 'i', '€': 'e', '£': 'e' }));
/** characters that hide a letter */
const MASKS = new Set(['*', '#', '_', '%', '?']);
/** look-alike letters from other scripts, folded to Latin */
const HOMOGLYPHS: ReadonlyMap<string, string> = new Map(
  Object.entries({
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', к: 'k', м: 'm', т: 't', в: 'b', н: 'h',
  ο: 'o', α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
  }),
);

function isLetter(ch: string): boolean {
  const code = ch.charCodeAt(0);
  if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90)) return true;
  return code > 127 && /\p{L}/u.test(ch);
}
function isDigit(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code >= 48 && code <= 57;
}
function isWordChar(ch: string): boolean {
  return isLetter(ch) || isDigit(ch) || ZERO_WIDTH.has(ch.charCodeAt(0));
}
function isDisguise(ch: string): boolean {
  return MASKS.has(ch) || ch === '@' || ch === '$' || ch === '|' || ch === '!' || ch === '€' || ch === '£';
}
const JOINERS = new Set(["'", '’', '-', '.']);

/** Lower case with accents, zero-width characters and look-alike letters removed. */
export function fold(raw: string): string {
  let ascii = true;
  for (let i = 0; i < raw.length; i += 1) {
    if (raw.charCodeAt(i) > 127) {
      ascii = false;
      break;
    }
  }
  if (ascii) return raw.toLowerCase();
  let out = '';
  for (const ch of raw.normalize('NFKD')) {
    const code = ch.charCodeAt(0);
    if (ZERO_WIDTH.has(code) || (code >= 0x300 && code <= 0x36f)) continue;
    if (ch === '’') {
      out += "'";
      continue;
    }
    const lower = ch.toLowerCase();
    out += HOMOGLYPHS.get(lower) ?? lower;
  }
  return out;
}

// ---- tokens -------------------------------------------------------------------------------

const CONTRACTION_SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ["n't", 'not'],
  ["'ll", 'will'],
  ["'re", 'are'],
  ["'ve", 'have'],
  ["'m", 'am'],
  ["'d", 'would'],
];
/** contractions that do not split at an apostrophe: [first word, second word, characters of the first] */
const IRREGULAR_CONTRACTIONS: ReadonlyMap<string, readonly [string, string, number]> = new Map(
  Object.entries({
  "won't": ['will', 'not', 2],
  "can't": ['can', 'not', 2],
  "shan't": ['shall', 'not', 3],
  "ain't": ['is', 'not', 2],
  cannot: ['can', 'not', 3],
  wont: ['will', 'not', 2],
  cant: ['can', 'not', 2],
  dont: ['do', 'not', 2],
  doesnt: ['does', 'not', 4],
  didnt: ['did', 'not', 3],
  isnt: ['is', 'not', 2],
  arent: ['are', 'not', 3],
  wasnt: ['was', 'not', 3],
  werent: ['were', 'not', 4],
  youre: ['you', 'are', 3],
  youll: ['you', 'will', 3],
  gonna: ['going', 'to', 3],
  wanna: ['want', 'to', 3],
  } as Record<string, readonly [string, string, number]>),
);
/** chat spellings read as the word they stand for */
// Maps, not object literals: a message containing "constructor" must not reach Object.prototype
const CHAT_SPELLINGS: ReadonlyMap<string, string> = new Map(
  Object.entries({ u: 'you', ur: 'your', ya: 'you', yer: 'your', r: 'are', im: 'i am', ive: 'i have', thats: 'that is', whats: 'what is', ppl: 'people' }),
);

/**
 * Splits a sentence into tokens. Disguised words are read back (`f***` → `fuck` when the
 * vocabulary says so), contractions are expanded (`you're` → `you are`), and runs of single
 * letters that spell a known word (`f u c k`) are joined.
 */
export function tokenize(text: string, vocabulary: DecodeVocabulary): Token[] {
  const raw = scan(text);
  const joined = joinSpacedLetters(text, raw, vocabulary);
  const out: Token[] = [];
  let expansions = expansionCaches.get(vocabulary);
  if (!expansions) {
    expansions = new Map();
    expansionCaches.set(vocabulary, expansions);
  }
  for (const piece of joined) {
    if (out.length >= MAX_TOKENS_PER_SENTENCE) break;
    if (piece.kind === 'punct') {
      out.push({ start: piece.start, end: piece.end, plain: piece.text, word: piece.text, kind: 'punct', capitalised: false, upper: false, obfuscated: false });
      continue;
    }
    if (piece.spelledOut) {
      expand(piece, vocabulary, out);
      continue;
    }
    // a piece's tokens depend only on its text; only their offsets move with it
    let shapes = expansions.get(piece.text);
    if (!shapes) {
      const fresh: Token[] = [];
      expand({ start: 0, end: piece.text.length, text: piece.text, kind: 'word' }, vocabulary, fresh);
      shapes = fresh;
      if (expansions.size >= EXPANSION_CACHE_PIECES) expansions.clear();
      expansions.set(piece.text, shapes);
    }
    for (const shape of shapes) {
      out.push({
        start: piece.start + shape.start,
        end: piece.start + shape.end,
        plain: shape.plain,
        word: shape.word,
        kind: shape.kind,
        capitalised: shape.capitalised,
        upper: shape.upper,
        obfuscated: shape.obfuscated,
      });
    }
  }
  return out;
}

/** distinct written words whose tokens are kept, per vocabulary; dropped when full (about 250 bytes each) */
const EXPANSION_CACHE_PIECES = 5_000;
const expansionCaches = new WeakMap<DecodeVocabulary, Map<string, readonly Token[]>>();

interface RawPiece {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly kind: 'word' | 'punct';
  /** single letters joined into a word ("f u c k") */
  readonly spelledOut?: boolean;
}

function scan(text: string): RawPiece[] {
  const pieces: RawPiece[] = [];
  const limit = Math.min(text.length, MAX_SENTENCE_CHARS * 2);
  let i = 0;
  while (i < limit) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) {
      i += 1;
      continue;
    }
    const ch = text[i] as string;
    if (isAsciiAlphanumeric(code) || isWordChar(ch) || (isDisguise(ch) && startsDisguisedWord(text, i, limit))) {
      let j = i + 1;
      while (j < limit) {
        // ASCII letters and digits first: almost every character of a word
        if (isAsciiAlphanumeric(text.charCodeAt(j))) {
          j += 1;
          continue;
        }
        const c = text[j] as string;
        if (isWordChar(c)) j += 1;
        // a disguise inside a word (sh!t, f**k, @ss) but not sentence-final "!"
        else if (isDisguise(c) && (hasWordCharAhead(text, j + 1, limit) || MASKS.has(c) || c === '$' || c === '@')) j += 1;
        else if (JOINERS.has(c) && j + 1 < limit && (isWordChar(text[j + 1] as string) || MASKS.has(text[j + 1] as string))) j += 1;
        else break;
      }
      // trailing masks belong to the word (f***) but trailing ! and ? are punctuation
      while (j > i + 1 && (text[j - 1] === '!' || text[j - 1] === '?' || text[j - 1] === '|')) j -= 1;
      pieces.push({ start: i, end: j, text: text.slice(i, j), kind: 'word' });
      i = j;
      continue;
    }
    let j = i + 1;
    // runs of the same mark are one token ("!!!", "...")
    while (j < limit && text[j] === ch) j += 1;
    pieces.push({ start: i, end: j, text: text.slice(i, j), kind: 'punct' });
    i = j;
  }
  return pieces;
}

function isAsciiAlphanumeric(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57);
}

function startsDisguisedWord(text: string, at: number, limit: number): boolean {
  // "@ss", "$hit", "#@$%" only count when a letter follows within the run
  for (let k = at + 1; k < Math.min(limit, at + 8); k += 1) {
    const c = text[k] as string;
    if (isLetter(c)) return true;
    if (!isDisguise(c)) return false;
  }
  return false;
}

function hasWordCharAhead(text: string, from: number, limit: number): boolean {
  for (let k = from; k < Math.min(limit, from + 6); k += 1) {
    const c = text[k] as string;
    if (isWordChar(c)) return true;
    if (!isDisguise(c)) return false;
  }
  return false;
}

/** "f u c k", "f. u. c. k", "f * c k": single letters spelling a known word become one piece */
function joinSpacedLetters(text: string, pieces: RawPiece[], vocabulary: DecodeVocabulary): RawPiece[] {
  const out: RawPiece[] = [];
  let i = 0;
  while (i < pieces.length) {
    const piece = pieces[i] as RawPiece;
    if (piece.kind === 'word' && piece.end - piece.start === 1 && isLetter(piece.text)) {
      let letters = fold(piece.text);
      let j = i + 1;
      let bestEnd = -1;
      let bestLetters = '';
      while (j < pieces.length && letters.length < 12) {
        const next = pieces[j] as RawPiece;
        if (next.kind === 'punct' && next.end - next.start === 1 && (next.text === '.' || next.text === '*' || next.text === '-' || next.text === ',')) {
          j += 1;
          continue;
        }
        if (next.kind !== 'word' || next.end - next.start !== 1 || !isLetter(next.text)) break;
        letters += fold(next.text);
        j += 1;
        if (letters.length >= 3 && vocabulary.known.has(letters)) {
          bestEnd = j;
          bestLetters = letters;
        }
      }
      if (bestEnd > 0) {
        const last = pieces[bestEnd - 1] as RawPiece;
        out.push({ start: piece.start, end: last.end, text: bestLetters, kind: 'word', spelledOut: true });
        i = bestEnd;
        continue;
      }
    }
    out.push(piece);
    i += 1;
  }
  return out;
}

function shapeOf(text: string): { capitalised: boolean; upper: boolean } {
  let letters = 0;
  let uppers = 0;
  for (const ch of text) {
    if (!isLetter(ch)) continue;
    letters += 1;
    if (ch !== ch.toLowerCase()) uppers += 1;
  }
  const first = text[0] ?? '';
  return { capitalised: isLetter(first) && first !== first.toLowerCase(), upper: letters >= 2 && uppers === letters };
}

function expand(piece: RawPiece, vocabulary: DecodeVocabulary, out: Token[]): void {
  const { capitalised, upper } = shapeOf(piece.text);
  const plain = fold(piece.text);
  const base = { capitalised, upper };
  const hasLetter = /\p{L}/u.test(plain);
  if (!hasLetter) {
    out.push({ start: piece.start, end: piece.end, plain, word: /\d/.test(plain) ? '0' : plain, kind: /\d/.test(plain) ? 'number' : 'punct', ...base, obfuscated: false });
    return;
  }
  const irregular = IRREGULAR_CONTRACTIONS.get(plain);
  if (irregular) {
    const cut = Math.min(piece.end - 1, piece.start + irregular[2]);
    out.push({ start: piece.start, end: cut, plain, word: irregular[0], kind: 'word', ...base, obfuscated: false });
    out.push({ start: cut, end: piece.end, plain, word: irregular[1], kind: 'word', ...base, obfuscated: false });
    return;
  }
  for (const [suffix, meaning] of CONTRACTION_SUFFIXES) {
    if (plain.length > suffix.length && plain.endsWith(suffix)) {
      const stem = plain.slice(0, -suffix.length);
      const cut = piece.end - suffix.length;
      out.push({ start: piece.start, end: cut, plain: stem, word: decode(stem, vocabulary).word, kind: 'word', ...base, obfuscated: false });
      out.push({ start: cut, end: piece.end, plain: suffix, word: meaning, kind: 'word', capitalised: false, upper, obfuscated: false });
      return;
    }
  }
  if (plain.length > 2 && plain.endsWith("'s")) {
    const cut = piece.end - 2;
    const stem = decode(plain.slice(0, -2), vocabulary);
    out.push({ start: piece.start, end: cut, plain: plain.slice(0, -2), word: stem.word, kind: 'word', ...base, obfuscated: stem.obfuscated });
    out.push({ start: cut, end: piece.end, plain: "'s", word: "'s", kind: 'word', capitalised: false, upper: false, obfuscated: false });
    return;
  }
  const chat = CHAT_SPELLINGS.get(plain);
  if (chat && !capitalised) {
    for (const part of chat.split(' ')) out.push({ start: piece.start, end: piece.end, plain, word: part, kind: 'word', ...base, obfuscated: false });
    return;
  }
  const decoded = decode(plain, vocabulary);
  out.push({ start: piece.start, end: piece.end, plain, word: decoded.word, kind: 'word', ...base, obfuscated: decoded.obfuscated || piece.spelledOut === true });
}

/**
 * Reads a disguised word back. Only a reading that lands on a vocabulary word is trusted, so
 * `b2b`, `mp3` and `covid-19` stay as written.
 */
export function decode(plain: string, vocabulary: DecodeVocabulary): { word: string; obfuscated: boolean } {
  let disguised = false;
  for (let i = 0; i < plain.length; i += 1) {
    const ch = plain[i] as string;
    if (isDigit(ch) || isDisguise(ch) || ch === '.' || ch === '-' || ch === "'") {
      disguised = true;
      break;
    }
  }
  if (!disguised) {
    const stretched = squeeze(plain);
    if (stretched.once !== plain && vocabulary.known.has(stretched.once)) return { word: stretched.once, obfuscated: true };
    if (stretched.twice !== plain && vocabulary.known.has(stretched.twice)) return { word: stretched.twice, obfuscated: true };
    return { word: plain, obfuscated: false };
  }
  // *word* and _word_ are emphasis, not masks
  const first = plain[0] as string;
  if (plain.length > 2 && MASKS.has(first) && plain[plain.length - 1] === first) {
    const inner = plain.slice(1, -1);
    if (!/[*#_%?]/.test(inner)) return decode(inner, vocabulary);
  }
  // f.u.c.k, f-u-c-k: separators between single letters
  const unseparated = plain.replace(/[.'-]/g, '');
  if (unseparated !== plain && vocabulary.known.has(unseparated) && isSpelledOut(plain)) return { word: unseparated, obfuscated: true };
  let leet = '';
  let letters = 0;
  for (const ch of unseparated) {
    const mapped = LEET.get(ch);
    if (mapped) leet += mapped;
    else {
      if (isLetter(ch)) letters += 1;
      leet += ch;
    }
  }
  if (letters > 0) {
    const squeezedLeet = squeeze(leet);
    for (const candidate of [leet, squeezedLeet.once, squeezedLeet.twice]) {
      if (vocabulary.known.has(candidate)) return { word: candidate, obfuscated: true };
    }
    const masked = unmask(unseparated, vocabulary);
    if (masked) return { word: masked, obfuscated: true };
  }
  if (unseparated !== plain && /^[\p{L}]+$/u.test(unseparated) && isSpelledOut(plain)) return { word: unseparated, obfuscated: false };
  return { word: plain, obfuscated: false };
}

function isSpelledOut(plain: string): boolean {
  // "f.u.c.k" yes; "e-mail", "well-known", "o'brien" no: every part is one letter
  return plain.split(/[.'-]/).every((part) => part.length <= 1);
}

interface Squeezed {
  readonly once: string;
  readonly twice: string;
}
const squeezeCache = new Map<string, Squeezed>();
/** "fuuuuck" → once "fuck", twice "fuuck": runs of three or more letters shortened */
function squeeze(word: string): Squeezed {
  let hasRun = false;
  for (let i = 2; i < word.length; i += 1) {
    if (word[i] === word[i - 1] && word[i] === word[i - 2]) {
      hasRun = true;
      break;
    }
  }
  if (!hasRun) return { once: word, twice: word };
  const cached = squeezeCache.get(word);
  if (cached) return cached;
  let once = '';
  let twice = '';
  for (let i = 0; i < word.length; i += 1) {
    const ch = word[i] as string;
    if (ch !== word[i - 1]) once += ch;
    if (!(ch === word[i - 1] && ch === word[i - 2])) twice += ch;
  }
  const result = { once, twice };
  if (squeezeCache.size > 10_000) squeezeCache.clear();
  squeezeCache.set(word, result);
  return result;
}

/** `f***`, `sh*t`, `c_nt`: the first maskable word of the same length whose visible letters agree */
function unmask(token: string, vocabulary: DecodeVocabulary): string | undefined {
  let visible = 0;
  let hidden = 0;
  for (const ch of token) {
    if (isLetter(ch)) visible += 1;
    else if (isDisguise(ch)) hidden += 1;
    else return undefined;
  }
  // a masked word opens with a letter (f***, sh*t, c**t); "***k" and "*is" say too little
  if (hidden === 0 || visible === 0 || token.length < 3 || !isLetter(token[0] as string)) return undefined;
  for (const candidate of vocabulary.maskable) {
    if (candidate.length !== token.length) continue;
    let agrees = true;
    for (let i = 0; i < token.length; i += 1) {
      const ch = token[i] as string;
      if (isLetter(ch) && ch !== candidate[i]) {
        agrees = false;
        break;
      }
    }
    if (agrees) return candidate;
  }
  return undefined;
}
