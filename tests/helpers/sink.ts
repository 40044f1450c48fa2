import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  readonly mailFrom: string | false;
  readonly rcptTo: readonly string[];
  readonly raw: Buffer;
  readonly mailParams: Record<string, unknown>;
  /** each recipient's RCPT TO parameters (NOTIFY, ORCPT …), in order */
  readonly rcptParams: ReadonlyArray<Record<string, unknown>>;
  /** XFORWARD attributes the sender gave before the message (with `xforward`) */
  readonly xForward: Readonly<Record<string, string>>;
}

export interface SinkFaults {
  /** reply to MAIL FROM with this code and text */
  rejectMailFrom?: { code: number; message: string };
  /** wait this long before answering MAIL FROM */
  delayMailFromMs?: number;
  /** reply to RCPT TO for these addresses with this code and text */
  rejectRcpt?: Map<string, { code: number; message: string }>;
  /** reply to the end of DATA with this code */
  rejectData?: { code: number; message: string };
  /** wait this long before answering the end of DATA */
  delayDataMs?: number;
  /** close the socket instead of answering the end of DATA */
  dropAfterData?: boolean;
}

export interface Sink {
  readonly port: number;
  readonly host: string;
  readonly address: string;
  readonly messages: ReceivedMessage[];
  /** every MAIL FROM address the sink was given, delivered or not */
  readonly mailFroms: string[];
  /** connections that have ended, by either side */
  closedConnections(): number;
  readonly faults: SinkFaults;
  /** resolves once `count` messages have arrived */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real SMTP server on loopback, standing in for the next hop (or the notification relay). */
/** `dsn`: offer DSN (RFC 3461), and `xforward`: XFORWARD to any client, as an MTA such as Postfix can */
export async function startSink(options: { port?: number; size?: number; dsn?: boolean; xforward?: boolean } = {}): Promise<Sink> {
  const messages: ReceivedMessage[] = [];
  const mailFroms: string[] = [];
  let closedConnections = 0;
  const faults: SinkFaults = {};
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    size: options.size ?? 0,
    hideDSN: options.dsn !== true,
    useXForward: options.xforward === true,
    onClose() {
      closedConnections += 1;
    },
    onMailFrom(address: SMTPServerAddress, _session: SMTPServerSession, callback: (error?: Error | null) => void) {
      mailFroms.push(address.address);
      const answer = (): void => {
        const fault = faults.rejectMailFrom;
        if (fault) return callback(Object.assign(new Error(fault.message), { responseCode: fault.code }));
        callback();
      };
      if (faults.delayMailFromMs) setTimeout(answer, faults.delayMailFromMs);
      else answer();
    },
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (error?: Error | null) => void) {
      const fault = faults.rejectRcpt?.get(address.address.toLowerCase());
      if (fault) return callback(Object.assign(new Error(fault.message), { responseCode: fault.code }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const finish = (): void => {
          if (faults.dropAfterData) {
            // smtp-server hands handlers the session only; its connection holds the socket
            const connections = Reflect.get(server, 'connections') as Set<{ session?: unknown; _socket?: { destroy(): void } }>;
            for (const connection of connections) if (connection.session === session) connection._socket?.destroy();
            return;
          }
          if (faults.rejectData) {
            return callback(Object.assign(new Error(faults.rejectData.message), { responseCode: faults.rejectData.code }));
          }
          messages.push({
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : false,
            rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: Buffer.concat(chunks),
            mailParams: (session.envelope.mailFrom ? session.envelope.mailFrom.args : {}) as Record<string, unknown>,
            rcptParams: session.envelope.rcptTo.map((rcpt) => (rcpt.args || {}) as Record<string, unknown>),
            xForward: Object.fromEntries([...(session.xForward ?? new Map<string, unknown>())].map(([key, value]) => [key, String(value)])),
          });
          for (const waiter of [...waiters]) {
            if (messages.length >= waiter.count) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve();
            }
          }
          callback();
        };
        if (faults.delayDataMs) setTimeout(finish, faults.delayDataMs);
        else finish();
      });
    },
  });
  server.on('error', () => {
    // client resets are expected in fault tests
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    host: '127.0.0.1',
    address: `127.0.0.1:${port}`,
    messages,
    mailFroms,
    closedConnections: () => closedConnections,
    faults,
    waitFor(count, timeoutMs = 10_000) {
      if (messages.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`sink got ${messages.length} of ${count} messages in ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
