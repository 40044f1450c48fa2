import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../helpers/sink.js';
import { sendThrough, startRelay, type TestRelay } from '../helpers/relay.js';
import { NextHopClient } from '../../src/relay/forward.js';
import { silentLogger } from '../../src/log.js';

const MESSAGE = 'From: cllr.pryce@greyfordvale.gov.uk\r\nTo: imran.shah@greyfordvale.gov.uk\r\nSubject: Street lights\r\n\r\nThe lights on Abbey Road are out again.\r\n';
const ENVELOPE = { from: 'cllr.pryce@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk', 'david.osei@greyfordvale.gov.uk'] };

let sink: Sink | undefined;
let relay: TestRelay | undefined;
afterEach(async () => {
  await relay?.close();
  await sink?.close();
  relay = undefined;
  sink = undefined;
});

describe('when the next hop does not accept the message', () => {

  it('answers 451 4.4.1 when the next hop refuses connections, so the sender keeps the message', async () => {
    const closed = await startSink();
    const address = closed.address;
    await closed.close();
    relay = await startRelay(address);
    const result = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(result.ok).toBe(false);
    expect(result.responseCode).toBe(451);
    expect(result.response).toMatch(/^451 4\.4\.1 Next hop .* unavailable/);
  });

  it('answers 451 4.4.2 when the next hop is too slow, within the configured time', async () => {
    sink = await startSink();
    sink.faults.delayDataMs = 3_000;
    relay = await startRelay(sink.address, { relay: { nextHopTimeoutMs: 1_000 } });
    const started = Date.now();
    const result = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(result.responseCode).toBe(451);
    expect(result.response).toMatch(/4\.4\.2/);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('defers the whole message when the next hop refuses one recipient, and delivers none of it', async () => {
    sink = await startSink();
    sink.faults.rejectRcpt = new Map([['david.osei@greyfordvale.gov.uk', { code: 550, message: 'No such user' }]]);
    relay = await startRelay(sink.address);
    const result = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(result.responseCode).toBe(451);
    expect(result.response).toMatch(/4\.5\.0 Next hop refused some recipients: <david\.osei@greyfordvale\.gov\.uk> \(550 No such user\)/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.messages).toHaveLength(0);
    // the pooled connection was dropped; the next message goes through cleanly
    sink.faults.rejectRcpt = undefined;
    const retry = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(retry.ok, retry.response).toBe(true);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.rcptTo).toEqual(ENVELOPE.to);
  });

  it('mirrors a permanent refusal of every recipient', async () => {
    sink = await startSink();
    sink.faults.rejectRcpt = new Map(ENVELOPE.to.map((address) => [address, { code: 550, message: '5.1.1 Mailbox unknown' }]));
    relay = await startRelay(sink.address);
    const result = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(result.responseCode).toBe(550);
    expect(result.response).toMatch(/^550 5\.1\.1 Next hop refused the recipients/);
  });

  it('mirrors the class of the next hop reply to the end of data', async () => {
    sink = await startSink();
    sink.faults.rejectData = { code: 554, message: '5.7.1 Rejected by content policy' };
    relay = await startRelay(sink.address);
    const permanent = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(permanent.responseCode).toBe(554);
    expect(permanent.response).toMatch(/5\.7\.1 Next hop refused the message: 554 5\.7\.1 Rejected by content policy/);
    sink.faults.rejectData = { code: 452, message: '4.3.1 Insufficient system storage' };
    const temporary = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(temporary.responseCode).toBe(451);
    expect(temporary.response).toMatch(/4\.3\.1/);
  });

  it('answers 451 when the next hop drops the connection after the final dot, and keeps running', async () => {
    sink = await startSink();
    sink.faults.dropAfterData = true;
    relay = await startRelay(sink.address);
    const result = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(result.responseCode).toBe(451);
    sink.faults.dropAfterData = false;
    const next = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(next.ok, next.response).toBe(true);
  });

  it.each([
    ['a small message, held in memory', 'this message never ends'],
    ['a large message, already on disk', 'a line of the committee papers that goes on and on\r\n'.repeat(8_000)],
  ])('forwards nothing and keeps nothing when the client disconnects in the middle of DATA: %s', async (_case, body) => {
    sink = await startSink();
    const spoolDirectory = mkdtempSync(join(tmpdir(), 'mog-spool-test-'));
    relay = await startRelay(sink.address, { relay: { spool: { directory: spoolDirectory, aboveBytes: 256 * 1024 } } });
    const port = relay.port;
    let spooledWhileArriving = 0;
    const large = body.length > 256 * 1024;
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      const script = ['EHLO client.test\r\n', 'MAIL FROM:<a@example.org>\r\n', 'RCPT TO:<imran.shah@greyfordvale.gov.uk>\r\n', 'DATA\r\n'];
      let step = 0;
      socket.on('data', (data) => {
        const text = data.toString();
        if (/^(220|250|354) /m.test(text)) {
          const next = script[step++];
          if (next) socket.write(next);
          else if (text.startsWith('354')) {
            socket.write(`Subject: half\r\n\r\n${body}`);
            // a large message is dropped once it has reached the disk, a small one straight away
            const dropAt = Date.now() + 10_000;
            const drop = (): void => {
              spooledWhileArriving = readdirSync(spoolDirectory).length;
              if (large && spooledWhileArriving === 0 && Date.now() < dropAt) return void setTimeout(drop, 20);
              socket.destroy();
              resolve();
            };
            setTimeout(drop, 20);
          }
        }
      });
      socket.on('error', () => resolve());
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.messages).toHaveLength(0);
    expect(spooledWhileArriving).toBe(large ? 1 : 0);
    // nothing of the dropped session is left behind, in memory or on disk
    expect(relay.relay.stats()).toMatchObject({ connections: 0, transactions: 0, backgroundTasks: 0, spoolFiles: 0, clientAddresses: 0, commandTimers: 0 });
    expect(readdirSync(spoolDirectory)).toEqual([]);
    // the relay still serves the next client
    const result = await sendThrough(port, ENVELOPE, MESSAGE);
    expect(result.ok, result.response).toBe(true);
    rmSync(spoolDirectory, { recursive: true, force: true });
  });
});

describe('the next hop hears the envelope while the message is screened', () => {
  const ORDER = 'From: cllr.hadley@greyfordvale.gov.uk\r\nTo: imran.shah@greyfordvale.gov.uk\r\nSubject: Castle Street order\r\n\r\nPlease proceed with the resurfacing works on Castle Street. The Council will pay your invoice in full.\r\n';
  const HADLEY = { from: 'cllr.hadley@greyfordvale.gov.uk', to: ['imran.shah@greyfordvale.gov.uk'] };

  const holdingRelay = async (address: string, held: string[]): Promise<TestRelay> =>
    startRelay(address, { relay: { screening: { workers: 1, timeoutMs: 20_000, maxParseBytes: 10_485_760 } } }, {
      review: async (_status, result) => {
        held.push(result.message.subject);
        return `review-${held.length}`;
      },
    });

  it('declares a SIZE to the next hop that covers the header lines added after screening', async () => {
    // a next hop that advertises SIZE is told one
    sink = await startSink({ size: 10 * 1024 * 1024 });
    relay = await startRelay(sink.address);
    const result = await sendThrough(relay.port, { ...ENVELOPE, size: MESSAGE.length }, MESSAGE);
    expect(result.ok, result.response).toBe(true);
    const forwarded = sink.messages[0]!;
    expect(forwarded.raw.toString('latin1')).toMatch(/^Received: [\s\S]*X-Member-Officer-Screening: action=deliver; findings=none\r\nFrom: cllr\.pryce/);
    const declared = Number(forwarded.mailParams.SIZE);
    expect(declared).toBeGreaterThanOrEqual(forwarded.raw.length);
    expect(declared).toBeLessThan(forwarded.raw.length + 2_048);
  });

  it('withdraws a held message before the final dot: the next hop heard its envelope, received nothing, and takes the next message on', async () => {
    sink = await startSink();
    const held: string[] = [];
    relay = await holdingRelay(sink.address, held);
    // one message first, so the held one finds a connection to the next hop already open
    expect((await sendThrough(relay.port, ENVELOPE, MESSAGE)).ok).toBe(true);
    const hold = await sendThrough(relay.port, HADLEY, ORDER);
    expect(hold.ok, hold.response).toBe(true);
    expect(hold.response).toMatch(/Held for review by the Monitoring Officer \(review review-1\)/);
    expect(held).toEqual(['Castle Street order']);
    expect(sink.mailFroms).toContain(HADLEY.from);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.messages.map((received) => received.mailFrom)).toEqual([ENVELOPE.from]);
    const next = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(next.ok, next.response).toBe(true);
    expect(sink.messages).toHaveLength(2);
    expect(sink.messages[1]!.raw.toString('latin1').endsWith(MESSAGE)).toBe(true);
  });

  it('withdraws the message from the next hop when the client leaves while it is being screened', async () => {
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { screening: { workers: 1, timeoutMs: 20_000, maxParseBytes: 10_485_760 } } });
    const port = relay.port;
    // enough prose that screening is still running when the next hop has heard the envelope
    const body = 'Residents on Castle Street have asked me when the resurfacing will start and whether parking will be suspended.\r\n'.repeat(12_000);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const script = ['EHLO client.test\r\n', `MAIL FROM:<${ENVELOPE.from}>\r\n`, `RCPT TO:<${ENVELOPE.to[0]}>\r\n`, 'DATA\r\n', `Subject: Castle Street\r\n\r\n${body}.\r\n`];
    let step = 0;
    const replies: string[] = [];
    socket.on('data', (data) => {
      const text = data.toString();
      replies.push(text);
      if (/^(220|250|354) /m.test(text) && step < script.length) socket.write(script[step++]!);
    });
    const deadline = Date.now() + 10_000;
    const until = async (done: () => boolean): Promise<void> => {
      while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    await until(() => sink!.mailFroms.includes(ENVELOPE.from));
    expect(sink.mailFroms).toContain(ENVELOPE.from);
    const closedBefore = sink.closedConnections();
    socket.destroy();
    // once screening ends the relay finds the client gone and closes the next hop's connection before the final dot
    await until(() => sink!.closedConnections() > closedBefore);
    expect(sink.closedConnections()).toBe(closedBefore + 1);
    // the client heard nothing after DATA's 354, so it will send the message again
    expect(replies.join('').split(/^354 .*$/m)[1]).toBe('\r\n');
    expect(sink.messages).toHaveLength(0);
    expect(relay.relay.stats()).toMatchObject({ connections: 0, transactions: 0 });
    const next = await sendThrough(port, ENVELOPE, MESSAGE);
    expect(next.ok, next.response).toBe(true);
    expect(sink.messages).toHaveLength(1);
  });

  it('does not count the time screening takes against the next hop, which has answered DATA and waits', async () => {
    sink = await startSink();
    // the next hop must answer each step within 300 ms; screening this message takes longer
    relay = await startRelay(sink.address, { relay: { nextHopTimeoutMs: 300, screening: { workers: 1, timeoutMs: 20_000, maxParseBytes: 10_485_760 } } });
    const body = 'Residents on Castle Street have asked me when the resurfacing will start and whether parking will be suspended.\r\n'.repeat(30_000);
    const message = `From: cllr.pryce@greyfordvale.gov.uk\r\nTo: imran.shah@greyfordvale.gov.uk\r\nSubject: Castle Street\r\n\r\n${body}`;
    const started = Date.now();
    const result = await sendThrough(relay.port, ENVELOPE, message);
    const took = Date.now() - started;
    expect(result.ok, result.response).toBe(true);
    expect(took).toBeGreaterThan(300);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.raw.toString('latin1').endsWith(message)).toBe(true);
  });

  it('keeps no more connections to the next hop waiting on screening than its pool holds, and delivers every message', async () => {
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { nextHopPoolSize: 2, screening: { workers: 1, timeoutMs: 20_000, maxParseBytes: 10_485_760 } } });
    // deliveries that hold a next-hop connection while their header lines are still being decided
    let waiting = 0;
    let mostWaiting = 0;
    const nextHop = relay.nextHop;
    const deliver = nextHop.deliver.bind(nextHop);
    nextHop.deliver = (envelope, prefix, raw) => {
      if (!Buffer.isBuffer(prefix)) {
        waiting += 1;
        mostWaiting = Math.max(mostWaiting, waiting);
        const decided = (): void => {
          waiting -= 1;
        };
        prefix.lines.then(decided, decided);
      }
      return deliver(envelope, prefix, raw);
    };
    const port = relay.port;
    const replies = await Promise.all(Array.from({ length: 12 }, () => sendThrough(port, ENVELOPE, MESSAGE)));
    expect(replies.filter((reply) => !reply.ok).map((reply) => reply.response)).toEqual([]);
    expect(sink.messages).toHaveLength(12);
    // the first messages start early; the rest are delivered once screened, however many are waiting
    expect(mostWaiting).toBeGreaterThanOrEqual(1);
    expect(mostWaiting).toBeLessThanOrEqual(2);
  });

  it('holds a message for review whatever the next hop says about its sender, and does not wait for a slow one', async () => {
    sink = await startSink();
    const held: string[] = [];
    relay = await holdingRelay(sink.address, held);
    sink.faults.rejectMailFrom = { code: 550, message: '5.7.1 Sender not allowed' };
    const refusedSender = await sendThrough(relay.port, HADLEY, ORDER);
    expect(refusedSender.ok, refusedSender.response).toBe(true);
    expect(refusedSender.response).toMatch(/Held for review/);
    // a message that is delivered still gets the next hop's refusal
    const delivered = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(delivered.responseCode).toBe(550);
    expect(delivered.response).toMatch(/5\.7\.1 Next hop refused the sender: 550 5\.7\.1 Sender not allowed/);

    sink.faults.rejectMailFrom = undefined;
    sink.faults.delayMailFromMs = 3_000;
    const started = Date.now();
    const slowNextHop = await sendThrough(relay.port, HADLEY, ORDER);
    expect(slowNextHop.response).toMatch(/Held for review/);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(held).toHaveLength(2);
    expect(sink.messages).toHaveLength(0);
  });
});

describe('pooled connections to the next hop', () => {
  const envelope = { mailFrom: 'jo.bloggs@example.org', rcptTo: ['imran.shah@greyfordvale.gov.uk'] };
  const message = Buffer.from('Subject: pooled\r\n\r\nbody\r\n');

  async function deliverThree(sink: Sink, maxConnectionAgeMs?: number): Promise<number> {
    const client = new NextHopClient({ address: sink.address, hostname: 'gateway.test', poolSize: 2, timeoutMs: 5_000, logger: silentLogger, ...(maxConnectionAgeMs === undefined ? {} : { maxConnectionAgeMs }) });
    try {
      for (let i = 0; i < 3; i += 1) await client.deliver(envelope, Buffer.alloc(0), message);
      // a connection closed on release is gone by the time the sink has seen the QUIT
      await new Promise((resolve) => setTimeout(resolve, 200));
      return sink.closedConnections();
    } finally {
      await client.close();
    }
  }

  it('reuses one connection while it is young, and stops reusing it once it is older than the limit', async () => {
    for (const [limit, closed] of [[undefined, 0], [0, 3]] as const) {
      const sink = await startSink();
      try {
        // with a limit of 0 every connection is too old once its delivery ends: each is closed, none reused
        expect(await deliverThree(sink, limit)).toBe(closed);
        expect(sink.messages).toHaveLength(3);
      } finally {
        await sink.close();
      }
    }
  });
});
