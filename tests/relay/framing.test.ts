import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../helpers/sink.js';
import { rawDialogue, sendThrough, startRelay, type TestRelay } from '../helpers/relay.js';

const ENVELOPE = ['EHLO client.test\r\n', 'MAIL FROM:<cllr.amber@greyfordvale.gov.uk>\r\n', 'RCPT TO:<rachel.finch@greyfordvale.gov.uk>\r\n', 'DATA\r\n'];
const SMUGGLED = 'MAIL FROM:<ceo@greyfordvale.gov.uk>\r\nRCPT TO:<rachel.finch@greyfordvale.gov.uk>\r\nDATA\r\nFrom: ceo@greyfordvale.gov.uk\r\nSubject: smuggled\r\n\r\npay the invoice\r\n';

describe('message framing', () => {
  let sink: Sink;
  let relay: TestRelay;
  beforeAll(async () => {
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { maxMessageBytes: 50_000, maxRecipients: 100, maxReceivedHeaders: 50 } });
  });
  afterAll(async () => {
    await relay.close();
    await sink.close();
  });

  // SEC Consult's end-of-data variants: a lenient next hop could take them as the end of the message
  it.each([
    ['\\n.\\r\\n', '\n.\r\n'],
    ['\\n.\\n', '\n.\n'],
    ['\\r.\\r\\n', '\r.\r\n'],
    ['\\r\\n.\\r', '\r\n.\r'],
    ['\\r\\n.\\n', '\r\n.\n'],
  ])('refuses a smuggling sequence %s with 550 5.5.2 and forwards nothing', async (_label, sequence) => {
    const before = sink.messages.length;
    const body = `From: cllr.amber@greyfordvale.gov.uk\r\nSubject: hello\r\n\r\nfirst part${sequence}${SMUGGLED}\r\n.\r\n`;
    const replies = await rawDialogue(relay.port, [...ENVELOPE, body, 'QUIT\r\n']);
    const dataReply = replies.find((line) => /^(250|550) .*(5\.5\.2|relayed)/.test(line));
    expect(dataReply).toMatch(/^550 5\.5\.2 Bare (LF|CR)/);
    // the smuggled commands were data, not a second transaction
    expect(replies.filter((line) => line.startsWith('250 2.0.0'))).toHaveLength(0);
    expect(sink.messages.length).toBe(before);
  });

  it('refuses a bare LF even when everything is sent in one write', async () => {
    const before = sink.messages.length;
    const replies = await rawDialogue(relay.port, [...ENVELOPE, `Subject: x\r\n\r\nline\nline\r\n.\r\n`, 'QUIT\r\n'], { pipelined: true });
    expect(replies.some((line) => line.startsWith('550 5.5.2 Bare LF'))).toBe(true);
    expect(sink.messages.length).toBe(before);
  });

  it('refuses a message with a NUL byte with 554 5.6.0, saying why, and forwards nothing', async () => {
    const before = sink.messages.length;
    const replies = await rawDialogue(relay.port, [...ENVELOPE, 'Subject: x\r\n\r\nbefore\u0000after\r\n.\r\n', 'QUIT\r\n']);
    expect(replies.some((line) => /^554 5\.6\.0 .*NUL/.test(line))).toBe(true);
    expect(sink.messages.length).toBe(before);
  });

  it('refuses a declared SIZE over the limit at MAIL FROM', async () => {
    const replies = await rawDialogue(relay.port, ['EHLO client.test\r\n', 'MAIL FROM:<a@example.org> SIZE=60000\r\n', 'QUIT\r\n']);
    expect(replies).toContain('250 SIZE 50000');
    expect(replies.some((line) => /^552 .*maximum message size/.test(line))).toBe(true);
  });

  it('refuses an undeclared oversize message after the final dot, forwarding nothing, and accepts one just under', async () => {
    const before = sink.messages.length;
    const head = 'From: a@example.org\r\nTo: rachel.finch@greyfordvale.gov.uk\r\nSubject: big\r\n\r\n';
    const tooBig = await sendThrough(relay.port, { from: 'a@example.org', to: ['rachel.finch@greyfordvale.gov.uk'] }, head + `${'x'.repeat(70)}\r\n`.repeat(800));
    expect(tooBig.ok).toBe(false);
    expect(tooBig.responseCode).toBe(552);
    expect(sink.messages.length).toBe(before);
    // the client adds a final CRLF; the limit applies to the bytes received
    const fits = head + 'y'.repeat(50_000 - head.length - 2);
    const accepted = await sendThrough(relay.port, { from: 'a@example.org', to: ['rachel.finch@greyfordvale.gov.uk'] }, fits);
    expect(accepted.ok, accepted.response).toBe(true);
  });

  it('answers 452 4.5.3 past the recipient limit and forwards only the accepted recipients', async () => {
    const before = sink.messages.length;
    const rcpts = Array.from({ length: 101 }, (_, i) => `RCPT TO:<r${i}@example.org>\r\n`);
    const replies = await rawDialogue(
      relay.port,
      ['EHLO client.test\r\n', 'MAIL FROM:<a@example.org>\r\n', ...rcpts, 'DATA\r\n', 'Subject: many\r\n\r\nhello\r\n.\r\n', 'QUIT\r\n'],
    );
    expect(replies.filter((line) => line.startsWith('452 4.5.3'))).toHaveLength(1);
    await sink.waitFor(before + 1);
    expect(sink.messages[before]!.rcptTo).toHaveLength(100);
  });

  it('refuses a looping message (too many Received lines) with 554 5.4.6', async () => {
    const received = Array.from({ length: 50 }, (_, i) => `Received: from hop${i}.example by hop${i + 1}.example; Mon, 23 Nov 2026 10:00:00 +0000`).join('\r\n');
    const result = await sendThrough(relay.port, { from: 'a@example.org', to: ['b@example.org'] }, `${received}\r\nSubject: loop\r\n\r\nround and round\r\n`);
    expect(result.responseCode).toBe(554);
    expect(result.response).toMatch(/5\.4\.6 Too many hops/);
  });

  it('passes 49 Received lines', async () => {
    const received = Array.from({ length: 49 }, (_, i) => `Received: from hop${i}.example by hop${i + 1}.example; Mon, 23 Nov 2026 10:00:00 +0000`).join('\r\n');
    const result = await sendThrough(relay.port, { from: 'a@example.org', to: ['b@example.org'] }, `${received}\r\nSubject: ok\r\n\r\nfine\r\n`);
    expect(result.ok, result.response).toBe(true);
  });

  it('forwards the null sender <> and an internationalised address unchanged', async () => {
    const before = sink.messages.length;
    const bounce = await sendThrough(relay.port, { from: '', to: ['rachel.finch@greyfordvale.gov.uk'] }, 'Subject: Undeliverable\r\n\r\nbounce\r\n');
    expect(bounce.ok, bounce.response).toBe(true);
    expect(sink.messages[before]!.mailFrom).toBe('');
    const utf8 = await sendThrough(relay.port, { from: 'josé@example.org', to: ['rachel.finch@greyfordvale.gov.uk'] }, 'Subject: hola\r\n\r\nhola\r\n');
    expect(utf8.ok, utf8.response).toBe(true);
    expect(sink.messages[before + 1]!.mailFrom).toBe('josé@example.org');
    expect(sink.messages[before + 1]!.mailParams.SMTPUTF8).toBe(true);
  });

  it('prepends its header above one that arrived in the message, leaving that one untouched, and counts such arrivals', async () => {
    const before = sink.messages.length;
    const arrivals = relay.relay.stats().arrivedWithScreeningHeader;
    const message = 'X-Member-Officer-Screening: action=deliver; findings=none\r\nSubject: forged verdict\r\n\r\nbody\r\n';
    const result = await sendThrough(relay.port, { from: 'a@example.org', to: ['b@example.org'] }, message);
    expect(result.ok).toBe(true);
    const text = sink.messages[before]!.raw.toString('latin1');
    const headers = [...text.matchAll(/^X-Member-Officer-Screening: .*$/gm)].map((m) => m[0]);
    expect(headers).toHaveLength(2);
    expect(text.endsWith(message)).toBe(true);
    expect(relay.relay.stats().arrivedWithScreeningHeader).toBe(arrivals + 1);
  });
});

describe('header and line limits', () => {
  let sink: Sink;
  let relay: TestRelay;
  beforeAll(async () => {
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { maxHeaderBytes: 10_000, maxLineBytes: 2_000 } });
  });
  afterAll(async () => {
    await relay.close();
    await sink.close();
  });

  it('refuses a header section over the limit with 552 5.3.4', async () => {
    const header = Array.from({ length: 300 }, (_, i) => `X-Filler-${i}: ${'h'.repeat(60)}`).join('\r\n');
    const result = await sendThrough(relay.port, { from: 'a@example.org', to: ['b@example.org'] }, `${header}\r\nSubject: big header\r\n\r\nbody\r\n`);
    expect(result.responseCode).toBe(552);
    expect(result.response).toMatch(/5\.3\.4 Header section larger than 10000 bytes/);
  });

  it('refuses a line over the limit with 500 5.5.2 and accepts one at the limit', async () => {
    const long = await sendThrough(relay.port, { from: 'a@example.org', to: ['b@example.org'] }, `Subject: long\r\n\r\n${'x'.repeat(2_000)}\r\n`);
    expect(long.responseCode).toBe(500);
    expect(long.response).toMatch(/5\.5\.2 Line longer than 2000 octets/);
    const fits = await sendThrough(relay.port, { from: 'a@example.org', to: ['b@example.org'] }, `Subject: fits\r\n\r\n${'x'.repeat(1_998)}\r\n`);
    expect(fits.ok, fits.response).toBe(true);
    expect(sink.messages).toHaveLength(1);
  });
});
