import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../src/directory.js';
import { filters } from '../../filters/index.js';
import { screen } from '../../src/pipeline.js';
import { configWith, exampleConfig } from '../helpers/config.js';
import { sendThrough, startRelay, type TestRelay } from '../helpers/relay.js';
import { startSink, type Sink } from '../helpers/sink.js';

/** A member accepting a contractor's quote: on its own, the example policy holds it. */
const LETTER = 'Good afternoon,\r\n\r\nThank you for the quotation. We accept your quote of £8,950 for resurfacing the Riverside car park. PO to follow.\r\n\r\nSusan Okafor\r\nCouncillor, Riverside ward';
const HEAD = ['From: Cllr Susan Okafor <cllr.okafor@greyfordvale.gov.uk>', 'To: quotes@valesurfacing.example.co.uk', 'Subject: RE: Quotation Q-2291', 'MIME-Version: 1.0'];
const ENVELOPE = { from: 'cllr.okafor@greyfordvale.gov.uk', to: ['quotes@valesurfacing.example.co.uk'] };
const letterPart = `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${LETTER}\r\n`;

/** the letter as the last of `parts` parts, the others one line each */
function manyParts(parts: number): string {
  const filler = Array.from({ length: parts - 1 }, (_, index) => `--b\r\nContent-Type: text/plain\r\n\r\nline ${index}\r\n`).join('');
  return `${HEAD.join('\r\n')}\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${filler}--b\r\n${letterPart}--b--\r\n`;
}

/** the letter inside `depth` multiparts, one within the next */
function nested(depth: number): string {
  let inner = letterPart;
  for (let level = depth; level >= 1; level -= 1) inner = `Content-Type: multipart/mixed; boundary="n${level}"\r\n\r\n--n${level}\r\n${inner}--n${level}--\r\n`;
  return `${HEAD.join('\r\n')}\r\n${inner}`;
}

describe('MIME structure and the screen', () => {
  let sink: Sink;
  let relay: TestRelay;
  beforeAll(async () => {
    sink = await startSink();
    relay = await startRelay(sink.address);
  });
  afterAll(async () => {
    await relay.close();
    await sink.close();
  });

  it('reads a letter wherever it sits within the limits: the 999th part, or 99 multiparts deep', async () => {
    // the relay has no review store here, so a message the policy holds is deferred, never delivered
    for (const message of [manyParts(999), nested(99)]) {
      const sent = await sendThrough(relay.port, ENVELOPE, message);
      expect(sent.responseCode, sent.response).toBe(451);
      expect(sent.response).toMatch(/must be held for review/);
    }
    expect(sink.messages).toHaveLength(0);
  });

  it('refuses more than 1,000 parts, or nesting deeper than 100, with 554 5.6.0 before screening, and forwards nothing', async () => {
    const parts = await sendThrough(relay.port, ENVELOPE, manyParts(1_001));
    expect(parts.responseCode).toBe(554);
    expect(parts.response).toMatch(/5\.6\.0 Message has more than 1000 MIME parts/);
    const deep = await sendThrough(relay.port, ENVELOPE, nested(1_000));
    expect(deep.responseCode).toBe(554);
    expect(deep.response).toMatch(/5\.6\.0 Message has multiparts nested more than 100 deep/);
    expect(sink.messages).toHaveLength(0);
  });

  it('refuses what the parser stops at, where it is screened without the relay (screen, or a lower relay limit)', async () => {
    // the parser is given room for twice relay.maxMimeParts; a message past that is refused, not passed unread
    const config = configWith({ relay: { ...exampleConfig().relay, maxMimeParts: 10 } });
    const result = await screen(
      { raw: Buffer.from(manyParts(40)), envelope: { mailFrom: ENVELOPE.from, rcptTo: ENVELOPE.to }, receivedAt: new Date('2027-03-03T12:00:00Z') },
      { config, directory: new Directory(config), filters },
    );
    expect(result.action).toBe('reject');
    expect(result.reason).toMatch(/^5\.6\.0 Message structure beyond what this gateway screens/);
    expect(result.findings).toEqual([expect.objectContaining({ filter: 'screening-error', rule: 'STRUCTURE_LIMIT' })]);
  });
});
