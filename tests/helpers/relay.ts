import { connect, type Socket } from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';
import { nextHopClientFor, type NextHopClient } from '../../src/relay/forward.js';
import { Screener } from '../../src/relay/screener.js';
import { Relay, type RelayEffects } from '../../src/relay/server.js';
import { configWith } from './config.js';

export interface TestRelay {
  readonly port: number;
  readonly config: Config;
  readonly relay: Relay;
  /** the relay's client for the next hop */
  readonly nextHop: NextHopClient;
  close(): Promise<void>;
}

/** The relay on an ephemeral loopback port, forwarding to `nextHop`. */
export async function startRelay(
  nextHop: string,
  overrides: { relay?: Partial<NonNullable<ConfigInput['relay']>>; filters?: ConfigInput['filters'] } & Partial<ConfigInput> = {},
  effects?: RelayEffects,
): Promise<TestRelay> {
  const { relay: relayOverrides, ...rest } = overrides;
  const config = configWith({
    ...rest,
    relay: { listen: '127.0.0.1:0', nextHop, hostname: 'gateway.test', nextHopTimeoutMs: 5_000, nextHopPoolSize: 4, ...relayOverrides, screening: { workers: 0, ...relayOverrides?.screening } },
  });
  const screener = new Screener(config, silentLogger);
  const client = nextHopClientFor(config, silentLogger);
  const relay = new Relay({ config, logger: silentLogger, screener, nextHop: client, ...(effects ? { effects } : {}) });
  const port = await relay.listen();
  return {
    port,
    config,
    relay,
    nextHop: client,
    async close() {
      await relay.close();
      await client.close();
      await screener.close();
    },
  };
}

export interface SendResult {
  readonly ok: boolean;
  readonly response: string;
  readonly responseCode?: number;
}

/** Sends a message with nodemailer's SMTP client, as a sending MTA would. */
export async function sendThrough(
  port: number,
  envelope: { from: string; to: string[]; use8BitMime?: boolean; size?: number; dsn?: { ret?: string; envid?: string; notify?: string; orcpt?: string } },
  message: string | Buffer,
  /** `localAddress`: connect from another loopback address (127.0.0.2 …), to tell clients apart */
  client: { localAddress?: string } = {},
): Promise<SendResult> {
  const connection = new SMTPConnection({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, allowInternalNetworkInterfaces: true, logger: false, ...client });
  try {
    await new Promise<void>((resolve, reject) => {
      connection.once('error', reject);
      connection.connect(() => resolve());
    });
    return await new Promise<SendResult>((resolve) => {
      // SMTPConnection keeps the envelope object it is given as the state of its transaction and
      // writes the accepted recipients into it: callers share one envelope between concurrent sends
      connection.send({ ...envelope, to: [...envelope.to] }, message, (error, info) => {
        if (error) {
          const failure = error as Error & { response?: string; responseCode?: number };
          resolve({ ok: false, response: failure.response ?? failure.message, ...(failure.responseCode ? { responseCode: failure.responseCode } : {}) });
        } else resolve({ ok: true, response: String(info.response) });
      });
    });
  } finally {
    connection.close();
  }
}

/**
 * A raw SMTP dialogue: writes each chunk after the previous reply (or all at once when
 * `pipelined`), and collects every reply line. For framing attacks no library client allows.
 */
export async function rawDialogue(port: number, chunks: readonly (string | Buffer)[], options: { pipelined?: boolean; settleMs?: number } = {}): Promise<string[]> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const replies: string[] = [];
  let buffer = '';
  let waiter: (() => void) | undefined;
  socket.on('data', (data) => {
    buffer += data.toString('latin1');
    let index = buffer.indexOf('\r\n');
    while (index !== -1) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 2);
      replies.push(line);
      if (/^\d{3} /.test(line)) waiter?.();
      index = buffer.indexOf('\r\n');
    }
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  const nextReply = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.settleMs ?? 5_000);
      waiter = () => {
        clearTimeout(timer);
        waiter = undefined;
        resolve();
      };
    });
  await nextReply();
  if (options.pipelined) {
    socket.write(Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk))));
    await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 1_500));
  } else {
    for (const chunk of chunks) {
      const reply = nextReply();
      socket.write(chunk);
      await reply;
    }
  }
  socket.end();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1_000))]);
  socket.destroy();
  return replies;
}

/** The bytes the sink received, with the header lines the gateway added removed. */
export function withoutAddedHeaders(received: Buffer): { added: string; rest: Buffer } {
  let offset = 0;
  const text = received.toString('latin1');
  const addedNames = /^(Received: from [^\r\n]*\r\n(?:\t[^\r\n]*\r\n)*)|^(X-Member-Officer-Screening: [^\r\n]*\r\n)/;
  for (;;) {
    const match = addedNames.exec(text.slice(offset));
    if (!match || (!text.slice(offset).startsWith('X-Member-Officer-Screening') && !match[0].includes('(member-officer-gateway)'))) break;
    offset += match[0].length;
  }
  return { added: text.slice(0, offset), rest: received.subarray(offset) };
}
