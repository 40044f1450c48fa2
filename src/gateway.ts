import type { Config } from './config/schema.js';
import type { Logger } from './log.js';
import { createMailer } from './notify/mailer.js';
import { nextHopClientFor } from './relay/forward.js';
import { Screener } from './relay/screener.js';
import { readTlsFiles, Relay, type RelayEffects } from './relay/server.js';
import { defaultSpoolDirectory, Spool } from './relay/spool.js';
import { openRedis, type RedisHandle } from './redis.js';
import { createReviewEffects } from './review/effects.js';
import { waitingHoldsIn } from './review/notices.js';
import { GatewayMetrics, startMetricsServer } from './metrics.js';
import { startReviewServer } from './review/server.js';
import { ReviewStore } from './review/store.js';
import { HOLIDAY_STATE, holidayYears, preloadBankHolidays } from './sla/calendar.js';
import { EnquiryService } from './sla/service.js';
import { errorMessage } from './errors.js';

export interface RunningGateway {
  /** the port the relay listens on */
  readonly relayPort: number;
  /** the port the review page listens on */
  readonly reviewPort: number;
  /** the port of /metrics, /healthz and /readyz (undefined when metrics.enabled is false) */
  readonly metricsPort: number | undefined;
  readonly redis: RedisHandle;
  /** graceful: stop accepting, finish what is in flight, close workers and connections */
  close(): Promise<void>;
}

export interface GatewayOptions {
  readonly logger: Logger;
  /** the clock for screening and deadlines; tests may fix it */
  readonly now?: () => Date;
}

/** Starts everything `member-officer-gateway start` runs: relay, screening workers, SLA timers, review page. */
export async function startGateway(config: Config, options: GatewayOptions): Promise<RunningGateway> {
  const { logger } = options;
  // settings naming files and directories that cannot be used stop start-up before anything is started
  const tls = readTlsFiles(config);
  const spool = new Spool(config.relay.spool.directory ?? defaultSpoolDirectory(), logger);
  await spool.prepare();
  const { from, to } = holidayYears(options.now?.() ?? new Date());
  await preloadBankHolidays(HOLIDAY_STATE[config.council.bankHolidays], from, to);
  const redis = await openRedis(config, logger);
  const screener = new Screener(config, logger);
  try {
    await screener.ready();
  } catch (error) {
    await screener.close();
    await redis.close();
    throw error;
  }
  const nextHop = nextHopClientFor(config, logger);
  try {
    await nextHop.probe();
  } catch (error) {
    // not fatal: mail is deferred (4xx) until the next hop answers, and the sender retries
    logger.warn({ nextHop: config.relay.nextHop, err: errorMessage(error) }, 'next hop does not answer yet: mail will be deferred until it does');
  }
  // the gauges read the review store and the enquiries once they exist
  const sources: { heldMessages?: () => Promise<number>; enquiries?: () => Promise<Record<string, number>> } = {};
  const metrics = config.metrics.enabled ? new GatewayMetrics({ heldMessages: () => sources.heldMessages?.() ?? Promise.resolve(0), enquiries: () => sources.enquiries?.() ?? Promise.resolve({}) }) : undefined;
  const plainMailer = config.notify ? createMailer(config) : undefined;
  const mailer = plainMailer && metrics ? metrics.countingMailer(plainMailer) : plainMailer;
  if (!mailer) logger.warn('notify is not configured: member enquiries are not tracked and no hold notices are sent');
  // a connection of its own: WAITAOF confirms the writes made on it; commandTimeout exceeds its 2 s wait
  const reviewRedis = redis.connect({ maxRetriesPerRequest: 2, commandTimeout: 10_000 });
  const reviewStore = new ReviewStore({
    redis: reviewRedis,
    prefix: config.redis.prefix,
    retentionMs: config.review.retentionDays * 86_400_000,
    acceptVolatileHolds: config.review.volatileHolds === 'accept',
    logger,
  });
  // the daily digest also names held letters waiting over a working day for the Monitoring Officer
  const enquiries = mailer ? new EnquiryService(config, redis, logger, mailer, { waitingHolds: waitingHoldsIn(reviewStore, config) }) : undefined;
  await enquiries?.start();
  const review = createReviewEffects(reviewStore, { config, logger, ...(mailer ? { mailer } : {}) });
  const reviewServer = await startReviewServer({ config, store: reviewStore, logger, nextHop, ...(mailer ? { mailer } : {}), ...(enquiries ? { enquiries } : {}) });

  const effects: RelayEffects = {
    review: review.review,
    ...(enquiries ? { delivered: async (result, _envelope, receivedAt) => void (await enquiries.record(result, receivedAt)) } : {}),
  };
  sources.heldMessages = async () => (await reviewStore.counts()).held;
  if (enquiries) sources.enquiries = async () => countBy((await enquiries.list({ limit: ENQUIRIES_COUNTED })).map((enquiry) => enquiry.status));
  const relay = new Relay({ config, logger, screener, nextHop, effects, spool, ...(tls ? { tls } : {}), ...(options.now ? { now: options.now } : {}), ...(metrics ? { metrics } : {}) });
  const relayPort = await relay.listen();
  const metricsServer = metrics
    ? await startMetricsServer(config.metrics.listen, metrics, { redis: async () => void (await reviewRedis.ping()), nextHop: () => nextHop.probe() }, logger)
    : undefined;
  logger.info(
    { listen: config.relay.listen, port: relayPort, review: reviewServer.port, nextHop: config.relay.nextHop, redis: redis.embedded ? 'embedded' : 'configured', spool: spool.directory },
    'gateway started',
  );
  return {
    relayPort,
    reviewPort: reviewServer.port,
    metricsPort: metricsServer?.port,
    redis,
    async close() {
      await metricsServer?.close();
      await relay.close();
      await reviewServer.close();
      await review.settle();
      await enquiries?.close();
      await nextHop.close();
      await screener.close();
      plainMailer?.close();
      reviewRedis.disconnect();
      await redis.close();
    },
  };
}

/** the most enquiries the mog_enquiries gauge reads (newest first) */
const ENQUIRIES_COUNTED = 10_000;

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
