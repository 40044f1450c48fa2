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
  const mailer = config.notify ? createMailer(config) : undefined;
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
  const relay = new Relay({ config, logger, screener, nextHop, effects, spool, ...(tls ? { tls } : {}), ...(options.now ? { now: options.now } : {}) });
  const relayPort = await relay.listen();
  logger.info(
    { listen: config.relay.listen, port: relayPort, review: reviewServer.port, nextHop: config.relay.nextHop, redis: redis.embedded ? 'embedded' : 'configured', spool: spool.directory },
    'gateway started',
  );
  return {
    relayPort,
    reviewPort: reviewServer.port,
    redis,
    async close() {
      await relay.close();
      await reviewServer.close();
      await review.settle();
      await enquiries?.close();
      await nextHop.close();
      await screener.close();
      mailer?.close();
      reviewRedis.disconnect();
      await redis.close();
    },
  };
}
