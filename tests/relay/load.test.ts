import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../helpers/sink.js';
import { rawDialogue, sendThrough, startRelay, type TestRelay } from '../helpers/relay.js';

/** Opens a connection and resolves with the greeting line. */
function greet(port: number): Promise<{ socket: Socket; greeting: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.once('data', (data) => resolve({ socket, greeting: data.toString().trim() }));
  });
}

describe('relay under hostile load', () => {
  let sink: Sink;
  let relay: TestRelay;
  beforeAll(async () => {
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { maxClients: 3, screening: { workers: 1, timeoutMs: 20_000, maxParseBytes: 10_485_760 } } });
  });
  afterAll(async () => {
    await relay.close();
    await sink.close();
  });

  it('answers 421 to a client past maxClients and serves again once one leaves', async () => {
    const open = await Promise.all([greet(relay.port), greet(relay.port), greet(relay.port)]);
    expect(open.map((c) => c.greeting.slice(0, 3))).toEqual(['220', '220', '220']);
    const extra = await greet(relay.port);
    expect(extra.greeting).toMatch(/^421 /);
    extra.socket.destroy();
    for (const { socket } of open) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const result = await sendThrough(relay.port, { from: 'a@example.org', to: ['b@example.org'] }, 'Subject: after\r\n\r\nfine\r\n');
    expect(result.ok, result.response).toBe(true);
  });

  it('takes 1000 recipients pipelined in one write: 100 accepted, the rest 452, and only the accepted ones forwarded', async () => {
    const before = sink.messages.length;
    const rcpts = Array.from({ length: 1000 }, (_, i) => `RCPT TO:<r${i}@example.org>\r\n`);
    const replies = await rawDialogue(
      relay.port,
      ['EHLO flood.test\r\n', 'MAIL FROM:<a@example.org>\r\n', ...rcpts, 'DATA\r\n', 'Subject: flood\r\n\r\nhello\r\n.\r\n', 'QUIT\r\n'],
      { pipelined: true, settleMs: 3_000 },
    );
    expect(replies.filter((line) => line.startsWith('452 4.5.3'))).toHaveLength(900);
    await sink.waitFor(before + 1);
    expect(sink.messages[before]!.rcptTo).toEqual(Array.from({ length: 100 }, (_, i) => `r${i}@example.org`));
  });

  it('stays responsive to other clients while a large message is screened', async () => {
    const probe = await greet(relay.port);
    // 9 MB of prose: parsing it takes the screening thread a long time; the SMTP thread must not notice
    const prose = 'Residents on Castle Street have asked me when the resurfacing will start and whether parking will be suspended. ';
    const body = prose.repeat(Math.ceil(9_000_000 / prose.length)).replace(/(.{1,76})( |$)/g, '$1\r\n');
    let settled = false;
    const heavy = sendThrough(relay.port, { from: 'a@example.org', to: ['b@example.org'] }, `From: a@example.org\r\nSubject: long\r\n\r\n${body}`).finally(() => {
      settled = true;
    });
    const latencies: number[] = [];
    while (!settled) {
      const started = performance.now();
      await new Promise<void>((resolve) => {
        probe.socket.once('data', () => resolve());
        probe.socket.write('NOOP\r\n');
      });
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    probe.socket.destroy();
    const result = await heavy;
    expect(result.ok, result.response).toBe(true);
    // the probes overlapped the screening, and none waited for it
    expect(latencies.length).toBeGreaterThan(10);
    expect(Math.max(...latencies)).toBeLessThan(200);
  }, 60_000);
});

describe('several messages in one screening worker at once', () => {
  it('gives each message its own verdict: the held ones are exactly those that commit the Council', async () => {
    const sink = await startSink();
    const held: string[] = [];
    const relay = await startRelay(
      sink.address,
      { relay: { screening: { workers: 1, timeoutMs: 20_000, maxParseBytes: 10_485_760 } } },
      {
        review: async (_status, result) => {
          held.push(result.message.subject);
          return `review-${held.length}`;
        },
      },
    );
    const message = (index: number): string => {
      const commits = index % 2 === 0;
      const body = commits
        ? 'Please proceed with the resurfacing works on Castle Street. The Council will pay your invoice in full.'
        : 'Residents on Castle Street have asked when the resurfacing will start. Could you let me know the programme?';
      return `From: cllr.hadley@greyfordvale.gov.uk\r\nTo: imran.shah@greyfordvale.gov.uk\r\nSubject: Castle Street ${index} ${commits ? 'order' : 'question'}\r\n\r\n${body}\r\n`;
    };
    try {
      const replies = await Promise.all(
        Array.from({ length: 12 }, (_, index) => sendThrough(relay.port, { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] }, message(index))),
      );
      expect(replies.every((reply) => reply.ok)).toBe(true);
      expect(held.sort()).toEqual(['0', '2', '4', '6', '8', '10'].map((index) => `Castle Street ${index} order`).sort());
      const forwarded = sink.messages.map((received) => received.raw.toString());
      expect(forwarded).toHaveLength(6);
      for (const raw of forwarded) {
        expect(raw).toMatch(/^Subject: Castle Street \d+ question$/m);
        expect(raw).toMatch(/^X-Member-Officer-Screening: action=deliver; findings=none$/m);
      }
    } finally {
      await relay.close();
      await sink.close();
    }
  });
});
