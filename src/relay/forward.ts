import { hostname as osHostname } from 'node:os';
import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Config } from '../config/schema.js';
import { SmtpReplyError } from '../errors.js';
import type { Logger } from '../log.js';
import { isSpooled, rawLength, rawSlices, SLICE_BYTES, type RawMessage } from '../message/raw.js';

/** What is forwarded: the envelope exactly as the client gave it. */
export interface ForwardEnvelope {
  /** the MAIL FROM address; empty string for the null sender `<>` */
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  /** the client declared BODY=8BITMIME */
  readonly eightBitMime?: boolean;
  /** delivery-status-notification parameters (RFC 3461), decoded from xtext; passed on when the next hop offers DSN */
  readonly dsn?: DsnParameters;
  /**
   * the client the message came from, as XFORWARD attributes (NAME, ADDR, PORT, PROTO, HELO,
   * IDENT, SOURCE): given to a next hop that offers XFORWARD, so its logs and checks see that client
   */
  readonly client?: Readonly<Record<string, string>>;
}

export interface DsnParameters {
  readonly ret?: 'FULL' | 'HDRS';
  readonly envid?: string;
  /** NOTIFY, the same for every recipient */
  readonly notify?: string;
  /** ORCPT ("rfc822;address"), the same for every recipient */
  readonly orcpt?: string;
}

export interface NextHopOptions {
  /** host:port of the next hop */
  readonly address: string;
  /** the name we greet the next hop with */
  readonly hostname: string;
  /** connections kept open for reuse */
  readonly poolSize: number;
  /** longest a whole delivery may take before it is abandoned (451) */
  readonly timeoutMs: number;
  /**
   * longest a delivery begun early may wait, the next hop ready, for its header lines (the
   * screening budget): the connection may sit that much longer without traffic
   */
  readonly prefixWaitMs?: number;
  /**
   * a connection older than this is closed when its delivery ends, not pooled again, so a change
   * at the next hop (a `postfix reload`) reaches every delivery within about this long, even under
   * steady traffic; default 30 s
   */
  readonly maxConnectionAgeMs?: number;
  readonly logger: Logger;
}

/**
 * Header lines that are decided later, while the next hop is already being told the envelope:
 * `lines` resolves with them, or rejects to withdraw the delivery before the final ".". The SIZE
 * declared to the next hop counts `maxBytes` for them.
 */
export interface PendingPrefix {
  readonly lines: Promise<Buffer>;
  readonly maxBytes: number;
}

/** How long an idle pooled connection is kept before it is closed, milliseconds. */
const IDLE_CLOSE_MS = 30_000;
/** what XFORWARD may carry (Postfix's XFORWARD_README) */
const XFORWARD_ATTRIBUTES = new Set(['NAME', 'ADDR', 'PORT', 'PROTO', 'HELO', 'IDENT', 'SOURCE']);

/** RFC 3461 xtext, as XFORWARD values are written: "+", "=" and every byte outside "!".."~" (UTF-8) as "+XX". */
function encodeXText(value: string): string {
  return value.replace(/[^!-*,-<>-~]/gu, (character) =>
    [...Buffer.from(character, 'utf8')].map((byte) => `+${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/** How long a pooled connection is reused at most, milliseconds (see NextHopOptions). */
const MAX_CONNECTION_AGE_MS = 30_000;

interface PooledConnection {
  readonly connection: SMTPConnection;
  readonly openedAt: number;
  /** the next hop offered XFORWARD when greeted */
  xforward: boolean;
  usable: boolean;
  idleTimer?: NodeJS.Timeout;
}

interface RejectedRecipient {
  readonly recipient: string;
  readonly response: string;
  readonly responseCode: number;
}

/** The failure of a delivery attempt, with the reply the SMTP client should get. */
export class NextHopError extends SmtpReplyError {
  constructor(
    responseCode: number,
    message: string,
    /** the message may have reached the next hop although no reply came (timeout after ".") */
    readonly possiblyDelivered = false,
  ) {
    super(responseCode, message, 'NEXT_HOP_FAILED');
  }
}

/**
 * The client side of the relay: delivers the received bytes, with our header lines in front, to
 * the next hop through nodemailer's SMTPConnection. It succeeds only when the next hop accepted
 * the message for every recipient; otherwise it fails before the final "." so nothing is
 * delivered that the client will be told failed.
 */
export class NextHopClient {
  private readonly host: string;
  private readonly port: number;
  private readonly idle: PooledConnection[] = [];
  private dsnOffered: boolean | undefined;
  private readonly busy = new Set<PooledConnection>();
  private closed = false;

  constructor(private readonly options: NextHopOptions) {
    const colon = options.address.lastIndexOf(':');
    this.host = options.address.slice(0, colon).replace(/^\[|\]$/g, '');
    this.port = Number(options.address.slice(colon + 1));
  }

  /**
   * Delivers `prefix` + `raw`; resolves with the next hop's reply, or throws NextHopError. With a
   * pending prefix, MAIL, RCPT and DATA go to the next hop while the prefix is still being
   * decided, and the message follows once it is; a withdrawn prefix closes the connection before
   * the final "." and the delivery rejects with the reason it was withdrawn for.
   */
  async deliver(envelope: ForwardEnvelope, prefix: Buffer | PendingPrefix, raw: RawMessage): Promise<string> {
    if (this.closed) throw new NextHopError(421, '4.3.2 Gateway shutting down, try again later');
    const lines = Buffer.isBuffer(prefix) ? Promise.resolve(prefix) : prefix.lines;
    let withdrawn: { reason: unknown } | undefined;
    // withdrawn while a connection is being found: noted here, acted on below
    lines.catch((reason: unknown) => {
      withdrawn = { reason };
    });
    const deadline = Date.now() + this.options.timeoutMs;
    const pooled = await this.acquire(deadline);
    if (withdrawn) {
      this.release(pooled);
      throw withdrawn.reason;
    }
    if (envelope.client && pooled.xforward) await this.forwardClient(pooled, envelope.client, deadline);
    let finalDotSent = false;
    try {
      const response = await new Promise<string>((resolve, reject) => {
        let settled = false;
        let timer: NodeJS.Timeout | undefined;
        const settle = (outcome: () => void): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          outcome();
        };
        // the next hop is timed only while it is the one being waited for: its clock stops once it
        // has answered DATA and the prefix is still being decided, and starts again when it is known
        let prefixKnown = Buffer.isBuffer(prefix);
        const startClock = (ms: number): void => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            drop(pooled);
            settle(() =>
              reject(
                finalDotSent
                  ? new NextHopError(451, '4.4.2 Next hop did not answer the end of data in time; try again later', true)
                  : new NextHopError(451, '4.4.2 Next hop too slow; try again later'),
              ),
            );
          }, Math.max(1, ms));
        };
        startClock(deadline - Date.now());
        if (!Buffer.isBuffer(prefix)) {
          lines.then(
            () => {
              prefixKnown = true;
              if (!settled) startClock(this.options.timeoutMs);
            },
            (reason: unknown) => {
              drop(pooled);
              settle(() => reject(reason));
            },
          );
        }
        const message = this.messageStream(pooled, lines, raw, {
          onReady: () => {
            if (!prefixKnown) clearTimeout(timer);
          },
          onSent: () => {
            finalDotSent = true;
          },
          onRefused: (refused) => settle(() => reject(partialRefusal(refused))),
          onUnreadable: (error) => {
            this.options.logger.error({ err: error.message }, 'could not read a spooled message back to forward it');
            settle(() => reject(new NextHopError(451, '4.3.0 Local error reading the message back; try again later')));
          },
        });
        pooled.connection.send(
          {
            from: envelope.mailFrom,
            to: [...envelope.rcptTo],
            size: (Buffer.isBuffer(prefix) ? prefix.length : prefix.maxBytes) + rawLength(raw),
            use8BitMime: envelope.eightBitMime === true,
            ...(envelope.dsn ? { dsn: envelope.dsn } : {}),
          },
          message,
          (error, info) => {
            if (error) return settle(() => reject(this.replyFor(error, pooled, finalDotSent)));
            settle(() => resolve(String(info.response ?? '250 OK')));
          },
        );
      });
      this.release(pooled);
      return response;
    } catch (error) {
      pooled.usable = false;
      this.release(pooled);
      throw error;
    }
  }

  /**
   * Whether fewer connections are in use than the pool keeps. A delivery begun before its message
   * is ready holds its connection while it waits; beyond the pool's size, waiting deliveries would
   * open more connections than a next hop such as Postfix accepts from one client.
   */
  hasSpareConnection(): boolean {
    return this.busy.size < this.options.poolSize;
  }

  /**
   * Tells the next hop, with XFORWARD, which client the next message came from. SMTPConnection has
   * no public way to send a command of one's own, so its command queue is used as it uses it. A
   * refusal is logged and the message goes on without: the attributes only inform the next hop.
   */
  private async forwardClient(pooled: PooledConnection, client: Readonly<Record<string, string>>, deadline: number): Promise<void> {
    const attributes = Object.entries(client)
      .filter(([key, value]) => XFORWARD_ATTRIBUTES.has(key) && value.length > 0)
      .map(([key, value]) => `${key}=${encodeXText(value)}`);
    if (attributes.length === 0) return;
    const actions: unknown = Reflect.get(pooled.connection, '_responseActions');
    const sendCommand: unknown = Reflect.get(pooled.connection, '_sendCommand');
    if (!Array.isArray(actions) || typeof sendCommand !== 'function') return;
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await Promise.race([
        new Promise<string>((resolve) => {
          actions.push((response: string) => resolve(String(response)));
          sendCommand.call(pooled.connection, `XFORWARD ${attributes.join(' ')}`);
        }),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new NextHopError(451, '4.4.2 Next hop too slow; try again later')), Math.max(1, deadline - Date.now()));
        }),
      ]);
      if (!reply.startsWith('2')) this.options.logger.warn({ reply: firstLine(reply) }, 'next hop refused XFORWARD: it will see the gateway as the client');
    } catch (error) {
      pooled.usable = false;
      this.release(pooled);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Whether the next hop offered DSN when last greeted: undefined until a connection has been made.
   * The relay offers DSN to its clients only while this is true.
   */
  offersDsn(): boolean | undefined {
    return this.dsnOffered;
  }

  /** Connects, greets and quits: used at start-up to say early when the next hop is unreachable. */
  async probe(): Promise<void> {
    const pooled = await this.acquire(Date.now() + this.options.timeoutMs);
    this.release(pooled);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pooled of this.idle.splice(0)) {
      clearTimeout(pooled.idleTimer);
      pooled.connection.quit();
    }
    for (const pooled of this.busy) pooled.usable = false;
  }

  /**
   * The message as a stream SMTPConnection reads only after the next hop answered DATA, which is
   * the first moment every RCPT reply is known. A recipient refused by then fails the whole
   * message before any byte of it is sent, and the connection is dropped so the next hop
   * discards the transaction. Otherwise the next hop is ready for the message (`onReady`); the
   * prefix goes first, once it is known.
   */
  private messageStream(
    pooled: PooledConnection,
    prefix: Promise<Buffer>,
    raw: RawMessage,
    events: { onReady: () => void; onSent: () => void; onRefused: (refused: readonly RejectedRecipient[]) => void; onUnreadable: (error: Error) => void },
  ): Readable {
    let started = false;
    let prefixSent = false;
    let offset = 0;
    let spooled: AsyncIterator<Buffer> | undefined;
    let reading = false;
    const abandon = (stream: Readable): void => {
      drop(pooled);
      stream.destroy();
    };
    const read = function (this: Readable): void {
      if (!started) {
        started = true;
        const refused = rejectedRecipients(pooled.connection);
        if (refused.length > 0) {
          abandon(this);
          events.onRefused(refused);
          return;
        }
        events.onReady();
      }
      if (!prefixSent) {
        if (reading) return;
        reading = true;
        // a withdrawn prefix is answered in deliver(), which closes the connection
        prefix.then(
          (lines) => {
            reading = false;
            prefixSent = true;
            // an empty chunk would not bring the stream back for more, so the message follows at once
            if (lines.length > 0) this.push(lines);
            else read.call(this);
          },
          () => this.destroy(),
        );
        return;
      }
      if (isSpooled(raw)) {
        // read from disk a slice at a time; the stream asks again after each push
        if (reading) return;
        reading = true;
        spooled ??= rawSlices(raw)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
        spooled.next().then(
          (next) => {
            reading = false;
            if (!next.done) return void this.push(next.value);
            this.push(null);
            events.onSent();
          },
          (error: unknown) => {
            abandon(this);
            events.onUnreadable(error instanceof Error ? error : new Error(String(error)));
          },
        );
        return;
      }
      // views of the message in slices, as the socket drains: the dot-stuffing transform then
      // copies a slice at a time rather than the whole message at once
      while (offset < raw.length) {
        const slice = raw.subarray(offset, Math.min(raw.length, offset + SLICE_BYTES));
        offset += slice.length;
        if (!this.push(slice)) return;
      }
      this.push(null);
      events.onSent();
    };
    return new Readable({ read });
  }

  private replyFor(error: Error & { code?: string; responseCode?: number; response?: string; command?: string }, pooled: PooledConnection, finalDotSent: boolean): NextHopError {
    pooled.usable = false;
    const reply = firstLine(error.response ?? '');
    const code = error.responseCode;
    if (code && code >= 400 && code < 600) {
      const permanent = code >= 500;
      const what = error.command === 'RCPT TO' ? 'recipients' : error.command === 'MAIL FROM' ? 'sender' : 'message';
      const enhanced = /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})/.exec(reply)?.[1] ?? (permanent ? '5.0.0' : '4.0.0');
      return new NextHopError(permanent ? code : 451, `${permanent ? enhanced : enhanced.replace(/^5/, '4')} Next hop refused the ${what}: ${reply || error.message}`);
    }
    if (finalDotSent) {
      this.options.logger.warn({ err: error.message }, 'next hop closed without answering the end of data: the client will retry, a duplicate is possible');
      return new NextHopError(451, '4.4.2 Next hop closed the connection before accepting the message; try again later', true);
    }
    return new NextHopError(451, `4.4.1 Next hop ${this.options.address} unavailable (${error.code ?? 'error'}: ${firstLine(error.message)}); try again later`);
  }

  private async acquire(deadline: number): Promise<PooledConnection> {
    while (this.idle.length > 0) {
      const pooled = this.idle.pop() as PooledConnection;
      clearTimeout(pooled.idleTimer);
      if (pooled.usable) {
        this.busy.add(pooled);
        return pooled;
      }
    }
    const connection = new SMTPConnection({
      host: this.host,
      port: this.port,
      name: this.options.hostname,
      secure: false,
      // the next hop is a trusted local MTA; STARTTLS is used when it offers it
      opportunisticTLS: true,
      tls: { rejectUnauthorized: false },
      connectionTimeout: Math.max(1, deadline - Date.now()),
      greetingTimeout: Math.max(1, deadline - Date.now()),
      socketTimeout: this.options.timeoutMs + (this.options.prefixWaitMs ?? 0),
      allowInternalNetworkInterfaces: true,
      logger: false,
    });
    const pooled: PooledConnection = { connection, openedAt: Date.now(), xforward: false, usable: true };
    connection.on('error', () => {
      pooled.usable = false;
    });
    connection.on('end', () => {
      pooled.usable = false;
    });
    // in use from now, so that deliveries starting while it connects count it
    this.busy.add(pooled);
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error & { code?: string }): void => {
          reject(new NextHopError(451, `4.4.1 Next hop ${this.options.address} unavailable (${error.code ?? 'error'}: ${firstLine(error.message)}); try again later`));
        };
        connection.once('error', onError);
        connection.connect(() => {
          connection.removeListener('error', onError);
          // SMTPConnection keeps the EHLO keywords it was given; it offers no public way to read them
          const extensions: unknown = Reflect.get(connection, '_supportedExtensions');
          this.dsnOffered = Array.isArray(extensions) && extensions.includes('DSN');
          // the keywords above are only those it knows; XFORWARD is read from the EHLO lines it keeps
          const ehloLines: unknown = Reflect.get(connection, '_ehloLines');
          pooled.xforward = Array.isArray(ehloLines) && ehloLines.some((line) => typeof line === 'string' && /^XFORWARD\b/i.test(line));
          resolve();
        });
      });
    } catch (error) {
      this.busy.delete(pooled);
      throw error;
    }
    return pooled;
  }

  private release(pooled: PooledConnection): void {
    this.busy.delete(pooled);
    const tooOld = Date.now() - pooled.openedAt >= (this.options.maxConnectionAgeMs ?? MAX_CONNECTION_AGE_MS);
    if (!pooled.usable || this.closed || tooOld || this.idle.length >= this.options.poolSize) {
      if (pooled.usable) pooled.connection.quit();
      else pooled.connection.close();
      return;
    }
    pooled.idleTimer = setTimeout(() => {
      const index = this.idle.indexOf(pooled);
      if (index >= 0) this.idle.splice(index, 1);
      pooled.connection.quit();
    }, IDLE_CLOSE_MS);
    pooled.idleTimer.unref();
    this.idle.push(pooled);
  }
}

/**
 * The client for the next hop a policy names: its pool and time limit, and, for a delivery begun
 * while the message is screened, the screening budget it may wait for its header lines.
 */
export function nextHopClientFor(config: Config, logger: Logger): NextHopClient {
  const { relay } = config;
  return new NextHopClient({
    address: relay.nextHop,
    hostname: relay.hostname ?? osHostname(),
    poolSize: relay.nextHopPoolSize,
    timeoutMs: relay.nextHopTimeoutMs,
    prefixWaitMs: relay.screening.timeoutMs,
    logger,
  });
}

/** Closes a connection mid-transaction: before the final "." that makes the next hop discard it. */
function drop(pooled: PooledConnection): void {
  pooled.usable = false;
  pooled.connection.close();
}

/** One reply covers every recipient: deferring them all keeps the refused one from being lost. */
function partialRefusal(refused: readonly RejectedRecipient[]): NextHopError {
  const list = refused.map((r) => `<${r.recipient}> (${firstLine(r.response)})`).join(', ');
  return new NextHopError(451, `4.5.0 Next hop refused some recipients: ${list}; nothing was delivered, try again later`);
}

/**
 * The recipients the next hop has refused in the current transaction. SMTPConnection keeps them
 * on its envelope and only reports them after the message is sent, which is too late here.
 */
function rejectedRecipients(connection: SMTPConnection): RejectedRecipient[] {
  const envelope: unknown = Reflect.get(connection, '_envelope');
  if (!envelope || typeof envelope !== 'object') return [];
  const errors: unknown = Reflect.get(envelope, 'rejectedErrors');
  if (!Array.isArray(errors)) return [];
  return errors.map((entry: unknown) => {
    const record = (entry ?? {}) as { recipient?: unknown; response?: unknown; responseCode?: unknown };
    return {
      recipient: String(record.recipient ?? ''),
      response: String(record.response ?? ''),
      responseCode: typeof record.responseCode === 'number' ? record.responseCode : 450,
    };
  });
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0]?.trim().slice(0, 300) ?? '';
}
