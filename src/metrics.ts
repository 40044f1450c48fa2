import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { errorMessage } from './errors.js';
import { listenOn } from './listen.js';
import type { Logger } from './log.js';
import type { Mailer, NoticeKind } from './notify/mailer.js';

/** What became of a message the relay was given (`deferred`: a 4xx; `refused`: a 5xx other than a policy rejection). */
export type MessageOutcome = 'deliver' | 'flag' | 'hold' | 'reject' | 'deferred' | 'refused';

export interface MetricSources {
  /** held messages waiting for a decision */
  readonly heldMessages?: () => Promise<number>;
  /** open member enquiries by status */
  readonly enquiries?: () => Promise<Readonly<Record<string, number>>>;
}

/** how long a count read from Redis for a gauge is reused, milliseconds: a scrape must stay cheap */
const GAUGE_CACHE_MS = 30_000;
/** longest a scrape waits for one gauge's count, milliseconds */
const GAUGE_READ_MS = 2_000;

/**
 * The gateway's Prometheus metrics, as DESIGN.md names them: every `mog_` series, and the Node
 * process defaults. One registry per gateway, so that tests and several gateways in one process
 * never share counts.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly messages: Counter<'action'>;
  private readonly findings: Counter<'filter'>;
  private readonly screening: Histogram;
  private readonly scopes: Counter<'scope'>;
  private readonly nextHopFailures: Counter;
  private readonly notifications: Counter<'kind'>;
  private readonly forgedHeaders: Counter;

  constructor(sources: MetricSources = {}) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.messages = new Counter({ name: 'mog_messages_total', help: 'messages the relay was given, by what became of them', labelNames: ['action'], registers });
    this.findings = new Counter({ name: 'mog_findings_total', help: 'findings in screened messages, by filter (one per filter per message)', labelNames: ['filter'], registers });
    this.screening = new Histogram({
      name: 'mog_screening_seconds',
      help: 'time to screen one message (parse, filters, policy), seconds',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.scopes = new Counter({
      name: 'mog_screening_scope_total',
      help: 'screened messages by scope: in (parsed and screened in full) or out (no filter or enquiry rule covers it; header section only)',
      labelNames: ['scope'],
      registers,
    });
    this.nextHopFailures = new Counter({ name: 'mog_next_hop_failures_total', help: 'deliveries the next hop did not accept (refused, unreachable, too slow)', registers });
    this.notifications = new Counter({ name: 'mog_notifications_total', help: 'notices sent, by kind', labelNames: ['kind'], registers });
    this.forgedHeaders = new Counter({ name: 'mog_screening_header_arrivals_total', help: 'messages that arrived already carrying the screening header (a sender trying to look screened)', registers });
    const cached = <T>(read: () => Promise<T>): (() => Promise<T>) => {
      let value: { at: number; reading: Promise<T> } | undefined;
      return () => {
        if (!value || Date.now() - value.at > GAUGE_CACHE_MS) value = { at: Date.now(), reading: read() };
        const reading = value.reading;
        reading.catch(() => (value = undefined));
        return reading;
      };
    };
    // a gauge that cannot be read (Redis down) keeps its last value: the other series still answer,
    // and /readyz says what is down
    const held = sources.heldMessages ? cached(sources.heldMessages) : undefined;
    new Gauge({
      name: 'mog_held_messages',
      help: 'held messages waiting for the Monitoring Officer',
      registers,
      async collect() {
        if (!held) return;
        const count = await withTimeout(held(), GAUGE_READ_MS, 'held messages not read in time').catch(() => undefined);
        if (count !== undefined) this.set(count);
      },
    });
    const enquiries = sources.enquiries ? cached(sources.enquiries) : undefined;
    new Gauge({
      name: 'mog_enquiries',
      help: 'member enquiries by status',
      labelNames: ['status'],
      registers,
      async collect() {
        if (!enquiries) return;
        const counts = await withTimeout(enquiries(), GAUGE_READ_MS, 'enquiries not read in time').catch(() => undefined);
        if (!counts) return;
        // a status that has emptied reports 0, not its last count
        this.reset();
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
      },
    });
  }

  message(outcome: MessageOutcome): void {
    this.messages.inc({ action: outcome });
  }

  /** `filters`: the filters with findings on the message, each once */
  screened(seconds: number, filters: readonly string[], scope: 'in' | 'out' = 'in'): void {
    this.screening.observe(seconds);
    this.scopes.inc({ scope });
    for (const filter of filters) this.findings.inc({ filter });
  }

  nextHopFailed(): void {
    this.nextHopFailures.inc();
  }

  arrivedWithScreeningHeader(): void {
    this.forgedHeaders.inc();
  }

  /** The mailer, counting what it sends by kind. */
  countingMailer(mailer: Mailer): Mailer {
    return {
      send: async (notice) => {
        const sent = await mailer.send(notice);
        const kind: NoticeKind | 'other' = notice.kind ?? 'other';
        this.notifications.inc({ kind });
        return sent;
      },
      close: () => mailer.close(),
    };
  }
}

export interface ReadinessChecks {
  /** resolves while Redis answers */
  readonly redis: () => Promise<void>;
  /** resolves while the next hop greets */
  readonly nextHop: () => Promise<void>;
}

/** longest a readiness check may take before the dependency counts as down, milliseconds */
const READY_CHECK_MS = 3_000;

/**
 * `GET /metrics` (Prometheus text), `GET /healthz` (200 while the process runs) and `GET /readyz`
 * (200 when Redis answers and the next hop greets, else 503 naming what is down). No sign-in: bind
 * it to a management network only.
 */
export async function startMetricsServer(listen: string, metrics: GatewayMetrics, checks: ReadinessChecks, logger: Logger): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    void answer(request, response, metrics, checks).catch((error: unknown) => {
      logger.error({ err: errorMessage(error) }, 'metrics request failed');
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('internal error\n');
    });
  });
  const port = await listenOn(server, listen);
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function answer(request: IncomingMessage, response: ServerResponse, metrics: GatewayMetrics, checks: ReadinessChecks): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return;
  }
  if (path === '/metrics') {
    const body = await metrics.registry.metrics();
    response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
    return;
  }
  if (path === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok\n');
    return;
  }
  if (path === '/readyz') {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]: [string, () => Promise<void>]) => {
        try {
          await withTimeout(check(), READY_CHECK_MS, `${name} did not answer within ${READY_CHECK_MS} ms`);
          return undefined;
        } catch (error) {
          return `${name === 'nextHop' ? 'next hop' : name}: ${errorMessage(error)}`;
        }
      }),
    );
    const down = results.filter((result): result is string => result !== undefined);
    if (down.length === 0) response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ready\n');
    else response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(`not ready: ${down.join('; ')}\n`);
    return;
  }
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
