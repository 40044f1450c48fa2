import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config/schema.js';
import { errorMessage, GatewayError } from './errors.js';
import type { Logger } from './log.js';

export interface RedisHandle {
  readonly url: string;
  /** a fresh connection; BullMQ workers need their own */
  connect(options?: RedisOptions): Redis;
  /** stops the embedded server, if one was started */
  close(): Promise<void>;
  readonly embedded: boolean;
}

/**
 * The configured Redis, or when none is configured, a `redis-server` the gateway starts itself
 * (append-only file fsynced on every write, noeviction) so a first run works without setup.
 */
export async function openRedis(config: Config, logger: Logger): Promise<RedisHandle> {
  const { url, embedded: mode, embeddedDir } = config.redis;
  if (url && mode !== 'always') {
    try {
      await ping(url);
      return { url, embedded: false, connect: (options) => new Redis(url, options ?? {}), close: async () => {} };
    } catch (error) {
      if (mode === 'never') throw error;
      logger.warn({ url, err: errorMessage(error) }, 'configured Redis does not answer');
    }
  } else if (mode === 'never') {
    throw new GatewayError('REDIS_UNAVAILABLE', 'redis.url is not set and redis.embedded is "never"');
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

async function ping(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, enableOfflineQueue: false });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new GatewayError('REDIS_UNAVAILABLE', `Redis at ${url} does not answer: ${errorMessage(error)}`);
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
      await Promise.race([ping(url), failed]);
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
