import type { Readable } from 'node:stream';
import { MailParser, type AddressObject, type Attachment as ParsedAttachment, type AttachmentStream, type ParsedMail } from 'mailparser';
import { convert as htmlToText } from 'html-to-text';
import { normaliseAddress, type Directory } from '../directory.js';
import { extractAttachmentText } from './attachments.js';
import type { Attachment, Direction, HeaderLine, MessageParties, Party, ScreenedMessage } from './model.js';
import { rawLength, rawSlices, type RawMessage } from './raw.js';
import { splitText } from './text.js';
import { errorMessage } from '../errors.js';

export interface Envelope {
  readonly mailFrom: string | null;
  /** null: no envelope is known (offline screening), so To, Cc and Bcc stand for it */
  readonly rcptTo: readonly string[] | null;
}

export interface ParseLimits {
  /** only this many bytes of the message are parsed; the rest is not screened */
  readonly maxParseBytes: number;
  /** HTML longer than this is not converted to text, characters */
  readonly maxHtmlChars?: number;
  /** nested message/rfc822 parts followed this deep */
  readonly maxNestedDepth?: number;
  /** `relay.maxMimeParts`: the relay refuses a message with more; the parser reads up to it */
  readonly maxMimeParts?: number;
}

/** what `problems` says when the parser stopped at a structural limit: the message is refused, never passed unread */
export const STRUCTURE_PROBLEM = 'MIME structure beyond the limits';

const DEFAULT_MAX_HTML_CHARS = 1_000_000;
const DEFAULT_MAX_NESTED_DEPTH = 3;
/** the readable body is cut here: filters never need more, and matching stays bounded */
const MAX_BODY_CHARS = 500_000;

const PARSER_OPTIONS = {
  // the costly conversions mailparser offers are not needed for screening
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  keepCidLinks: true,
  checksumAlgo: false,
  maxHeadSize: 1_048_576,
} as const;
const DEFAULT_MAX_MIME_PARTS = 1_000;

/**
 * Reads a raw message into the model filters see. Never throws for bad mail: what cannot be
 * read is listed in `problems` and the rest is still filled in.
 */
export async function parseMessage(raw: RawMessage, envelope: Envelope, directory: Directory, limits: ParseLimits): Promise<ScreenedMessage> {
  const outcome = await parseInScope(raw, envelope, directory, limits, () => true);
  if (outcome.scope === 'out') throw new Error('a message every scope admits was read as out of scope');
  return outcome.message;
}

/** Decides, from the header section alone, whether the rest of the message is read. */
export type ScopeDecision = (parties: MessageParties) => boolean;

export type ParseOutcome =
  | { readonly scope: 'in'; readonly message: ScreenedMessage }
  /** only the header section was read: its body, text and attachments alike, was never parsed */
  | { readonly scope: 'out'; readonly parties: MessageParties };

/**
 * Reads the header section, asks `inScope` whether the message concerns anyone who screens it,
 * and only then reads the body and attachments. A message whose header section cannot be read is
 * read whole (in scope), so that what went wrong is reported.
 */
export async function parseInScope(raw: RawMessage, envelope: Envelope, directory: Directory, limits: ParseLimits, inScope: ScopeDecision): Promise<ParseOutcome> {
  const problems: string[] = [];
  const unread: string[] = [];
  let parsed: ParsedMail | undefined;
  let headParties: MessageParties | undefined;
  let outOfScope = false;
  try {
    // the parser counts multipart containers too; the relay has already bounded the parts themselves
    const maxChildNodes = 2 * (limits.maxMimeParts ?? DEFAULT_MAX_MIME_PARTS) + 10;
    parsed = await readMail(rawSlices(raw, limits.maxParseBytes), limits.maxHtmlChars ?? DEFAULT_MAX_HTML_CHARS, maxChildNodes, (head) => {
      headParties = partiesOf(head, envelope, directory);
      outOfScope = !inScope(headParties);
      return outOfScope;
    });
  } catch (error) {
    const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
    problems.push(code === 'EMAXLEN' ? `${STRUCTURE_PROBLEM}: ${errorMessage(error)}` : `MIME parse failed: ${errorMessage(error)}`);
  }
  if (outOfScope && headParties) return { scope: 'out', parties: headParties };
  const truncated = rawLength(raw) > limits.maxParseBytes;
  if (truncated) {
    problems.unshift(`only the first ${limits.maxParseBytes} bytes were screened`);
    unread.unshift(`everything after the first ${limits.maxParseBytes} bytes`);
  }
  // the header fields do not change after the header section: its parties stand for the message
  const parties = parsed && headParties ? headParties : partiesOf(parsed, envelope, directory);
  const body = bodyText(parsed, limits, problems, unread);
  const split = splitText(body.text);
  const attachments = parsed ? await attachmentsOf(parsed, directory, limits, problems, unread) : [];
  for (const attachment of attachments) if (attachment.textProblem) unread.push(`attachment ${attachment.filename}: ${attachment.textProblem}`);

  return {
    scope: 'in',
    message: {
      ...parties,
      text: { body: body.text, ...split, fromHtml: body.fromHtml, truncated: truncated || body.cut },
      attachments,
      problems,
      unread,
    },
  };
}

function partiesOf(parsed: ParsedMail | undefined, envelope: Envelope, directory: Directory): MessageParties {
  const resolve = (address: string, displayName?: string): Party => partyOf(address, displayName, directory);
  const fromList = addresses(parsed?.from).map((a) => resolve(a.address, a.name));
  const to = addresses(parsed?.to).map((a) => resolve(a.address, a.name));
  const cc = addresses(parsed?.cc).map((a) => resolve(a.address, a.name));
  const bcc = addresses(parsed?.bcc).map((a) => resolve(a.address, a.name));
  const replyTo = addresses(parsed?.replyTo).map((a) => resolve(a.address, a.name));
  const rcptTo = envelope.rcptTo ?? [...to, ...cc, ...bcc].map((party) => party.original);
  const mailFrom = envelope.mailFrom ?? (envelope.rcptTo === null ? fromList[0]?.original ?? null : null);
  const recipients = rcptTo.map((address) => resolve(address));
  const sender = fromList[0] ?? (mailFrom ? resolve(mailFrom) : undefined);
  const headers = headerLinesOf(parsed);
  return {
    envelope: { mailFrom, rcptTo: [...rcptTo] },
    messageId: parsed?.messageId,
    date: parsed?.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : undefined,
    subject: parsed?.subject ?? '',
    from: fromList,
    sender,
    replyTo,
    to,
    cc,
    bcc,
    recipients,
    headers,
    inReplyTo: parsed?.inReplyTo,
    references: parsed?.references === undefined ? [] : ([] as string[]).concat(parsed.references),
    automated: isAutomated(headers),
    direction: directionOf(sender, recipients.length > 0 ? recipients : [...to, ...cc], directory),
  };
}

/** attachment bytes kept for text extraction at most; larger ones are drained unread */
const MAX_KEPT_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** types a filter reads the text of (letters, nested messages) */
const READ_TYPES = /^(text\/|message\/rfc822$|application\/(pdf|x-pdf|vnd\.openxmlformats-officedocument\.wordprocessingml\.document)$)/;
/** labels that say nothing about the content: kept only when the name or first bytes show a document */
const GENERIC_TYPES = /^(application\/(octet-stream|binary|zip|x-zip-compressed))?$/;
const DOCUMENT_NAME = /\.(pdf|docx)$/i;

/**
 * mailparser's stream parser, keeping the bytes only of attachments a filter can read (text,
 * nested messages, documents); simpleParser would buffer every attachment whole.
 */
function readMail(source: Readable, maxHtmlChars: number, maxChildNodes: number, stopAfterHeaders?: (head: ParsedMail) => boolean): Promise<ParsedMail> {
  return new Promise<ParsedMail>((resolve, reject) => {
    const parser = new MailParser({ ...PARSER_OPTIONS, maxHtmlLengthToParse: maxHtmlChars, maxChildNodes });
    const mail: ParsedMail = { attachments: [], headers: new Map(), headerLines: [], html: false };
    const pending: Promise<void>[] = [];
    let stopped = false;
    parser.on('error', (error) => {
      if (!stopped) reject(error);
    });
    parser.on('headers', (headers) => {
      mail.headers = headers;
      mail.headerLines = parser.headerLines || [];
      if (!stopAfterHeaders) return;
      fillHeaderFields(mail);
      if (!stopAfterHeaders(mail)) return;
      // nothing past the header section is read: the source stops and the parser is dropped
      stopped = true;
      source.unpipe(parser);
      source.destroy();
      parser.destroy();
      resolve(mail);
    });
    parser.on('data', (data: { type: 'text'; text?: string; html?: string | false } | AttachmentStream) => {
      if (stopped) return;
      if (data.type === 'text') {
        if (data.text !== undefined) mail.text = data.text;
        if (typeof data.html === 'string') mail.html = data.html;
        return;
      }
      pending.push(collectAttachment(data).then((attachment) => void mail.attachments.push(attachment)));
    });
    parser.on('end', () => {
      if (stopped) return;
      Promise.all(pending).then(() => {
        fillHeaderFields(mail);
        resolve(mail);
      }, reject);
    });
    // a spool file that cannot be read is a parse failure: the message still flows, unscreened
    source.once('error', (error) => {
      if (!stopped) reject(error);
    });
    source.pipe(parser);
  });
}

/** The header fields screening reads, from the root headers the parser reported. */
function fillHeaderFields(mail: ParsedMail): void {
  const headers = mail.headers;
  const field = <T>(key: string): T | undefined => (headers.has(key) ? (headers.get(key) as T) : undefined);
  mail.subject = field<string>('subject');
  mail.from = field<AddressObject>('from');
  mail.to = field<AddressObject | AddressObject[]>('to');
  mail.cc = field<AddressObject | AddressObject[]>('cc');
  mail.bcc = field<AddressObject | AddressObject[]>('bcc');
  mail.replyTo = field<AddressObject>('reply-to');
  mail.messageId = field<string>('message-id');
  mail.inReplyTo = field<string>('in-reply-to');
  mail.references = field<string | string[]>('references');
  mail.date = field<Date>('date');
}

function collectAttachment(stream: AttachmentStream): Promise<ParsedAttachment> {
  const type = (stream.contentType || '').toLowerCase();
  const generic = GENERIC_TYPES.test(type);
  // a mislabelled document is recognised by its name or its first bytes (%PDF-, or PK for .docx)
  let keep = READ_TYPES.test(type) || (generic && DOCUMENT_NAME.test(stream.filename ?? ''));
  let first = true;
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve, reject) => {
    stream.content.on('data', (chunk: Buffer) => {
      if (first && generic && !keep) keep = chunk.subarray(0, 5).toString('latin1') === '%PDF-';
      first = false;
      size += chunk.length;
      if (keep && size <= MAX_KEPT_ATTACHMENT_BYTES) chunks.push(chunk);
    });
    stream.content.once('error', reject);
    stream.content.once('end', () => {
      stream.release?.();
      const content = keep && size <= MAX_KEPT_ATTACHMENT_BYTES ? Buffer.concat(chunks, size) : Buffer.alloc(0);
      resolve({ ...stream, content, size, release: null } as ParsedAttachment);
    });
  });
}

interface PlainAddress {
  readonly address: string;
  readonly name?: string;
}

function addresses(field: AddressObject | AddressObject[] | undefined): PlainAddress[] {
  if (!field) return [];
  const out: PlainAddress[] = [];
  const visit = (entries: AddressObject['value']): void => {
    for (const entry of entries) {
      if (entry.group) visit(entry.group);
      else if (entry.address) out.push(entry.name ? { address: entry.address, name: entry.name } : { address: entry.address });
    }
  };
  for (const object of Array.isArray(field) ? field : [field]) visit(object.value);
  return out;
}

export function partyOf(address: string, displayName: string | undefined, directory: Directory): Party {
  const normalised = normaliseAddress(address);
  const entry = directory.lookup(normalised);
  return {
    address: normalised,
    original: address,
    ...(displayName ? { displayName } : {}),
    roles: directory.rolesOf(normalised),
    ...(entry?.name ? { person: entry.name } : {}),
  };
}

function headerLinesOf(parsed: ParsedMail | undefined): HeaderLine[] {
  if (!parsed) return [];
  return parsed.headerLines.map((line) => {
    const colon = line.line.indexOf(':');
    return { key: line.key, value: (colon >= 0 ? line.line.slice(colon + 1) : '').replace(/\r?\n[ \t]+/g, ' ').trim() };
  });
}

/** put where html-to-text leaves out what is nested too deep or too wide, so that it can be said */
const HTML_LEFT_OUT = '\u2063left-out\u2063';

function bodyText(parsed: ParsedMail | undefined, limits: ParseLimits, problems: string[], unread: string[]): { text: string; fromHtml: boolean; cut: boolean } {
  if (!parsed) return { text: '', fromHtml: false, cut: false };
  let text = parsed.text ?? '';
  let fromHtml = false;
  if (!text.trim() && typeof parsed.html === 'string' && parsed.html.length > 0) {
    const max = limits.maxHtmlChars ?? DEFAULT_MAX_HTML_CHARS;
    if (parsed.html.length > max) {
      problems.push(`HTML body over ${max} characters was not read`);
      unread.push(`an HTML body of ${parsed.html.length} characters (over ${max})`);
    } else {
      text = htmlToText(parsed.html, {
        wordwrap: false,
        limits: { maxInputLength: max, maxDepth: 200, maxChildNodes: 10_000, ellipsis: HTML_LEFT_OUT },
        selectors: [
          { selector: 'a', options: { ignoreHref: true } },
          { selector: 'img', format: 'skip' },
        ],
      });
      fromHtml = true;
      if (text.includes(HTML_LEFT_OUT)) {
        unread.push('HTML nested deeper than 200 levels, or with more than 10,000 elements in one place');
        text = text.replaceAll(HTML_LEFT_OUT, ' ');
      }
    }
  }
  const cut = text.length > MAX_BODY_CHARS;
  if (cut) unread.push(`body text after the first ${MAX_BODY_CHARS} characters`);
  return { text: cut ? text.slice(0, MAX_BODY_CHARS) : text, fromHtml, cut };
}

async function attachmentsOf(parsed: ParsedMail, directory: Directory, limits: ParseLimits, problems: string[], unread: string[]): Promise<Attachment[]> {
  const out: Attachment[] = [];
  const depth = limits.maxNestedDepth ?? DEFAULT_MAX_NESTED_DEPTH;
  for (const part of parsed.attachments) {
    const filename = part.filename ?? (part.contentType === 'message/rfc822' ? 'message.eml' : 'attachment');
    const base = { filename, contentType: part.contentType, size: part.size };
    if (part.content.length === 0 && part.size > 0) {
      out.push(base);
      continue;
    }
    if (part.contentType === 'message/rfc822') {
      if (depth <= 0) {
        out.push({ ...base, textProblem: 'nested too deep' });
        continue;
      }
      const nested = await parseMessage(part.content, { mailFrom: null, rcptTo: [] }, directory, { ...limits, maxNestedDepth: depth - 1 });
      out.push({ ...base, text: `Subject: ${nested.subject}\n\n${nested.text.body}` });
      unread.push(...nested.unread.map((what) => `in ${filename}, ${what}`));
      // a forwarded message the parser gave up on was not read: refused like its container, or named as unread
      for (const problem of nested.problems) {
        if (problem.startsWith(STRUCTURE_PROBLEM)) problems.push(problem);
        else if (problem.startsWith('MIME parse failed')) unread.push(`in ${filename}, ${problem}`);
      }
      continue;
    }
    try {
      const extracted = await extractAttachmentText(part);
      out.push({ ...base, ...(extracted.text !== undefined ? { text: extracted.text } : {}), ...(extracted.problem ? { textProblem: extracted.problem } : {}) });
    } catch (error) {
      const reason = errorMessage(error);
      problems.push(`attachment ${filename}: ${reason}`);
      out.push({ ...base, textProblem: reason });
    }
  }
  return out;
}

const AUTO_REPLY_HEADERS = ['x-autoreply', 'x-autorespond', 'x-auto-response-suppress'];

function isAutomated(headers: readonly HeaderLine[]): boolean {
  for (const header of headers) {
    if (header.key === 'auto-submitted' && header.value.toLowerCase() !== 'no') return true;
    if (header.key === 'precedence' && /^(auto_reply|bulk|junk|list)$/i.test(header.value)) return true;
    if (AUTO_REPLY_HEADERS.includes(header.key) && header.key !== 'x-auto-response-suppress') return true;
  }
  return false;
}

function directionOf(sender: Party | undefined, recipients: readonly Party[], directory: Directory): Direction {
  const senderInternal = sender ? directory.isInternal(sender.address) : false;
  const anyExternal = recipients.some((party) => !directory.isInternal(party.address));
  const anyInternal = recipients.some((party) => directory.isInternal(party.address));
  if (senderInternal) return anyExternal ? 'outbound' : 'internal';
  // a message the gateway only passes through, e.g. between two outside parties, is external
  return anyInternal ? 'inbound' : 'external';
}
