import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser, type AddressObject } from 'mailparser';
import type { Config } from '../../src/config/schema.js';
import { Directory } from '../../src/directory.js';
import type { Finding } from '../../src/finding.js';
import type { Envelope } from '../../src/message/parse.js';
import { screen, type ScreeningResult } from '../../src/pipeline.js';
import { filters } from '../../filters/index.js';

/**
 * The protocol filters' fixtures: `fixtures/<filter-id>/flags-*.eml` and `passes-*.eml`.
 *
 * A fixture's SMTP envelope comes from `fixtures/<filter-id>/envelopes.json`
 * (`{ "<file>": { "mailFrom": "...", "rcptTo": ["..."] } }`) when the file is listed there, which
 * the blind-copy fixtures need because the envelope is what they are about; otherwise, as
 * `screen` does without `--rcpt`, the sender is the From address and the recipients are To, Cc
 * and Bcc. The screening clock is the message's Date, as with `screen` without `--at`.
 */
export const FIXTURES_DIR = resolve(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures'));
export const PROTOCOL_FILTERS = ['blind-copy', 'obligation', 'pre-election'] as const;
export type ProtocolFilter = (typeof PROTOCOL_FILTERS)[number];

export interface Fixture {
  readonly folder: string;
  readonly file: string;
  readonly raw: Buffer;
  readonly envelope: Envelope;
  readonly receivedAt: Date;
}

export function fixtureFiles(folder: string): string[] {
  return readdirSync(join(FIXTURES_DIR, folder))
    .filter((file) => file.endsWith('.eml'))
    .sort();
}

const envelopeFiles = new Map<string, Record<string, Envelope>>();

function listedEnvelope(folder: string, file: string): Envelope | undefined {
  let listed = envelopeFiles.get(folder);
  if (!listed) {
    const path = join(FIXTURES_DIR, folder, 'envelopes.json');
    listed = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, Envelope>) : {};
    envelopeFiles.set(folder, listed);
  }
  return listed[file];
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): string[] {
  if (!field) return [];
  return (Array.isArray(field) ? field : [field]).flatMap((object) => object.value.flatMap((entry) => (entry.address ? [entry.address] : (entry.group ?? []).flatMap((member) => (member.address ? [member.address] : [])))));
}

export async function loadFixture(folder: string, file: string): Promise<Fixture> {
  const raw = readFileSync(join(FIXTURES_DIR, folder, file));
  const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  const envelope = listedEnvelope(folder, file) ?? {
    mailFrom: addressesOf(parsed.from)[0] ?? null,
    rcptTo: [...addressesOf(parsed.to), ...addressesOf(parsed.cc), ...addressesOf(parsed.bcc)],
  };
  const receivedAt = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : new Date();
  return { folder, file, raw, envelope, receivedAt };
}

export async function screenFixture(fixture: Fixture, config: Config): Promise<ScreeningResult> {
  return screen({ raw: fixture.raw, envelope: fixture.envelope, receivedAt: fixture.receivedAt }, { config, directory: new Directory(config), filters });
}

/** Findings of one filter in a result. */
export function findingsOf(result: ScreeningResult, filter: string): Finding[] {
  return result.findings.filter((finding) => finding.filter === filter);
}

/**
 * Every excerpt of a finding stands, exactly, where it says it does: a body excerpt is the body's
 * text between its offsets, a header excerpt is that header's value, an envelope excerpt is an
 * envelope address as given.
 */
export function evidenceProblems(result: ScreeningResult, finding: Finding): string[] {
  const problems: string[] = [];
  const { message } = result;
  for (const item of finding.evidence) {
    if (item.text.length === 0) problems.push(`${item.location}: empty excerpt`);
    if (item.location === 'body') {
      if (item.start === undefined || message.text.body.slice(item.start, item.end) !== item.text) problems.push(`body excerpt not at its offsets: ${item.text}`);
    } else if (item.location === 'subject') {
      if (!message.subject.includes(item.text)) problems.push(`subject excerpt not in subject: ${item.text}`);
    } else if (item.location.startsWith('attachment:')) {
      const name = item.location.slice('attachment:'.length);
      const attachment = message.attachments.find((candidate) => candidate.filename === name);
      if (!attachment) problems.push(`no attachment ${name}`);
      else if (item.start !== undefined) {
        if (attachment.text?.slice(item.start, item.end) !== item.text) problems.push(`attachment excerpt not at its offsets: ${item.text}`);
      } else if (attachment.filename !== item.text) problems.push(`attachment evidence is neither text nor file name: ${item.text}`);
    } else if (item.location.startsWith('header:')) {
      const key = item.location.slice('header:'.length);
      if (!message.headers.some((line) => line.key === key && line.value === item.text)) problems.push(`no ${key} header reading ${item.text}`);
    } else if (item.location === 'envelope') {
      if (!message.envelope.rcptTo.includes(item.text) && message.envelope.mailFrom !== item.text) problems.push(`not an envelope address: ${item.text}`);
    }
  }
  return problems;
}
