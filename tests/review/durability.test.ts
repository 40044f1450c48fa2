import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmDurable, detectDurability, durabilityFor, HoldNotDurableError, type DurabilityClient } from '../../src/review/durability.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { freePort } from '../../src/redis.js';

const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) => existsSync(path));

describe('hold durability', () => {
  it('chooses WAITAOF where Redis has it, else relies on appendfsync always, else says what can be lost', () => {
    expect(durabilityFor({ aofEnabled: true, appendfsync: 'everysec', waitaofSupported: true })).toMatchObject({ mode: 'waitaof', atRisk: false });
    expect(durabilityFor({ aofEnabled: true, appendfsync: 'always', waitaofSupported: false })).toMatchObject({ mode: 'fsync-always', atRisk: false });
    expect(durabilityFor({ aofEnabled: true, appendfsync: 'everysec', waitaofSupported: false })).toMatchObject({ mode: 'fsync-everysec', atRisk: true });
    expect(durabilityFor({ aofEnabled: true, waitaofSupported: false })).toMatchObject({ mode: 'fsync-everysec', atRisk: true });
    expect(durabilityFor({ aofEnabled: false, appendfsync: 'always', waitaofSupported: true })).toMatchObject({ mode: 'memory-only', atRisk: true });
  });

  it('refuses a hold that WAITAOF does not confirm on disk, and passes one it does', async () => {
    const calls: string[][] = [];
    const client = (reply: number[]): DurabilityClient =>
      ({
        info: async () => 'aof_enabled:1\r\n',
        call: async (...args: string[]) => {
          calls.push(args);
          return reply;
        },
      }) as unknown as DurabilityClient;
    const waitaof = durabilityFor({ aofEnabled: true, waitaofSupported: true });
    await expect(confirmDurable(client([0, 0]), waitaof, 2_000)).rejects.toBeInstanceOf(HoldNotDurableError);
    await expect(confirmDurable(client([1, 0]), waitaof, 2_000)).resolves.toBeUndefined();
    expect(calls.at(-1)).toEqual(['WAITAOF', '1', '0', '2000']);
    await confirmDurable(client([0, 0]), durabilityFor({ aofEnabled: true, appendfsync: 'always', waitaofSupported: false }), 2_000);
    expect(calls).toHaveLength(2);
  });

  it('reads a Redis without an append-only file as memory-only', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const durability = await detectDurability(redis);
      const aof = /aof_enabled:1/.test(await redis.info('persistence'));
      expect(durability.mode === 'memory-only').toBe(!aof);
    } finally {
      redis.disconnect();
    }
  });

  describe.skipIf(!REDIS_SERVER)('against a redis-server with an append-only file', () => {
    const servers: Array<{ process: ChildProcess; dir: string }> = [];
    let version = '';
    async function startRedis(appendfsync: string): Promise<Redis> {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'mog-review-aof-'));
      const child = spawn(REDIS_SERVER as string, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', appendfsync, '--save', ''], { stdio: 'ignore' });
      servers.push({ process: child, dir });
      const redis = await connectWhenUp(port);
      version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '';
      return redis;
    }
    beforeAll(() => {
      if (!REDIS_SERVER) process.stderr.write('skipping AOF durability checks: redis-server is not installed\n');
    });
    afterAll(async () => {
      for (const server of servers) {
        server.process.kill('SIGTERM');
        await new Promise((resolve) => server.process.once('exit', resolve));
        rmSync(server.dir, { recursive: true, force: true });
      }
    });

    it('detects appendfsync always, or WAITAOF on Redis 7.2+', async () => {
      const redis = await startRedis('always');
      try {
        const durability = await detectDurability(redis);
        const hasWaitaof = compareVersions(version, '7.2.0') >= 0;
        expect(durability.mode).toBe(hasWaitaof ? 'waitaof' : 'fsync-always');
        expect(durability.atRisk).toBe(false);
        // whichever mode, a confirmed hold really is confirmed by this server
        await redis.set('probe', '1');
        await confirmDurable(redis, durability, 2_000);
      } finally {
        redis.disconnect();
      }
    });

    it('flags appendfsync everysec without WAITAOF as losing up to about a second', async () => {
      const redis = await startRedis('everysec');
      try {
        const durability = await detectDurability(redis);
        if (compareVersions(version, '7.2.0') >= 0) expect(durability.mode).toBe('waitaof');
        else {
          expect(durability).toMatchObject({ mode: 'fsync-everysec', atRisk: true });
          expect(durability.summary).toMatch(/about the last second/);
        }
      } finally {
        redis.disconnect();
      }
    });
  });
});

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

function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < 3; index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

