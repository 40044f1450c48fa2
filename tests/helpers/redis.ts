import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/**
 * The test Redis keeps no append-only file, so the gateway would refuse holds on it: stores in tests
 * that hold messages accept that (tests/review/durability.test.ts checks the refusal itself).
 */
export const VOLATILE_TEST_REDIS = true;

/** A key prefix of its own for one test, and a way to delete everything under it afterwards. */
export function uniquePrefix(label = 'test'): string {
  return `mogtest-${label}-${randomUUID().slice(0, 8)}`;
}

export async function deleteKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
