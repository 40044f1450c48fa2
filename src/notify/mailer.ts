import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config/schema.js';
import { GatewayError } from '../errors.js';

export interface Notice {
  /** exactly one recipient: notices are never copied, blind or otherwise */
  readonly to: string;
  /** the recipient's name for the To: line; flattened like the subject */
  readonly toName?: string;
  readonly subject: string;
  readonly text: string;
  /** a stable id for this notice, used as its Message-ID so a resend is recognisable */
  readonly id?: string;
  /** what sort of notice it is, for the notifications metric */
  readonly kind?: NoticeKind;
}

export type NoticeKind = 'reminder' | 'escalation' | 'digest' | 'hold-notice' | 'sender-notice';

export interface Mailer {
  send(notice: Notice): Promise<{ messageId: string; response: string }>;
  close(): void;
}

const CONNECTION_TIMEOUT_MS = 30_000;
const GREETING_TIMEOUT_MS = 30_000;
const SOCKET_TIMEOUT_MS = 60_000;
/** the longest one notice can take to send or fail: after it, a claim on it left unconfirmed was abandoned */
export const NOTICE_SEND_LIMIT_MS = CONNECTION_TIMEOUT_MS + GREETING_TIMEOUT_MS + SOCKET_TIMEOUT_MS;

/** longest subject line a notice gets, characters */
const MAX_SUBJECT_CHARS = 200;
/** longest display name a notice gets, characters */
const MAX_NAME_CHARS = 100;
/** SMTP connections kept open to notify.smtp */
const POOL_CONNECTIONS = 3;
/** notices sent over one connection before it is renewed */
const POOL_MESSAGES_PER_CONNECTION = 100;

/** an RFC 2047 encoded-word: =?charset?B|Q?text?= */
const ENCODED_WORD = /=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]*)\?=/g;
const HAS_ENCODED_WORD = new RegExp(ENCODED_WORD.source);
/** layers of encoding undone before flattening; more than this is not a real subject */
const MAX_DECODE_PASSES = 3;

/**
 * Text copied from mail (subjects, names) may carry CR, LF, NUL, C1 controls, Unicode line
 * separators, bidi overrides, or encoded-words that decode to any of those, meant to add headers
 * or fake lines in the reader's view. Encoded-words are decoded first (a mail reader would decode
 * them), then every such character becomes a space, so the value stays one plain line.
 */
export function headerSafe(value: string, maxLength = MAX_SUBJECT_CHARS): string {
  let decoded = value;
  for (let pass = 0; pass < MAX_DECODE_PASSES && HAS_ENCODED_WORD.test(decoded); pass++) {
    decoded = decoded.replace(ENCODED_WORD, (_word, charset: string, encoding: string, text: string) => decodeWord(charset, encoding, text));
  }
  const flattened = decoded
    .replace(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/g, '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    // an encoded-word left undecodable is shown as text, never handed on to be decoded downstream
    .replace(/=\?/g, '=\u2009?')
    .replace(/\s+/g, ' ')
    .trim();
  return flattened.length > maxLength ? `${flattened.slice(0, maxLength - 1)}…` : flattened;
}

function decodeWord(charset: string, encoding: string, text: string): string {
  const bytes =
    encoding.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        );
  return /^(iso-8859-1|latin1|us-ascii|windows-1252)$/i.test(charset) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** Sends reminders, escalations and notices through `notify.smtp`, from `notify.from`. */
export function createMailer(config: Config): Mailer {
  if (!config.notify) {
    throw new GatewayError('NOTIFY_NOT_CONFIGURED', 'notify.from and notify.smtp must be set to send reminders and notices');
  }
  const { from, smtp } = config.notify;
  const colon = smtp.lastIndexOf(':');
  const transport: Transporter = nodemailer.createTransport({
    host: smtp.slice(0, colon).replace(/^\[|\]$/g, ''),
    port: Number(smtp.slice(colon + 1)),
    secure: false,
    // reminders come in bursts (09:00 on a deadline day): reuse connections rather than open one per notice
    pool: true,
    maxConnections: POOL_CONNECTIONS,
    maxMessages: POOL_MESSAGES_PER_CONNECTION,
    // the notify relay is normally the local MTA on loopback
    ignoreTLS: true,
    // a send ends, one way or the other, within NOTICE_SEND_LIMIT_MS
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const domain = from.slice(from.lastIndexOf('@') + 1);
  return {
    async send(notice) {
      if (/[\s,;<>]/.test(notice.to) || !notice.to.includes('@')) {
        throw new GatewayError('NOTICE_BAD_RECIPIENT', `refusing to send a notice to "${headerSafe(notice.to, 80)}": not a single address`);
      }
      const info = await transport.sendMail({
        from: { name: `${config.council.name} member-officer gateway`, address: from },
        to: notice.toName ? { name: headerSafe(notice.toName, MAX_NAME_CHARS), address: notice.to } : notice.to,
        envelope: { from, to: [notice.to] },
        subject: headerSafe(notice.subject),
        text: notice.text,
        ...(notice.id ? { messageId: `<${notice.id.replace(/[^A-Za-z0-9._-]/g, '-')}@${domain}>` } : {}),
        headers: { 'Auto-Submitted': 'auto-generated' },
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      return { messageId: String(info.messageId), response: String(info.response) };
    },
    close() {
      transport.close();
    },
  };
}
