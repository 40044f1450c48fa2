import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmDurable, detectDurability, durabilityFor, HoldNotDurableError, type DurabilityClient } from '../../src/review/durability.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { REDIS_SERVER, startScratchRedis, type ScratchRedis } from '../helpers/redis-server.js';

describe('hold durability', () => {
  it('chooses WAITAOF where Redis has it, else relies on appendfsync always, else says what can be lost', () => {
    expect(durabilityFor({ aofEnabled: true, appendfsync: 'everysec', waitaofSupported: true })).toMatchObject({ mode: 'waitaof', atRisk: false });
    expect(durabilityFor({ aofEnabled: true, appendfsync: 'always', waitaofSupported: false })).toMatchObject({ mode: 'fsync-always', atRisk: false });
    expect(durabilityFor({ aofEnabled: true, appendfsync: 'everysec', waitaofSupported: false })).toMatchObject({ mode: 'fsync-everysec', atRisk: true });
    expect(durabilityFor({ aofEnabled: true, waitaofSupported: false })).toMatchObject({ mode: 'fsync-everysec', atRisk: true });
    expect(durabilityFor({ aofEnabled: false, appendfsync: 'always', waitaofSupported: true })).toMatchObject({ mode: 'memory-only', atRisk: true });
  });

  it('says why a hold could be lost outright: no append-only file, or a policy that evicts keys', () => {
    expect(durabilityFor({ aofEnabled: false, waitaofSupported: false }).volatileBecause).toBe('Redis has no append-only file');
    const evicting = durabilityFor({ aofEnabled: true, appendfsync: 'always', waitaofSupported: false, evictionPolicy: 'allkeys-lru' });
    expect(evicting).toMatchObject({ mode: 'fsync-always', atRisk: true, volatileBecause: 'Redis maxmemory-policy allkeys-lru can evict held messages' });
    expect(evicting.summary).toMatch(/set maxmemory-policy noeviction/);
    expect(durabilityFor({ aofEnabled: true, appendfsync: 'always', waitaofSupported: false, evictionPolicy: 'noeviction' }).volatileBecause).toBeUndefined();
    // everysec can lose about a second in a crash: a warning, not a refusal
    expect(durabilityFor({ aofEnabled: true, appendfsync: 'everysec', waitaofSupported: false, evictionPolicy: 'noeviction' }).volatileBecause).toBeUndefined();
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
    const servers: ScratchRedis[] = [];
    async function startRedis(appendfsync: string): Promise<ScratchRedis> {
      const server = await startScratchRedis(['--appendonly', 'yes', '--appendfsync', appendfsync]);
      servers.push(server);
      return server;
    }
    beforeAll(() => {
      if (!REDIS_SERVER) process.stderr.write('skipping AOF durability checks: redis-server is not installed\n');
    });
    afterAll(async () => {
      for (const server of servers) await server.close();
    });

    it('detects appendfsync always, or WAITAOF on Redis 7.2+', async () => {
      const { redis, version } = await startRedis('always');
      const durability = await detectDurability(redis);
      const hasWaitaof = compareVersions(version, '7.2.0') >= 0;
      expect(durability.mode).toBe(hasWaitaof ? 'waitaof' : 'fsync-always');
      expect(durability.atRisk).toBe(false);
      // whichever mode, a confirmed hold really is confirmed by this server
      await redis.set('probe', '1');
      await confirmDurable(redis, durability, 2_000);
    });

    it('flags appendfsync everysec without WAITAOF as losing up to about a second', async () => {
      const { redis, version } = await startRedis('everysec');
      const durability = await detectDurability(redis);
      if (compareVersions(version, '7.2.0') >= 0) expect(durability.mode).toBe('waitaof');
      else {
        expect(durability).toMatchObject({ mode: 'fsync-everysec', atRisk: true });
        expect(durability.summary).toMatch(/about the last second/);
      }
    });
  });
});

function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < 3; index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

