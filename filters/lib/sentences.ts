/** A sentence as offsets into the text it was split from. */
export interface SentenceSpan {
  readonly start: number;
  readonly end: number;
}

/** a "sentence" longer than this is cut: a table or a wall of text, not something one says */
const MAX_SENTENCE_CHARS = 600;
/** most sentences read from one piece of text */
const MAX_SENTENCES = 1_500;
/** an unpunctuated line shorter than this ends where it ends (greetings, sign-offs, list items) */
const SHORT_LINE_CHARS = 45;

const ABBREVIATIONS = new Set([
  'cllr', 'mr', 'mrs', 'ms', 'dr', 'st', 'no', 'nos', 'e.g', 'i.e', 'etc', 'approx', 'ref', 'tel', 'vs', 'inc',
  'ltd', 'co', 'dept', 'est', 'min', 'max', 'cf', 'ed', 'fig', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug',
  'sep', 'sept', 'oct', 'nov', 'dec', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'prof', 'rev', 'hon',
]);

const BULLET = /^\s*(?:[-*•◦▪]|\d{1,2}[.)]|[a-z][.)])\s/;

/**
 * Splits prose into sentences, as e-mail is written: terminal punctuation ends a sentence unless it
 * follows an abbreviation or sits inside a number; a blank line, a bullet, or the end of a short or
 * punctuated line does too, while a long line that stops mid-sentence is a soft wrap. Linear in
 * the length of the text.
 */
export function splitSentences(text: string): SentenceSpan[] {
  const sentences: SentenceSpan[] = [];
  let start = 0;
  const close = (end: number): void => {
    let from = start;
    while (from < end && /\s/.test(text.charAt(from))) from += 1;
    let to = end;
    while (to > from && /\s/.test(text.charAt(to - 1))) to -= 1;
    if (to > from) {
      // a run-on block is cut into pieces so later matching stays bounded
      for (let piece = from; piece < to && sentences.length < MAX_SENTENCES; piece += MAX_SENTENCE_CHARS) {
        sentences.push({ start: piece, end: Math.min(to, piece + MAX_SENTENCE_CHARS) });
      }
    }
    start = end;
  };
  let lineStart = 0;
  for (let index = 0; index < text.length && sentences.length < MAX_SENTENCES; index += 1) {
    const char = text.charAt(index);
    if (char === '\n') {
      const line = text.slice(lineStart, index).replace(/\r$/, '');
      const next = nextLine(text, index + 1);
      const trimmed = line.trim();
      const endsPunctuated = /[.!?:;,)"”]$/.test(trimmed);
      if (trimmed.length === 0 || next.trim().length === 0 || endsPunctuated || trimmed.length < SHORT_LINE_CHARS || BULLET.test(next)) {
        close(index + 1);
      }
      lineStart = index + 1;
      continue;
    }
    if (char === '.' || char === '!' || char === '?') {
      let end = index + 1;
      while (end < text.length && /[.!?"'”’)\]]/.test(text.charAt(end))) end += 1;
      const following = text.charAt(end);
      if (end < text.length && !/\s/.test(following)) {
        index = end - 1;
        continue;
      }
      if (char === '.' && isAbbreviationBefore(text, index)) continue;
      close(end);
      index = end - 1;
    }
  }
  if (start < text.length) close(text.length);
  return sentences;
}

function nextLine(text: string, from: number): string {
  const end = text.indexOf('\n', from);
  return text.slice(from, end === -1 ? Math.min(text.length, from + 200) : Math.min(end, from + 200));
}

function isAbbreviationBefore(text: string, dot: number): boolean {
  let from = dot;
  while (from > 0 && dot - from < 12 && /[\p{L}.]/u.test(text.charAt(from - 1))) from -= 1;
  const word = text.slice(from, dot).toLowerCase();
  if (ABBREVIATIONS.has(word)) return true;
  // a single capital ("J. Smith") is an initial
  return /^\p{Lu}$/u.test(text.slice(from, dot));
}
