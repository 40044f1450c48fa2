/**
 * Real mail replayed as council mail, for measuring false alarms: the address headers rewritten
 * to members, officers or the press office of the example policy, everything else byte for byte.
 * The Enron-Spam files are tokenised text ("Subject: …" then the body), so each is wrapped in a
 * minimal RFC 5322 message first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Envelope } from '../../src/message/parse.js';
import { sharedDataPath } from '../../tests/helpers/shared-data.js';

export const MEMBERS = [
  'Cllr Priya Amber <cllr.amber@greyfordvale.gov.uk>',
  'Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk>',
  'Cllr Susan Okafor <cllr.okafor@greyfordvale.gov.uk>',
  'Cllr Gareth Pryce <cllr.pryce@greyfordvale.gov.uk>',
];
export const OFFICERS = [
  'Imran Shah <imran.shah@greyfordvale.gov.uk>',
  'Rachel Finch <rachel.finch@greyfordvale.gov.uk>',
  'David Osei <david.osei@greyfordvale.gov.uk>',
  'Helen Marsh <helen.marsh@greyfordvale.gov.uk>',
];
export const PRESS = 'Greyford Vale Council Press Office <press@greyfordvale.gov.uk>';
export const NEWSDESK = 'Newsdesk <newsdesk@greyfordgazette.co.uk>';

export interface Scenario {
  readonly name: string;
  readonly from: (index: number) => string;
  readonly to: (index: number) => string;
}

/** a residents' association list outside the council */
export const RESIDENTS_LIST = 'Castle Ward Residents <residents@castleward-residents.org.uk>';

export const SCENARIOS: readonly Scenario[] = [
  { name: 'member→officer', from: (i) => MEMBERS[i % MEMBERS.length] as string, to: (i) => OFFICERS[i % OFFICERS.length] as string },
  { name: 'press→media', from: () => PRESS, to: () => NEWSDESK },
  { name: 'officer→residents', from: (i) => OFFICERS[i % OFFICERS.length] as string, to: () => RESIDENTS_LIST },
];

export function addressOf(mailbox: string): string {
  return /<([^>]+)>/.exec(mailbox)?.[1] ?? mailbox;
}

/** Drops an mbox "From " separator line. */
export function withoutMboxLine(raw: Buffer): Buffer {
  if (raw.subarray(0, 5).toString('latin1') !== 'From ') return raw;
  const newline = raw.indexOf(0x0a);
  return newline < 0 ? raw : raw.subarray(newline + 1);
}

const ADDRESS_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'sender', 'reply-to', 'resent-from', 'resent-to', 'resent-cc']);

/** The message with its address headers replaced by `from` and `to`; everything else byte for byte. */
function readdressed(raw: Buffer, from: string, to: string): Buffer {
  const text = withoutMboxLine(raw).toString('latin1');
  const match = /\r?\n\r?\n/.exec(text);
  const headEnd = match ? match.index : text.length;
  const head = text.slice(0, headEnd);
  const rest = text.slice(headEnd);
  const kept: string[] = [];
  let dropping = false;
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      if (!dropping) kept.push(line);
      continue;
    }
    const name = line.slice(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase();
    dropping = ADDRESS_HEADERS.has(name);
    if (!dropping) kept.push(line);
  }
  return Buffer.from([`From: ${from}`, `To: ${to}`, ...kept].join('\n') + rest, 'latin1');
}

/** An Enron-Spam file (tokenised "Subject: …" line, then the body) as a minimal message. */
function wrappedEnron(text: string, from: string, to: string, index: number): Buffer {
  const newline = text.indexOf('\n');
  const first = newline < 0 ? text : text.slice(0, newline);
  const subject = first.startsWith('Subject:') ? first.slice('Subject:'.length).trim() : '';
  const body = first.startsWith('Subject:') ? text.slice(newline + 1) : text;
  const headers = [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject.replace(/[\r\n]+/g, ' ')}`,
    'Date: Thu, 15 Apr 2027 11:00:00 +0100',
    `Message-ID: <enron-${index}@eval.invalid>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

export interface CorpusMessage {
  readonly raw: Buffer;
  readonly envelope: Envelope;
}

export function corpusMessages(corpus: 'easy_ham' | 'enron', scenario: Scenario): CorpusMessage[] {
  const directory = corpus === 'easy_ham' ? sharedDataPath('spamassassin', 'easy_ham') : sharedDataPath('enron-spam-enron1-ham', 'ham');
  return readdirSync(directory)
    .sort()
    .map((file, index) => {
      const from = scenario.from(index);
      const to = scenario.to(index);
      const content = readFileSync(join(directory, file));
      const raw = corpus === 'easy_ham' ? readdressed(content, from, to) : wrappedEnron(content.toString('utf8'), from, to, index);
      return { raw, envelope: { mailFrom: addressOf(from), rcptTo: [addressOf(to)] } };
    });
}


/** who writes to whom, by direction: the i-th item goes between the i-th people of each kind */
function partiesFor(direction: string, index: number): { from: string; to: string } {
  const member = (k: number): string => MEMBERS[k % MEMBERS.length] as string;
  const officer = (k: number): string => OFFICERS[k % OFFICERS.length] as string;
  switch (direction) {
    case 'officer→member':
      return { from: officer(index), to: member(index) };
    case 'member→member':
      return { from: member(index), to: member(index + 1) };
    case 'officer→officer':
      return { from: officer(index), to: officer(index + 1) };
    default:
      return { from: member(index), to: officer(index) };
  }
}

/** A labelled text as the mail it stands for: its text as the body of a new message, between people of the example policy in its direction. */
export function messageOf(text: string, direction: string, index: number): { raw: Buffer; envelope: Envelope } {
  const { from, to } = partiesFor(direction, index);
  const raw = Buffer.from(
    [`From: ${from}`, `To: ${to}`, 'Subject: Council business', 'Date: Tue, 2 Feb 2027 10:15:00 +0000', `Message-ID: <dev-${index}@eval.invalid>`, 'Content-Type: text/plain; charset=utf-8', '', text.replace(/\r?\n/g, '\r\n')].join('\r\n'),
    'utf8',
  );
  return { raw, envelope: { mailFrom: addressOf(from), rcptTo: [addressOf(to)] } };
}

