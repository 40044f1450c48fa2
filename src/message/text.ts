import type { TextSpan } from './model.js';

/**
 * Separates the sender's new text from what they quoted, forwarded or signed, keeping offsets
 * into the original body so evidence can point at the exact place.
 *
 * Top-posting is assumed for attribution blocks: everything after "On … wrote:", an Outlook
 * "From:/Sent:" block or a forwarded-message marker is earlier correspondence. Lines starting
 * with ">" are quotes wherever they stand.
 */
export interface SplitText {
  readonly newText: string;
  readonly newSpans: readonly TextSpan[];
  readonly quoted: readonly TextSpan[];
  readonly signature?: TextSpan;
}

/** longest body scanned for structure, in characters; beyond it everything counts as new text */
const MAX_SCAN_CHARS = 2_000_000;

const ATTRIBUTION = [
  /^\s*On\b.{0,300}\bwrote:\s*$/i,
  /^\s*-{2,}\s*Original Message\s*-{2,}\s*$/i,
  /^\s*-{2,}\s*Forwarded message\s*-{2,}\s*$/i,
  /^\s*Begin forwarded message:\s*$/i,
  /^\s*-{2,}\s*Forwarded by\b.{0,200}$/i,
];
const OUTLOOK_FROM = /^\s*\*?From:\*?\s+\S/i;
const OUTLOOK_FOLLOW = /^\s*\*?(Sent|Date|To|Subject|Cc):\*?\s/i;
const OUTLOOK_RULE = /^\s*_{10,}\s*$/;
const SIGNATURE_DELIMITER = /^-- ?$/;

interface Line {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

function linesOf(body: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  const limit = Math.min(body.length, MAX_SCAN_CHARS);
  while (start < limit) {
    let end = body.indexOf('\n', start);
    if (end === -1 || end > limit) end = limit;
    const text = body.slice(start, end).replace(/\r$/, '');
    lines.push({ start, end, text });
    start = end + 1;
  }
  if (limit < body.length) lines.push({ start: limit, end: body.length, text: body.slice(limit) });
  return lines;
}

function startsEarlierCorrespondence(lines: readonly Line[], index: number): boolean {
  const line = lines[index];
  if (!line) return false;
  if (ATTRIBUTION.some((pattern) => pattern.test(line.text))) return true;
  // Gmail wraps long attributions: "On Mon, 3 Mar 2025 at 10:12, Jo Bloggs <" / "jo@x> wrote:"
  const next = lines[index + 1];
  if (next && /^\s*On\b/i.test(line.text) && /\bwrote:\s*$/i.test(next.text) && line.text.length + next.text.length < 400) return true;
  const isFrom = OUTLOOK_FROM.test(line.text);
  const isRule = OUTLOOK_RULE.test(line.text);
  if (isFrom || isRule) {
    let follow = 0;
    for (let k = index + 1; k < Math.min(lines.length, index + 6); k += 1) {
      const candidate = lines[k];
      if (candidate && OUTLOOK_FOLLOW.test(candidate.text)) follow += 1;
      if (isRule && candidate && OUTLOOK_FROM.test(candidate.text)) follow += 1;
    }
    return follow >= 2;
  }
  return false;
}

/**
 * A line ending in a colon straight above quoted lines that names who is quoted ("Jo Bloggs
 * <jo@x> wrote:", "Quoting Jo:", a nickname with a joke verb) belongs to the quote. Only the
 * shapes of an attribution count, so that a sentence of the sender's own ("You never listen,
 * as you said:") is still screened.
 */
function introducesQuote(lines: readonly Line[], index: number): boolean {
  const text = (lines[index] as Line).text.trim();
  if (!text.endsWith(':') || text.length > MAX_INTRODUCER_CHARS || !looksLikeAttribution(text)) return false;
  for (let k = index + 1; k < lines.length; k += 1) {
    const next = (lines[k] as Line).text;
    if (next.trim() !== '') return /^\s*>/.test(next);
  }
  return false;
}
const MAX_INTRODUCER_CHARS = 120;
/** words of an attribution besides addresses and dates in brackets: "Jo Bloggs writes", "Whore eructed" */
const MAX_INTRODUCER_WORDS = 4;

function looksLikeAttribution(text: string): boolean {
  const bare = text.slice(0, -1).replace(/<[^>]*>|\([^)]*\)|\[[^\]]*\]/g, ' ').trim();
  if (/[!?]/.test(bare)) return false;
  // "In message <…>, Jo Bloggs writes:", "In article <…>, …"
  if (/^(quoting|in message|in article)\b/i.test(bare)) return true;
  return bare.split(/\s+/).length <= MAX_INTRODUCER_WORDS && !/[,;]/.test(bare);
}

function merge(spans: TextSpan[]): TextSpan[] {
  const merged: TextSpan[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end + 1) merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, span.end) };
    else merged.push(span);
  }
  return merged;
}

/** Drops trailing blank lines and line-end CRs, so spans end on the last character written. */
function trimEnd(body: string, span: TextSpan): TextSpan {
  let end = span.end;
  while (end > span.start && /\s/.test(body.charAt(end - 1))) end -= 1;
  return { start: span.start, end };
}

export function splitText(body: string): SplitText {
  const lines = linesOf(body);
  const fresh: TextSpan[] = [];
  const quoted: TextSpan[] = [];
  let signature: TextSpan | undefined;
  let inSignature = false;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] as Line;
    if (startsEarlierCorrespondence(lines, index)) {
      quoted.push({ start: line.start, end: body.length });
      if (signature && inSignature) signature = { start: signature.start, end: line.start };
      inSignature = false;
      break;
    }
    if (/^\s*>/.test(line.text) || introducesQuote(lines, index)) {
      quoted.push({ start: line.start, end: line.end });
      continue;
    }
    if (!inSignature && SIGNATURE_DELIMITER.test(line.text)) {
      inSignature = true;
      signature = { start: line.start, end: body.length };
      continue;
    }
    if (inSignature) continue;
    fresh.push({ start: line.start, end: line.end });
  }
  const newSpans = merge(fresh)
    .map((span) => trimEnd(body, span))
    .filter((span) => span.end > span.start && body.slice(span.start, span.end).trim().length > 0);
  const newText = newSpans.map((span) => body.slice(span.start, span.end)).join('\n');
  return signature ? { newText, newSpans, quoted: merge(quoted), signature } : { newText, newSpans, quoted: merge(quoted) };
}
