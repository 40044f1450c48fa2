import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  const close = spawnScratch(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...settings], dir);
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

/** Starts `command` with `args`; the function returned stops it and removes `dir`. */
function spawnScratch(command: string, args: readonly string[], dir: string): () => Promise<void> {
  const child: ChildProcess = spawn(command, args, { stdio: 'ignore' });
  return async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

/** redis-server takes a moment to listen: try until it answers `ready` (a PING by default). */
async function connectWhenUp(port: number, ready: (redis: Redis) => Promise<boolean> = async (redis) => (await redis.ping()) === 'PONG'): Promise<Redis> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on('error', () => {});
    try {
      await redis.connect();
      if (await ready(redis)) return redis;
      throw new Error(`redis-server on ${port} is not ready`);
    } catch (error) {
      redis.disconnect();
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export interface ScratchSentinel {
  readonly port: number;
  close(): Promise<void>;
}

/** redis-server as a Sentinel on a free loopback port, watching the master on `masterPort` as `name`. */
export async function startScratchSentinel(masterPort: number, name: string): Promise<ScratchSentinel> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mog-sentinel-'));
  // a Sentinel rewrites its configuration file, so it has one of its own
  const file = join(dir, 'sentinel.conf');
  writeFileSync(file, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`, ''].join('\n'));
  const close = spawnScratch(REDIS_SERVER, [file, '--sentinel'], dir);
  try {
    const probe = await connectWhenUp(port, async (redis) => ((await redis.call('SENTINEL', 'get-master-addr-by-name', name)) as string[] | null)?.[1] === String(masterPort));
    probe.disconnect();
    return { port, close };
  } catch (error) {
    await close();
    throw error;
  }
}
