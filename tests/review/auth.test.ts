import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Accounts, Sessions, TrustedProxy, TrustedProxyConfigError } from '../../src/review/auth.js';
import { hashPassword, verifyPassword } from '../../src/review/password.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { REVIEWER, reviewerHash } from './fixture.js';

describe('review sign-in pieces', () => {
  let prefix: string;
  let redis: Redis;
  beforeEach(() => {
    prefix = uniquePrefix('review-auth');
    redis = new Redis(TEST_REDIS_URL);
  });
  afterEach(async () => {
    redis.disconnect();
    await deleteKeys(prefix);
  });

  it('ends a session after the idle time, and after the absolute limit however busy', async () => {
    let clock = 1_000_000;
    const sessions = new Sessions(redis, prefix, 400, 60_000, () => clock);
    const idle = await sessions.create('nadia');
    expect((await sessions.get(idle.token))?.user).toBe('nadia');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await sessions.get(idle.token)).toBeNull();

    const busy = await sessions.create('nadia');
    clock += 59_000;
    expect(await sessions.get(busy.token)).not.toBeNull();
    clock += 2_000;
    expect(await sessions.get(busy.token)).toBeNull();
    // only a hash of the cookie value is stored
    const keys = await redis.keys(`${prefix}:session:*`);
    expect(keys.some((key) => key.includes(busy.token))).toBe(false);
  });

  it('checks local accounts with scrypt and treats an unknown name like a wrong password', async () => {
    const accounts = new Accounts([{ user: REVIEWER.user, passwordHash: await reviewerHash() }]);
    expect(await accounts.verify(REVIEWER.user, REVIEWER.password)).toBe(true);
    expect(await accounts.verify(REVIEWER.user, `${REVIEWER.password} `)).toBe(false);
    expect(await accounts.verify('nobody', REVIEWER.password)).toBe(false);
    expect(await verifyPassword(REVIEWER.password, 'scrypt$3$8$1$AAAA$AAAA')).toBe(false);
    expect(await verifyPassword(REVIEWER.password, 'plain-text')).toBe(false);
    expect(await hashPassword('x', { N: 2 ** 10, r: 8, p: 1 })).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it('matches proxy addresses by IP and CIDR, IPv4 and IPv6, and refuses nonsense', () => {
    const proxy = new TrustedProxy({ header: 'x-remote-user', addresses: ['10.1.0.0/16', '127.0.0.1', '::1'], users: ['nadia'] });
    expect(proxy.isProxy('10.1.200.3')).toBe(true);
    expect(proxy.isProxy('10.2.0.1')).toBe(false);
    expect(proxy.isProxy('127.0.0.1')).toBe(true);
    expect(proxy.isProxy('127.0.0.2')).toBe(false);
    expect(proxy.isProxy('::1')).toBe(true);
    expect(proxy.isProxy('not-an-ip')).toBe(false);
    expect(proxy.mayReview('nadia')).toBe(true);
    expect(proxy.mayReview('Nadia')).toBe(false);
    expect(() => new TrustedProxy({ header: 'x', addresses: ['10.0.0.0/40'], users: ['a'] })).toThrow(TrustedProxyConfigError);
    expect(() => new TrustedProxy({ header: 'x', addresses: ['1.2.3'], users: ['a'] })).toThrow(TrustedProxyConfigError);
  });
});
