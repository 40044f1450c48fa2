import type { Evidence, EvidenceLocation } from '../../src/finding.js';
import type { ScreenedMessage } from '../../src/message/model.js';
import { quotedSpans, type QuotedSpan } from './quotations.js';
import { splitSentences } from './sentences.js';
import { tokenise, type Token } from './tokens.js';

/**
 * Longest stretch of one field a protocol filter reads, in characters. Letters and press releases
 * are far shorter; the cap keeps matching time bounded on hostile or pathological mail.
 */
export const MAX_SCANNED_CHARS = 60_000;

/**
 * The message filters are reading now, its sources and their sentences, so that every filter
 * gets the same source objects and each source is split and tokenised once per message. One
 * message at a time: a screening thread runs one message's filters through before the next
 * message's, and a message read out of turn is only read again, never mixed up (the slot is
 * matched by identity). Per-message WeakMaps did the same, but reading a 5 KB message through
 * them took about twice as long, measured in a loop.
 */
let reading: { readonly message: ScreenedMessage; readonly sources: Map<string, TextSource>; readonly sentences: Map<TextSource, readonly ReadSentence[]> } | undefined;

/** A piece of text a filter reads, with where it stands so evidence can point at it exactly. */
export interface TextSource {
  readonly location: EvidenceLocation;
  /** an exact slice of the located field */
  readonly text: string;
  /** where `text` starts within the located field */
  readonly offset: number;
  /** quoted or forwarded from an earlier message, not the sender's own words */
  readonly forwarded?: boolean;
}

export interface SourceSelection {
  readonly subject?: boolean;
  /** the sender's new text, one source per stretch between quotes and signature */
  readonly newText?: boolean;
  /** the signature block */
  readonly signature?: boolean;
  /** extracted text of attached letters */
  readonly attachments?: boolean;
  /** what the sender quoted or forwarded: earlier messages in the body and attached messages */
  readonly forwarded?: boolean;
}

/**
 * The parts of a message a filter reads. Body sources are slices of `text.body` at the offsets of
 * `text.newSpans`, so an excerpt taken from one is exactly what the body holds at that place.
 */
export function textSources(message: ScreenedMessage, selection: SourceSelection): TextSource[] {
  const sources: TextSource[] = [];
  let budget = MAX_SCANNED_CHARS;
  // the same piece of the same message is the same object for every filter, so its sentences
  // (readSentences) are split and tokenised once per message, not once per filter
  if (reading?.message !== message) reading = { message, sources: new Map(), sentences: new Map() };
  const known = reading.sources;
  const take = (location: EvidenceLocation, text: string, offset: number, forwarded = false): void => {
    if (budget <= 0 || text.trim().length === 0) return;
    const slice = text.length > budget ? text.slice(0, budget) : text;
    budget -= slice.length;
    const key = `${location}\u0000${offset}\u0000${slice.length}`;
    let source = known.get(key);
    if (!source) {
      source = forwarded ? { location, text: slice, offset, forwarded } : { location, text: slice, offset };
      known.set(key, source);
    }
    sources.push(source);
  };
  if (selection.subject) take('subject', message.subject, 0);
  if (selection.newText) {
    for (const span of message.text.newSpans) take('body', message.text.body.slice(span.start, span.end), span.start);
  }
  if (selection.signature && message.text.signature) {
    const { start, end } = message.text.signature;
    take('body', message.text.body.slice(start, end), start);
  }
  if (selection.forwarded) {
    for (const span of message.text.quoted) take('body', message.text.body.slice(span.start, span.end), span.start, true);
  }
  if (selection.attachments || selection.forwarded) {
    // attachments get their own budget: a long letter must not crowd out the body, nor the reverse
    budget = MAX_SCANNED_CHARS;
    for (const attachment of message.attachments) {
      if (!attachment.text) continue;
      if (attachment.contentType === 'message/rfc822') {
        if (selection.forwarded) take(`attachment:${attachment.filename}`, attachment.text, 0, true);
      } else if (selection.attachments) take(`attachment:${attachment.filename}`, attachment.text, 0);
    }
  }
  return sources;
}

/** Evidence for `source.text.slice(start, end)`, trimmed of surrounding white space. */
export function evidenceFrom(source: TextSource, start: number, end: number): Evidence {
  let from = Math.max(0, start);
  let to = Math.min(source.text.length, end);
  while (from < to && /\s/.test(source.text.charAt(from))) from += 1;
  while (to > from && /\s/.test(source.text.charAt(to - 1))) to -= 1;
  return { location: source.location, text: source.text.slice(from, to), start: source.offset + from, end: source.offset + to };
}

/** One sentence of a source, tokenised, with what surrounds it. */
export interface ReadSentence {
  readonly source: TextSource;
  /** offsets into `source.text` */
  readonly start: number;
  readonly end: number;
  readonly tokens: readonly Token[];
  /** ends with a question mark */
  readonly question: boolean;
  /** quoted passages of the source, for telling reported words from the writer's own */
  readonly quotations: readonly QuotedSpan[];
}

/** The sentences of a source, in order, each tokenised (bounded by the splitter and tokeniser caps). */
export function readSentences(source: TextSource): readonly ReadSentence[] {
  const known = reading?.sentences.get(source);
  if (known) return known;
  const quotations = quotedSpans(source.text);
  const sentences = splitSentences(source.text).map((span) => ({
    source,
    start: span.start,
    end: span.end,
    tokens: tokenise(source.text, span.start, span.end),
    question: endsWithQuestionMark(source.text, span.start, span.end),
    quotations,
  }));
  reading?.sentences.set(source, sentences);
  return sentences;
}

const CLOSING_MARKS = new Set(['"', "'", '”', '’', ')', ']']);

/** `text.slice(start, end)` ends with "?", perhaps followed by closing quotes or brackets. */
function endsWithQuestionMark(text: string, start: number, end: number): boolean {
  let at = end - 1;
  while (at >= start && CLOSING_MARKS.has(text.charAt(at))) at -= 1;
  return at >= start && text.charAt(at) === '?';
}

/** Evidence for the whole sentence. */
export function sentenceEvidence(sentence: ReadSentence): Evidence {
  return evidenceFrom(sentence.source, sentence.start, sentence.end);
}
