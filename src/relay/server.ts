import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Config } from '../config/schema.js';
import { errorMessage, GatewayError, SmtpReplyError, UnusableSettingError } from '../errors.js';
import { SCREENING_ERROR } from '../finding.js';
import type { Logger } from '../log.js';
import type { GatewayMetrics, MessageOutcome } from '../metrics.js';
import { isSpooled, rawBytes, rawLength, type RawMessage } from '../message/raw.js';
import type { ScreeningResult } from '../pipeline.js';
import { screeningHeaderValue } from '../policy.js';
import { NextHopError, type DsnParameters, type ForwardEnvelope, type NextHopClient } from './forward.js';
import { DataInspector } from './inspect.js';
import type { Screener } from './screener.js';
import { defaultSpoolDirectory, Spool, type SpoolFile } from './spool.js';

/** What the rest of the gateway does with a screened message (review store, enquiries). */
export interface RelayEffects {
  /**
   * Keeps a flagged or held message for the Monitoring Officer and returns its review id. For a
   * held message this must be durable before it resolves: the client is told 250 on the strength of it.
   */
  review?(status: 'flagged' | 'held', result: ScreeningResult, raw: Buffer, envelope: ForwardEnvelope, receivedAt: Date, trace?: Buffer): Promise<string>;
  /** After the next hop accepted the message (opens or answers member enquiries). */
  delivered?(result: ScreeningResult, envelope: ForwardEnvelope, receivedAt: Date): Promise<void>;
}

export interface RelayOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly screener: Screener;
  readonly nextHop: NextHopClient;
  readonly effects?: RelayEffects;
  /** where large messages wait; by default the one `relay.spool` names, prepared by listen() */
  readonly spool?: Spool;
  /** `relay.tls` already read; by default it is read here */
  readonly tls?: TlsFiles;
  /** the clock; tests may fix it */
  readonly now?: () => Date;
  /** counts messages, findings, screening time and next-hop failures */
  readonly metrics?: GatewayMetrics;
}

/** How long a shutdown waits for transactions in flight before closing them, milliseconds. */
const SHUTDOWN_GRACE_MS = 30_000;

interface Transaction {
  timer?: NodeJS.Timeout;
  /** the client went away: nothing more is forwarded for it */
  abandoned: boolean;
  /** the message's file while it is still arriving; removed if the client goes away first */
  spool?: SpoolFile;
}

/**
 * The server side: smtp-server with the limits the policy file sets. Each message is received
 * whole and checked, then screened while the next hop is given its envelope, and forwarded once
 * screening allows; the client hears 250 only after the next hop said 250 (or, for a held
 * message, after it is durably stored).
 */
export class Relay {
  private readonly server: SMTPServer;
  private readonly hostname: string;
  private readonly maxScreeningHeaderBytes: number;
  private readonly transactions = new Map<string, Transaction>();
  /** open connections per client address, and the sessions counted in them */
  private readonly clientsByAddress = new Map<string, number>();
  /** sessions counted against their client's address, with that address: XFORWARD may change the session's */
  private readonly countedSessions = new Map<string, string>();
  /** sessions whose message is handled but whose client has not had the reply yet */
  private readonly awaitingReply = new Set<string>();
  /** per session: the deadline for starting a message, running while no transaction is open */
  private readonly commandTimers = new Map<string, NodeJS.Timeout>();
  private readonly background = new Set<Promise<void>>();
  private readonly spool: Spool;
  private shuttingDown = false;
  /** messages that arrived already carrying the screening header (a sender trying to look screened) */
  private arrivedWithScreeningHeader = 0;

  constructor(private readonly options: RelayOptions) {
    const { relay } = options.config;
    this.hostname = relay.hostname ?? osHostname();
    this.maxScreeningHeaderBytes = longestScreeningHeader(options.config);
    this.spool = options.spool ?? new Spool(relay.spool.directory ?? defaultSpoolDirectory(), options.logger);
    const tls = options.tls ?? readTlsFiles(options.config);
    this.server = new SMTPServer({
      name: this.hostname,
      banner: 'member-officer-gateway',
      size: relay.maxMessageBytes,
      authOptional: true,
      disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
      hideSTARTTLS: !tls,
      ...(tls ?? {}),
      disableReverseLookup: true,
      // the MTA in front says who its client was; only the addresses the policy names may
      useXForward: relay.xforwardHosts.length > 0 ? [...relay.xforwardHosts] : false,
      maxClients: relay.maxClients,
      socketTimeout: relay.socketTimeoutMs,
      closeTimeout: SHUTDOWN_GRACE_MS,
      logger: false,
      // DSN is offered only while the next hop offers it, so that what a client asks for is passed on
      hideDSN: true,
      onConnect: (session, callback) => {
        if (this.shuttingDown) return callback(new SmtpReplyError(421, '4.3.2 Gateway shutting down, try again later'));
        this.server.options.hideDSN = this.options.nextHop.offersDsn() !== true;
        const address = session.remoteAddress;
        const open = this.clientsByAddress.get(address) ?? 0;
        if (open >= relay.maxClientsPerAddress) {
          this.options.logger.warn({ client: address, open }, 'too many connections from one address: refused');
          return callback(new SmtpReplyError(421, `4.7.0 Too many connections from ${address} (at most ${relay.maxClientsPerAddress}); try again later`));
        }
        this.clientsByAddress.set(address, open + 1);
        this.countedSessions.set(session.id, address);
        this.startCommandTimer(session);
        callback();
      },
      onMailFrom: (_address, session, callback) => {
        this.startTransaction(session);
        callback();
      },
      onRcptTo: (_address, session, callback) => {
        if (session.envelope.rcptTo.length >= relay.maxRecipients) {
          return callback(new SmtpReplyError(452, `4.5.3 Too many recipients (at most ${relay.maxRecipients} per message); send the rest separately`));
        }
        callback();
      },
      onData: (stream, session, callback) => this.onData(stream, session, callback),
      onClose: (session) => {
        this.stopCommandTimer(session);
        const counted = this.countedSessions.get(session.id);
        if (counted !== undefined) {
          this.countedSessions.delete(session.id);
          const open = (this.clientsByAddress.get(counted) ?? 1) - 1;
          if (open > 0) this.clientsByAddress.set(counted, open);
          else this.clientsByAddress.delete(counted);
        }
        const transaction = this.transactions.get(session.id);
        if (transaction) {
          transaction.abandoned = true;
          clearTimeout(transaction.timer);
          this.transactions.delete(session.id);
          // smtp-server never ends the data stream of a client that left mid-DATA
          if (transaction.spool) void this.removeSpoolFile(transaction.spool);
        }
      },
    });
    // a client resetting mid-transaction makes smtp-server emit 'error'; unhandled, it would end the process
    this.server.on('error', (error: Error) => this.options.logger.debug({ err: error.message }, 'smtp connection error'));
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async listen(): Promise<number> {
    await this.spool.prepare();
    const listen = this.options.config.relay.listen;
    const colon = listen.lastIndexOf(':');
    const host = listen.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = Number(listen.slice(colon + 1));
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.server.removeListener('error', reject);
        resolve();
      });
    });
    return (this.server.server.address() as AddressInfo).port;
  }

  /** Open SMTP connections and message transactions in flight, for monitoring and leak checks. */
  stats(): {
    connections: number;
    transactions: number;
    backgroundTasks: number;
    spoolFiles: number;
    clientAddresses: number;
    commandTimers: number;
    arrivedWithScreeningHeader: number;
  } {
    const connections = Reflect.get(this.server, 'connections') as Set<unknown> | undefined;
    return {
      connections: connections?.size ?? 0,
      transactions: this.transactions.size,
      backgroundTasks: this.background.size,
      spoolFiles: this.spool.size,
      clientAddresses: this.clientsByAddress.size,
      commandTimers: this.commandTimers.size,
      arrivedWithScreeningHeader: this.arrivedWithScreeningHeader,
    };
  }

  /** Stops accepting, lets transactions in flight finish (or 421s them after the grace period). */
  async close(): Promise<void> {
    this.shuttingDown = true;
    // an MTA in front logs our 421 text (and tells its sender only a generic 451), so it says why,
    // where the library would say "Server shutting down" once the grace period is over
    const stopping = `4.3.2 ${this.hostname} is stopping (restart or shutdown); nothing was accepted on this connection that is not delivered, try again shortly`;
    this.closeConnections((session) => !this.transactions.has(session.id) && !this.awaitingReply.has(session.id), stopping);
    const late = setTimeout(
      () => this.closeConnections(() => true, `4.3.2 ${this.hostname} is stopping (restart or shutdown) and the message in progress was not accepted; try again shortly`),
      Math.max(0, SHUTDOWN_GRACE_MS - 1_000),
    );
    late.unref();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    clearTimeout(late);
    await Promise.allSettled([...this.background]);
  }

  /**
   * The idle limit is reset by every byte, so a client trickling commands could keep a connection
   * for ever; this deadline runs from connecting, or from the end of a message, until the next
   * MAIL FROM, whatever arrives meanwhile.
   */
  private startCommandTimer(session: SMTPServerSession): void {
    this.stopCommandTimer(session);
    const timer = setTimeout(() => {
      this.commandTimers.delete(session.id);
      this.options.logger.info({ session: session.id, client: session.remoteAddress }, 'no message started in time: connection closed');
      this.closeConnection(session, '4.4.2 Command time limit exceeded');
    }, this.options.config.relay.commandTimeoutMs);
    timer.unref();
    this.commandTimers.set(session.id, timer);
  }

  private stopCommandTimer(session: SMTPServerSession): void {
    clearTimeout(this.commandTimers.get(session.id));
    this.commandTimers.delete(session.id);
  }

  private startTransaction(session: SMTPServerSession): void {
    this.stopCommandTimer(session);
    // a transaction dropped with RSET before its data keeps its deadline: MAIL FROM, RSET, MAIL
    // FROM … cannot hold a connection for ever
    if (this.transactions.has(session.id)) return;
    const transaction: Transaction = { abandoned: false };
    transaction.timer = setTimeout(() => {
      transaction.abandoned = true;
      this.options.logger.info({ session: session.id }, 'transaction took too long: connection closed');
      this.closeConnection(session, '4.4.2 Transaction time limit exceeded');
    }, this.options.config.relay.transactionTimeoutMs);
    transaction.timer.unref();
    this.transactions.set(session.id, transaction);
  }

  private endTransaction(session: SMTPServerSession): void {
    clearTimeout(this.transactions.get(session.id)?.timer);
    this.transactions.delete(session.id);
    // the client may send another message on this connection, or QUIT; either within the limit
    if (this.countedSessions.has(session.id)) this.startCommandTimer(session);
  }

  private closeConnection(session: SMTPServerSession, message: string): void {
    this.closeConnections((candidate) => candidate === session, message);
  }

  /** Answers 421 with `message` on every open connection whose session `which` picks, and closes it. */
  private closeConnections(which: (session: SMTPServerSession) => boolean, message: string): void {
    const connections = Reflect.get(this.server, 'connections') as Set<{ session?: SMTPServerSession; send(code: number, text: string): void; close(): void }> | undefined;
    for (const connection of [...(connections ?? [])]) {
      if (connection.session && which(connection.session)) {
        connection.send(421, message);
        connection.close();
      }
    }
  }

  private onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null, message?: string) => void): void {
    const { relay } = this.options.config;
    const limit = relay.maxMessageBytes;
    const inspector = new DataInspector(relay);
    const transaction = this.transactions.get(session.id);
    const chunks: Buffer[] = [];
    let length = 0;
    let file: SpoolFile | undefined;
    // a large message goes to disk: eight of them in flight would otherwise hold their size in memory
    const toDisk = (): SpoolFile => {
      const opened = this.spool.create();
      if (transaction) transaction.spool = opened;
      for (const chunk of chunks) opened.write(chunk);
      chunks.length = 0;
      return opened;
    };
    const declared = declaredSize(session);
    if (declared !== undefined && declared > relay.spool.aboveBytes && declared <= limit) file = toDisk();
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      // past the limit the rest is read and dropped: the reply after "." refuses the message
      if (length > limit) return;
      inspector.write(chunk);
      if (!file) {
        chunks.push(chunk);
        if (length > relay.spool.aboveBytes) file = toDisk();
        return;
      }
      if (!file.write(chunk)) {
        stream.pause();
        file.onDrain(() => stream.resume());
      }
    });
    stream.once('error', (error: Error) => {
      this.options.logger.debug({ err: error.message }, 'data stream failed');
    });
    stream.once('end', () => {
      // from here the message belongs to handleMessage, which removes its file when done
      if (transaction) transaction.spool = undefined;
      const oversize = stream.sizeExceeded === true || length > limit;
      const received = this.received(file, chunks, Math.min(length, limit));
      chunks.length = 0;
      // until the client has its reply the connection is not idle, though the transaction has ended
      this.awaitingReply.add(session.id);
      received
        .then((raw) => this.handleMessage(raw, oversize, inspector, session))
        .finally(() => file && this.removeSpoolFile(file))
        .finally(() => this.awaitingReply.delete(session.id))
        .then(
          (reply) => callback(null, reply),
          (error: unknown) => {
            this.endTransaction(session);
            if (error instanceof SmtpReplyError) return callback(error);
            this.options.logger.error({ err: error instanceof Error ? error.stack : String(error) }, 'unexpected failure handling a message');
            callback(new SmtpReplyError(451, '4.3.0 Local error while relaying; try again later'));
          },
        );
    });
  }

  /** Deletes a message's spool file; a failure is logged, never passed to the client. */
  private removeSpoolFile(file: SpoolFile): Promise<void> {
    return file.remove().catch((error: unknown) => this.options.logger.error({ err: errorMessage(error), path: file.path }, 'could not remove a spool file'));
  }

  /** The whole message: its spool file once flushed, or its chunks copied into shared memory now. */
  private received(file: SpoolFile | undefined, chunks: readonly Buffer[], length: number): Promise<RawMessage> {
    const { logger } = this.options;
    if (file) {
      return file.finish().catch((error: unknown) => {
        logger.error({ err: errorMessage(error), path: file.path }, 'could not write a message to the spool directory');
        throw new SmtpReplyError(451, '4.3.1 Insufficient system storage; try again later');
      });
    }
    const raw = sharedCopy(chunks, length);
    if (raw) return Promise.resolve(raw);
    logger.error({ bytes: length }, 'could not hold a message in memory');
    return Promise.reject(new SmtpReplyError(451, '4.3.1 Insufficient system resources; try again later'));
  }

  private async handleMessage(raw: RawMessage, oversize: boolean, inspector: DataInspector, session: SMTPServerSession): Promise<string> {
    const { config, logger } = this.options;
    const transaction = this.transactions.get(session.id);
    const finish = (): void => this.endTransaction(session);
    // the header lines of a message being screened, and so the message itself, follow later
    const decided = pendingHeaders();
    let outcome: MessageOutcome | undefined;
    try {
      if (oversize) throw new SmtpReplyError(552, `5.3.4 Message size exceeds fixed maximum message size ${config.relay.maxMessageBytes}`);
      const problem = inspector.finish();
      if (problem) throw new SmtpReplyError(problem.responseCode, problem.message);
      if (inspector.carriesScreeningHeader()) {
        // a routing rule that skips mail carrying the header lets a sender skip screening by writing it
        this.arrivedWithScreeningHeader += 1;
        this.options.metrics?.arrivedWithScreeningHeader();
        logger.warn({ session: session.id, client: session.remoteAddress, mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '' }, 'message arrived already carrying an X-Member-Officer-Screening header; screened as any other');
      }

      const envelope = forwardEnvelopeOf(session);
      const receivedAt = this.options.now?.() ?? new Date();
      const trace = this.receivedLine(session, receivedAt);
      // the next hop hears MAIL, RCPT and DATA while the message is screened, if a connection is spare
      const early = this.options.nextHop.hasSpareConnection()
        ? this.options.nextHop.deliver(envelope, { lines: decided.lines, maxBytes: trace.length + this.maxScreeningHeaderBytes }, raw)
        : undefined;
      // awaited only when the message is delivered; otherwise its failure is the withdrawal below
      early?.catch(() => undefined);
      const screeningStarted = performance.now();
      const result = await this.options.screener.screen(raw, { mailFrom: envelope.mailFrom || null, rcptTo: envelope.rcptTo }, receivedAt);
      if (transaction?.abandoned) throw new SmtpReplyError(421, '4.4.2 Transaction abandoned');

      const findings = [...new Set(result.findings.map((finding) => finding.filter))];
      this.options.metrics?.screened((performance.now() - screeningStarted) / 1000, findings, result.scope);
      const proxy = session.xForward?.get('ADDR:DEFAULT');
      logger.info({ session: session.id, client: session.remoteAddress, ...(proxy ? { via: proxy } : {}), action: result.action, findings, scope: result.scope, bytes: rawLength(raw), ...(isSpooled(raw) ? { spooled: true } : {}) }, 'screened');
      switch (result.action) {
        case 'reject':
          outcome = 'reject';
          throw new SmtpReplyError(550, result.reason ?? '5.7.1 Refused under the Member/Officer Protocol');
        case 'defer':
          throw new SmtpReplyError(451, result.reason ?? '4.7.0 Screening unavailable, try again later');
        case 'hold': {
          const reviewId = await this.storeForReview('held', result, await rawBytes(raw), envelope, receivedAt, trace);
          outcome = 'hold';
          return `2.0.0 Held for review by the Monitoring Officer (review ${reviewId})`;
        }
        case 'flag':
        case 'deliver': {
          let reviewId: string | undefined;
          if (result.action === 'flag' && this.options.effects?.review) {
            // a flagged message delivered without its review record would never reach the Monitoring
            // Officer: while the store cannot take it, the sender is asked to try again
            reviewId = await rawBytes(raw)
              .then((bytes) => this.storeForReview('flagged', result, bytes, envelope, receivedAt, trace))
              .catch((error: unknown) => {
                logger.error({ err: errorMessage(error) }, 'could not store a flagged message for review; deferred');
                throw new SmtpReplyError(451, '4.3.0 Message flagged for review but the review record could not be stored; try again later');
              });
          }
          const prefix = Buffer.concat([trace, screeningHeader(result, reviewId)]);
          decided.resolve(prefix);
          const response = await (early ?? this.options.nextHop.deliver(envelope, prefix, raw));
          outcome = result.action;
          this.afterDelivery(result, envelope, receivedAt);
          return `2.0.0 Ok: relayed (next hop: ${response.replace(/[\r\n]+/g, ' ').slice(0, 200)})`;
        }
        default: {
          const unknown: never = result.action;
          throw new SmtpReplyError(451, `4.3.0 Unknown screening action ${String(unknown)}; try again later`);
        }
      }
    } catch (error) {
      if (error instanceof NextHopError) {
        logger.warn({ session: session.id, reply: error.message }, 'next hop did not accept the message');
        this.options.metrics?.nextHopFailed();
      }
      if (!outcome) outcome = replyCodeOf(error) >= 500 ? 'refused' : 'deferred';
      throw error;
    } finally {
      if (outcome) this.options.metrics?.message(outcome);
      // not delivered after all (refused, held, deferred, or the client left): the next hop discards it
      decided.withdraw();
      finish();
    }
  }

  private async storeForReview(status: 'flagged' | 'held', result: ScreeningResult, raw: Buffer, envelope: ForwardEnvelope, receivedAt: Date, trace: Buffer): Promise<string> {
    const review = this.options.effects?.review;
    if (!review) {
      if (status === 'held') throw new SmtpReplyError(451, '4.3.0 Message must be held for review but the review store is not available; try again later');
      throw new Error('no review store configured');
    }
    try {
      return await review(status, result, raw, envelope, receivedAt, trace);
    } catch (error) {
      if (status === 'held') {
        this.options.logger.error({ err: errorMessage(error) }, 'could not store a held message');
        if (error instanceof GatewayError && error.code === 'HOLD_NOT_DURABLE') {
          throw new SmtpReplyError(451, `4.3.0 Message must be held for review but the review store cannot keep it safely (${error.message.replace(/[\r\n]+/g, ' ').slice(0, 200)}); try again later`);
        }
        throw new SmtpReplyError(451, '4.3.0 Message must be held for review but could not be stored; try again later');
      }
      throw error;
    }
  }

  private afterDelivery(result: ScreeningResult, envelope: ForwardEnvelope, receivedAt: Date): void {
    const delivered = this.options.effects?.delivered;
    if (!delivered) return;
    // enquiry tracking must not slow or block mail: it runs after the reply, and failures are logged
    const work = delivered(result, envelope, receivedAt)
      .catch((error: unknown) => this.options.logger.error({ err: errorMessage(error) }, 'enquiry tracking failed for a delivered message'))
      .finally(() => this.background.delete(work));
    this.background.add(work);
  }

  /** Our trace line (RFC 5321 §4.4), the first of the two header lines added on top. */
  private receivedLine(session: SMTPServerSession, receivedAt: Date): Buffer {
    // after XFORWARD the session names the MTA's client (address, HELO and resolved name), as
    // that MTA's own Received line does, rather than the MTA itself
    const helo = sanitiseTrace(session.hostNameAppearsAs || 'unknown');
    const forwardedName = session.xForward?.get('NAME');
    const name = typeof forwardedName === 'string' && forwardedName.length > 0 && forwardedName !== '[UNAVAILABLE]' ? `${sanitiseTrace(forwardedName)} ` : '';
    const protocol = session.secure ? 'ESMTPS' : 'ESMTP';
    return Buffer.from(
      `Received: from ${helo} (${name}[${sanitiseTrace(session.remoteAddress)}])\r\n` +
        `\tby ${sanitiseTrace(this.hostname)} (member-officer-gateway) with ${protocol} id ${sessionTraceId(session)};\r\n` +
        `\t${rfc2822Date(receivedAt)}\r\n`,
      'latin1',
    );
  }
}

function screeningHeader(result: Parameters<typeof screeningHeaderValue>[0], reviewId?: string): Buffer {
  return Buffer.from(`X-Member-Officer-Screening: ${screeningHeaderValue(result, reviewId)}\r\n`, 'latin1');
}

/** review ids are 12 characters (see the review store); this leaves room */
const MAX_REVIEW_ID_CHARS = 64;

/**
 * The longest screening header this policy can produce: every filter and a screening error
 * found, and a review id. The SIZE declared to the next hop counts this for it.
 */
function longestScreeningHeader(config: Config): number {
  const findings = [...Object.keys(config.filters), SCREENING_ERROR].map((filter) => ({ filter }));
  return screeningHeader({ action: 'deliver', findings }, 'x'.repeat(MAX_REVIEW_ID_CHARS)).length;
}

/** The screening header lines of a message still being screened: set once, or withdrawn. */
interface PendingHeaders {
  readonly lines: Promise<Buffer>;
  resolve(lines: Buffer): void;
  withdraw(): void;
}

function pendingHeaders(): PendingHeaders {
  let settle: { resolve(lines: Buffer): void; reject(reason: Error): void } | undefined;
  const lines = new Promise<Buffer>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // a message refused before its delivery began has nobody waiting for its header lines
  lines.catch(() => undefined);
  let decided = false;
  return {
    lines,
    resolve(value) {
      decided = true;
      settle?.resolve(value);
    },
    withdraw() {
      // every message ends here, delivered ones too: an error (and its stack) only for those withdrawn
      if (decided) return;
      decided = true;
      settle?.reject(new Error('delivery withdrawn: the message is not being delivered'));
    },
  };
}

export interface TlsFiles {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** The STARTTLS key and certificate `relay.tls` names; throws naming the setting whose file cannot be read. */
export function readTlsFiles(config: Config): TlsFiles | undefined {
  const { tls } = config.relay;
  if (!tls) return undefined;
  const read = (key: 'key' | 'cert'): Buffer => {
    try {
      return readFileSync(tls[key]);
    } catch (error) {
      throw new UnusableSettingError(`relay.tls.${key}`, `cannot read ${tls[key]}: ${errorMessage(error)}`);
    }
  };
  return { key: read('key'), cert: read('cert') };
}

/**
 * A message below the spool size in shared memory: the screening worker reads the same bytes
 * the relay forwards, so it is held once, not copied into each thread. Undefined when the
 * memory cannot be had.
 */
function sharedCopy(chunks: readonly Buffer[], length: number): Buffer | undefined {
  let raw: Buffer;
  try {
    raw = Buffer.from(new SharedArrayBuffer(length));
  } catch {
    return undefined;
  }
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= length) break;
    offset += chunk.copy(raw, offset, 0, Math.min(chunk.length, length - offset));
  }
  return raw;
}

/** The SIZE the client declared at MAIL FROM (RFC 1870), as MTAs such as Postfix and Exchange do. */
function declaredSize(session: SMTPServerSession): number | undefined {
  const size = Number(mailFromParameter(session, 'SIZE') ?? Number.NaN);
  return Number.isSafeInteger(size) && size > 0 ? size : undefined;
}

/** A MAIL FROM parameter with a value (BODY=8BITMIME, SIZE=12345), as the client wrote it. */
function mailFromParameter(session: SMTPServerSession, name: string): string | undefined {
  const mailFrom = session.envelope.mailFrom;
  const args = (mailFrom ? mailFrom.args : false) as Record<string, string | boolean> | false;
  const value = args ? args[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

export function forwardEnvelopeOf(session: SMTPServerSession): ForwardEnvelope {
  const mailFrom = session.envelope.mailFrom;
  const body = mailFromParameter(session, 'BODY')?.toUpperCase() ?? '';
  const dsn = dsnOf(session);
  return {
    mailFrom: mailFrom ? mailFrom.address : '',
    rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
    eightBitMime: body === '8BITMIME',
    ...(dsn ? { dsn } : {}),
    client: clientOf(session),
  };
}

/**
 * The client the message came from, for the next hop's XFORWARD: what the MTA in front said with
 * its own XFORWARD, else the gateway's client itself.
 */
function clientOf(session: SMTPServerSession): Record<string, string> {
  const forwarded = [...(session.xForward ?? [])].filter(([key]) => key !== 'ADDR:DEFAULT');
  // smtp-server reads "[UNAVAILABLE]" as false: it goes on as the MTA in front said it
  if (forwarded.length > 0) return Object.fromEntries(forwarded.map(([key, value]) => [key, value === false || value === undefined || value === null ? '[UNAVAILABLE]' : String(value)]));
  return {
    ADDR: session.remoteAddress,
    NAME: '[UNAVAILABLE]',
    ...(session.hostNameAppearsAs ? { HELO: session.hostNameAppearsAs } : {}),
    PROTO: session.transmissionType?.startsWith('ESMTP') ? 'ESMTP' : 'SMTP',
    SOURCE: 'REMOTE',
  };
}

/**
 * The client's DSN parameters, as smtp-server decoded them from xtext (the forwarder's client
 * encodes them again). NOTIFY and ORCPT are per recipient in SMTP but one value per message for
 * the forwarder's client library: they are passed on when every recipient has the same, which a
 * single-recipient message always has; otherwise the next hop applies its defaults (a failure is
 * still reported to the sender).
 */
function dsnOf(session: SMTPServerSession): DsnParameters | undefined {
  const envelope = session.envelope as SMTPServerSession['envelope'] & { dsn?: { ret?: string | null; envid?: string | null } };
  const recipients = session.envelope.rcptTo as ReadonlyArray<{ dsn?: { notify?: readonly string[]; orcpt?: string } }>;
  const same = (values: ReadonlyArray<string | undefined>): string | undefined => (values.length > 0 && values.every((value) => value === values[0]) ? values[0] : undefined);
  const notify = same(recipients.map((rcpt) => rcpt.dsn?.notify?.join(',')));
  const orcpt = same(recipients.map((rcpt) => rcpt.dsn?.orcpt));
  const ret = envelope.dsn?.ret === 'FULL' || envelope.dsn?.ret === 'HDRS' ? envelope.dsn.ret : undefined;
  const envid = envelope.dsn?.envid ?? undefined;
  const dsn: DsnParameters = {
    ...(ret ? { ret } : {}),
    ...(envid ? { envid } : {}),
    ...(notify ? { notify } : {}),
    ...(orcpt ? { orcpt } : {}),
  };
  return Object.keys(dsn).length > 0 ? dsn : undefined;
}

function sanitiseTrace(value: string): string {
  return value.replace(/[^A-Za-z0-9.\-:[\]_]/g, '').slice(0, 255) || 'unknown';
}

function sessionTraceId(session: SMTPServerSession): string {
  return `${session.id}.${randomBytes(3).toString('hex')}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function rfc2822Date(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** The SMTP reply code an error carries (451 when it carries none: the sender retries). */
function replyCodeOf(error: unknown): number {
  // NextHopError is an SmtpReplyError too
  if (error instanceof SmtpReplyError) return error.responseCode;
  return 451;
}
