import { isWhiteSpace } from './white-space.js';

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
    while (from < end && isWhiteSpace(text.charCodeAt(from))) from += 1;
    let to = end;
    while (to > from && isWhiteSpace(text.charCodeAt(to - 1))) to -= 1;
    if (to > from) {
      // a run-on block is cut into pieces so later matching stays bounded
      for (let piece = from; piece < to && sentences.length < MAX_SENTENCES; piece += MAX_SENTENCE_CHARS) {
        sentences.push({ start: piece, end: Math.min(to, piece + MAX_SENTENCE_CHARS) });
      }
    }
    start = end;
  };
  let lineStart = 0;
  // the native search skips the letters between line breaks and sentence marks
  SENTENCE_EVENT.lastIndex = 0;
  for (let found = SENTENCE_EVENT.exec(text); found !== null && sentences.length < MAX_SENTENCES; found = SENTENCE_EVENT.exec(text)) {
    const index = found.index;
    const code = text.charCodeAt(index);
    if (code === NEWLINE) {
      if (lineEndsSentence(text, lineStart, index)) close(index + 1);
      lineStart = index + 1;
      continue;
    }
    let end = index + 1;
    while (end < text.length && CLOSING_PUNCTUATION.has(text.charCodeAt(end))) end += 1;
    if (end < text.length && !isWhiteSpace(text.charCodeAt(end))) {
      SENTENCE_EVENT.lastIndex = end;
      continue;
    }
    if (code === FULL_STOP && isAbbreviationBefore(text, index)) continue;
    close(end);
    SENTENCE_EVENT.lastIndex = end;
  }
  if (start < text.length) close(text.length);
  return sentences;
}

const NEWLINE = 0x0a;
const FULL_STOP = 0x2e;
/** where the splitter has something to decide: a line break or a sentence's final mark */
const SENTENCE_EVENT = /[\n.!?]/g;
/** . ! ? " ' ” ’ ) ] : what may follow a sentence's final mark before the space after it */
const CLOSING_PUNCTUATION: ReadonlySet<number> = new Set([0x2e, 0x21, 0x3f, 0x22, 0x27, 0x201d, 0x2019, 0x29, 0x5d]);
/** . ! ? : ; , ) " ” : a line ending in one of these ends its sentence */
const LINE_END_PUNCTUATION: ReadonlySet<number> = new Set([0x2e, 0x21, 0x3f, 0x3a, 0x3b, 0x2c, 0x29, 0x22, 0x201d]);
/** how far into the next line the splitter looks */
const NEXT_LINE_LOOKAHEAD = 200;

/**
 * Whether the line `text[lineStart, newline)` ends its sentence: it is blank, short or ends in
 * punctuation, or the next line is blank or opens a bullet.
 */
function lineEndsSentence(text: string, lineStart: number, newline: number): boolean {
  let last = newline - 1;
  while (last >= lineStart && isWhiteSpace(text.charCodeAt(last))) last -= 1;
  let first = lineStart;
  while (first <= last && isWhiteSpace(text.charCodeAt(first))) first += 1;
  const length = last - first + 1;
  if (length < SHORT_LINE_CHARS || LINE_END_PUNCTUATION.has(text.charCodeAt(last))) return true;
  const nextStart = newline + 1;
  const lookahead = Math.min(text.length, nextStart + NEXT_LINE_LOOKAHEAD);
  let nextBlank = true;
  for (let at = nextStart; at < lookahead; at += 1) {
    const code = text.charCodeAt(at);
    if (code === NEWLINE) break;
    if (!isWhiteSpace(code)) {
      nextBlank = false;
      break;
    }
  }
  return nextBlank || BULLET.test(nextLine(text, nextStart));
}

function nextLine(text: string, from: number): string {
  const end = text.indexOf('\n', from);
  return text.slice(from, end === -1 ? Math.min(text.length, from + NEXT_LINE_LOOKAHEAD) : Math.min(end, from + NEXT_LINE_LOOKAHEAD));
}

function isAbbreviationBefore(text: string, dot: number): boolean {
  let from = dot;
  while (from > 0 && dot - from < 12 && isLetterOrDot(text.charCodeAt(from - 1))) from -= 1;
  const word = text.slice(from, dot).toLowerCase();
  if (ABBREVIATIONS.has(word)) return true;
  // a single capital ("J. Smith") is an initial
  return /^\p{Lu}$/u.test(text.slice(from, dot));
}

function isLetterOrDot(code: number): boolean {
  if (code < 0x80) return code === FULL_STOP || (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
  return /\p{L}/u.test(String.fromCharCode(code));
}
