import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../src/redis.js';

/** Debian's or a hand-built redis-server, where one is installed. */
export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) => existsSync(path));

export interface ScratchRedis {
  readonly redis: Redis;
  readonly version: string;
  close(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free loopback port, with the persistence settings under
 * test (`--appendonly no`, an evicting `--maxmemory-policy` …), in a directory removed on close.
 */
export async function startScratchRedis(settings: readonly string[]): Promise<ScratchRedis> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mog-scratch-redis-'));
  const child: ChildProcess = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...settings], { stdio: 'ignore' });
  const close = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const redis = await connectWhenUp(port);
    const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '';
    return {
      redis,
      version,
      async close() {
        redis.disconnect();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** redis-server takes a moment to listen: try until it answers. */
async function connectWhenUp(port: number): Promise<Redis> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on('error', () => {});
    try {
      await redis.connect();
      await redis.ping();
      return redis;
    } catch (error) {
      redis.disconnect();
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
