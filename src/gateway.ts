import { hostname as osHostname } from 'node:os';
import type { Config } from './config/schema.js';
import type { Logger } from './log.js';
import { NextHopClient } from './relay/forward.js';
import { Screener } from './relay/screener.js';
import { Relay, type RelayEffects } from './relay/server.js';
import { openRedis, type RedisHandle } from './redis.js';

export interface RunningGateway {
  /** the port the relay listens on */
  readonly relayPort: number;
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
  const redis = await openRedis(config, logger);
  const screener = new Screener(config, logger);
  const nextHop = new NextHopClient({
    address: config.relay.nextHop,
    hostname: config.relay.hostname ?? osHostname(),
    poolSize: config.relay.nextHopPoolSize,
    timeoutMs: config.relay.nextHopTimeoutMs,
    logger,
  });
  try {
    await nextHop.probe();
  } catch (error) {
    // not fatal: mail is deferred (4xx) until the next hop answers, and the sender retries
    logger.warn({ nextHop: config.relay.nextHop, err: error instanceof Error ? error.message : String(error) }, 'next hop does not answer yet: mail will be deferred until it does');
  }
  const effects: RelayEffects = {};
  const relay = new Relay({ config, logger, screener, nextHop, effects, ...(options.now ? { now: options.now } : {}) });
  const relayPort = await relay.listen();
  logger.info({ listen: config.relay.listen, port: relayPort, nextHop: config.relay.nextHop, redis: redis.embedded ? 'embedded' : 'configured' }, 'gateway started');
  return {
    relayPort,
    redis,
    async close() {
      await relay.close();
      await nextHop.close();
      await screener.close();
      await redis.close();
    },
  };
}
