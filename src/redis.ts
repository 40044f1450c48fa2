import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config/schema.js';
import { errorMessage, GatewayError } from './errors.js';
import type { Logger } from './log.js';

export interface RedisHandle {
  /** where the Redis is, for messages: its URL, or the Sentinels and master name */
  readonly url: string;
  /** a fresh connection; BullMQ workers need their own */
  connect(options?: RedisOptions): Redis;
  /** stops the embedded server, if one was started */
  close(): Promise<void>;
  readonly embedded: boolean;
}

/** How to reach the configured Redis: a URL, or Sentinels that name the current master. */
interface RedisTarget {
  readonly describe: string;
  connect(options?: RedisOptions): Redis;
}

function configuredTarget(config: Config): RedisTarget | undefined {
  const { url, sentinels, name } = config.redis;
  if (sentinels && name) {
    const addresses = sentinels.map((entry) => {
      const colon = entry.lastIndexOf(':');
      return { host: entry.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(entry.slice(colon + 1)) };
    });
    return { describe: `master "${name}" of Sentinels ${sentinels.join(', ')}`, connect: (options) => new Redis({ ...options, sentinels: addresses, name }) };
  }
  if (url) return { describe: url, connect: (options) => new Redis(url, options ?? {}) };
  return undefined;
}

/**
 * The configured Redis (by URL, or through Sentinels), or when none is configured, a
 * `redis-server` the gateway starts itself (append-only file fsynced on every write, noeviction)
 * so a first run works without setup.
 */
export async function openRedis(config: Config, logger: Logger): Promise<RedisHandle> {
  const { embedded: mode, embeddedDir } = config.redis;
  const target = configuredTarget(config);
  if (target && mode !== 'always') {
    try {
      await ping(target);
      return { url: target.describe, embedded: false, connect: (options) => target.connect(options), close: async () => {} };
    } catch (error) {
      if (mode === 'never') throw error;
      logger.warn({ redis: target.describe, err: errorMessage(error) }, 'configured Redis does not answer');
    }
  } else if (mode === 'never') {
    throw new GatewayError('REDIS_UNAVAILABLE', 'neither redis.url nor redis.sentinels is set, and redis.embedded is "never"');
  }
  const dir = resolvePath(embeddedDir);
  const server = await startEmbeddedRedis(dir);
  logger.warn(
    { url: server.url, dir },
    'started an embedded redis-server (append-only file in dir); fine for trials, but set redis.url and redis.embedded: never in production',
  );
  return {
    url: server.url,
    embedded: true,
    connect: (options) => new Redis(server.url, options ?? {}),
    close: async () => {
      if (server.process.exitCode !== null) return;
      server.process.kill('SIGTERM');
      await new Promise((resolve) => server.process.once('exit', resolve));
    },
  };
}

async function ping(target: RedisTarget): Promise<void> {
  const client = target.connect({ lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, sentinelRetryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new GatewayError('REDIS_UNAVAILABLE', `Redis (${target.describe}) does not answer: ${errorMessage(error)}`);
  } finally {
    client.disconnect();
  }
}

/** A port nothing listens on at the moment, on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startEmbeddedRedis(dir: string): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction', '--save', ''],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new GatewayError('REDIS_UNAVAILABLE', `no redis.url configured and redis-server could not be started: ${error.message}. Install Redis or set redis.url.`)));
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await Promise.race([ping({ describe: url, connect: (options) => new Redis(url, options ?? {}) }), failed]);
      return { url, process: child };
    } catch (error) {
      if (Date.now() > deadline || (error instanceof GatewayError && error.message.includes('could not be started'))) {
        child.kill('SIGKILL');
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
