import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendThrough, startRelay, type TestRelay } from '../helpers/relay.js';
import { startSink, type Sink } from '../helpers/sink.js';

const ENVELOPE = { from: 'cllr.amber@greyfordvale.gov.uk', to: ['helen.marsh@greyfordvale.gov.uk'] };
const MESSAGE = 'From: cllr.amber@greyfordvale.gov.uk\r\nTo: helen.marsh@greyfordvale.gov.uk\r\nSubject: Allotments\r\n\r\nThe allotment waiting list has not moved since March.\r\n';

/** A client on a raw socket: every line the gateway sends, and when the connection closed. */
interface RawClient {
  readonly socket: Socket;
  readonly lines: string[];
  /** the time, in ms since connecting, at which the gateway closed the connection (Infinity: not within 5 s) */
  readonly closed: Promise<number>;
  /** resolves with the next complete reply from now on, which must carry `code` */
  reply(code: string): Promise<string>;
}

function rawClient(port: number): RawClient {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('error', () => {});
  const lines: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  let buffer = '';
  socket.on('data', (data) => {
    buffer += data.toString('latin1');
    for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      lines.push(line);
      // "250-…" continues a reply; "250 …" ends it
      if (/^\d{3} /.test(line)) waiters.shift()?.(line);
    }
  });
  // Infinity when the gateway has not closed it within 5 s
  const closed = Promise.race([
    new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started))),
    new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), 5_000).unref()),
  ]);
  const reply = async (code: string): Promise<string> => {
    const line = await new Promise<string>((resolve) => waiters.push(resolve));
    expect(line.slice(0, 3)).toBe(code);
    return line;
  };
  return { socket, lines, closed, reply };
}

describe('time limits', () => {
  let sink: Sink | undefined;
  let relay: TestRelay | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy();
    await relay?.close();
    await sink?.close();
    relay = undefined;
    sink = undefined;
  });

  it('disconnects a client that goes quiet for socketTimeoutMs with a 421, and serves the next one', async () => {
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { socketTimeoutMs: 600 } });
    const client = rawClient(relay.port);
    clients.push(client);
    await client.reply('220');
    client.socket.write('EHLO quiet.test\r\n');
    await client.reply('250');
    const closedAfter = await client.closed;
    expect(client.lines.at(-1)).toMatch(/^421 /);
    expect(closedAfter).toBeGreaterThanOrEqual(600);
    expect(closedAfter).toBeLessThan(5_000);
    expect(relay.relay.stats().connections).toBe(0);

    const next = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(next.ok, next.response).toBe(true);
  });

  it('closes a transaction that outlives transactionTimeoutMs with 421 4.4.2, even while data keeps trickling in, forwards nothing and keeps no transaction', async () => {
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { socketTimeoutMs: 10_000, transactionTimeoutMs: 800 } });
    const client = rawClient(relay.port);
    clients.push(client);
    await client.reply('220');
    client.socket.write('EHLO slow.test\r\n');
    await client.reply('250');
    client.socket.write(`MAIL FROM:<${ENVELOPE.from}>\r\n`);
    await client.reply('250');
    client.socket.write(`RCPT TO:<${ENVELOPE.to[0]}>\r\n`);
    await client.reply('250');
    client.socket.write('DATA\r\n');
    await client.reply('354');
    // a line every 100 ms: never idle long enough for the idle limit, never finished
    const trickle = setInterval(() => {
      if (!client.socket.destroyed && client.socket.writable) client.socket.write('The allotment waiting list has not moved since March.\r\n');
    }, 100);
    try {
      const closedAfter = await client.closed;
      expect(closedAfter).toBeLessThan(5_000);
    } finally {
      clearInterval(trickle);
    }
    expect(client.lines.at(-1)).toBe('421 4.4.2 Transaction time limit exceeded');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.messages).toHaveLength(0);
    expect(relay.relay.stats()).toMatchObject({ connections: 0, transactions: 0 });

    // a transaction that ends in time on a new connection is relayed
    const next = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(next.ok, next.response).toBe(true);
    expect(sink.messages).toHaveLength(1);
  });

  it('closes a client that keeps trickling commands without starting a message within commandTimeoutMs, and serves the next one', async () => {
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { socketTimeoutMs: 10_000, commandTimeoutMs: 700 } });
    const client = rawClient(relay.port);
    clients.push(client);
    await client.reply('220');
    // a byte every 50 ms: the idle limit never fires, and no command ever completes
    const bytes = 'EHLO trickle.test and so on and so on and so on and so on and so on and so on\r\n';
    let sent = 0;
    const trickle = setInterval(() => {
      if (!client.socket.destroyed && client.socket.writable && sent < bytes.length) client.socket.write(bytes[sent++] as string);
    }, 50);
    try {
      const closedAfter = await client.closed;
      expect(closedAfter).toBeGreaterThanOrEqual(700);
      expect(closedAfter).toBeLessThan(5_000);
    } finally {
      clearInterval(trickle);
    }
    expect(client.lines.at(-1)).toBe('421 4.4.2 Command time limit exceeded');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(relay.relay.stats()).toMatchObject({ connections: 0, clientAddresses: 0, commandTimers: 0 });

    // NOOPs that complete do not extend it either
    const chatty = rawClient(relay.port);
    clients.push(chatty);
    await chatty.reply('220');
    const noop = setInterval(() => {
      if (!chatty.socket.destroyed && chatty.socket.writable) chatty.socket.write('NOOP\r\n');
    }, 100);
    try {
      expect(await chatty.closed).toBeLessThan(5_000);
    } finally {
      clearInterval(noop);
    }
    expect(chatty.lines.at(-1)).toBe('421 4.4.2 Command time limit exceeded');

    // a client that sends its messages in time is served, more than one on a connection
    const first = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(first.ok, first.response).toBe(true);
  });

  it('keeps the transaction deadline when a client starts again and again without sending data', async () => {
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { socketTimeoutMs: 10_000, transactionTimeoutMs: 800, commandTimeoutMs: 10_000 } });
    const client = rawClient(relay.port);
    clients.push(client);
    await client.reply('220');
    client.socket.write('EHLO restart.test\r\n');
    await client.reply('250');
    const cycle = async (): Promise<void> => {
      client.socket.write(`MAIL FROM:<${ENVELOPE.from}>\r\n`);
      await client.reply('250');
      client.socket.write('RSET\r\n');
      await client.reply('250');
    };
    const cycling = (async () => {
      while (!client.socket.destroyed) {
        await Promise.race([cycle(), client.closed]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const closedAfter = await client.closed;
    await cycling.catch(() => undefined);
    expect(closedAfter).toBeLessThan(5_000);
    expect(client.lines.at(-1)).toBe('421 4.4.2 Transaction time limit exceeded');
  });

  it('refuses more than maxClientsPerAddress connections from one address with 421, and takes one again when another closes', async () => {
    sink = await startSink();
    relay = await startRelay(sink.address, { relay: { maxClientsPerAddress: 3 } });
    const held = [rawClient(relay.port), rawClient(relay.port), rawClient(relay.port)];
    clients.push(...held);
    for (const client of held) await client.reply('220');
    const refused = rawClient(relay.port);
    clients.push(refused);
    const greeting = await refused.reply('421');
    expect(greeting).toMatch(/^421 4\.7\.0 Too many connections from 127\.0\.0\.1 \(at most 3\)/);
    expect(await refused.closed).toBeLessThan(5_000);
    // a real SMTP client is turned away at the greeting too
    await expect(sendThrough(relay.port, ENVELOPE, MESSAGE)).rejects.toThrow(/421 4\.7\.0 Too many connections/);

    held[0]!.socket.write('QUIT\r\n');
    await held[0]!.closed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await sendThrough(relay.port, ENVELOPE, MESSAGE);
    expect(next.ok, next.response).toBe(true);
    expect(sink.messages).toHaveLength(1);
  });
});
