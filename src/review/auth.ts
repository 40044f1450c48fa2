import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import { hashParams, hashPassword, verifyPassword } from './password.js';

/** Who is making a request, and how they proved it. */
export interface Principal {
  readonly user: string;
  readonly via: 'session' | 'basic' | 'proxy';
  /** the token a form or a cookie-authenticated API call must echo */
  readonly csrfToken: string;
  /** the raw session token, for sign-out */
  readonly sessionToken?: string;
}

/** the window sign-in attempts are counted over, seconds */
export const LOGIN_WINDOW_SECONDS = 15 * 60;
/** sign-in attempts for one user name from one address in the window before that pair is refused (429) */
export const MAX_ATTEMPTS_PER_USER_AND_ADDRESS = 5;
/** sign-in attempts from one client address in the window before that address is refused (429) */
export const MAX_ATTEMPTS_PER_ADDRESS = 20;
/** scrypt needs 128 MiB and a core per check: at most this many run at once */
const MAX_CONCURRENT_VERIFICATIONS = 2;
/** a verified HTTP Basic credential is trusted again without scrypt for this long, milliseconds */
const BASIC_CACHE_MS = 5 * 60_000;
const BASIC_CACHE_ENTRIES = 100;

/** Local accounts from `review.accounts`: scrypt checks, one at a time per core, equal work for unknown names. */
export class Accounts {
  private readonly hashes: Map<string, string>;
  private dummyHash?: Promise<string>;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly basicCache = new Map<string, number>();

  constructor(accounts: Config['review']['accounts']) {
    this.hashes = new Map(accounts.map((account) => [account.user, account.passwordHash]));
  }

  async verify(user: string, password: string): Promise<boolean> {
    const stored = this.hashes.get(user);
    // an unknown name costs the same scrypt work, so timing does not tell which names exist
    const hash = stored ?? (await this.dummy());
    await this.acquire();
    try {
      const ok = await verifyPassword(password, hash);
      return ok && stored !== undefined;
    } finally {
      this.release();
    }
  }

  /** As `verify`, but remembers a success for a few minutes: API clients send Basic on every call. */
  /** These Basic credentials were checked and right a moment ago: no need to check (or count) them again. */
  knownGood(user: string, password: string): boolean {
    const until = this.basicCache.get(this.basicKey(user, password));
    return until !== undefined && until > Date.now();
  }

  private basicKey(user: string, password: string): string {
    return createHash('sha256').update(`${user}\0${password}\0${this.hashes.get(user) ?? ''}`).digest('hex');
  }

  async verifyBasic(user: string, password: string): Promise<{ ok: boolean; cached: boolean }> {
    const key = this.basicKey(user, password);
    if (this.knownGood(user, password)) return { ok: true, cached: true };
    const ok = await this.verify(user, password);
    if (ok) {
      if (this.basicCache.size >= BASIC_CACHE_ENTRIES) this.basicCache.clear();
      this.basicCache.set(key, Date.now() + BASIC_CACHE_MS);
    }
    return { ok, cached: false };
  }

  private dummy(): Promise<string> {
    const first = this.hashes.values().next().value;
    const params = first ? hashParams(first) : null;
    this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'), params ?? undefined);
    return this.dummyHash;
  }

  private async acquire(): Promise<void> {
    if (this.running < MAX_CONCURRENT_VERIFICATIONS) {
      this.running += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}

export interface SessionRecord {
  readonly user: string;
  readonly csrfToken: string;
  readonly createdAt: number;
}

/**
 * Sessions in Redis, so several gateway instances behind a load balancer share them. Only a hash
 * of the cookie value is stored. A session ends after `idleMs` without use or `maxMs` after it began.
 */
export class Sessions {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly idleMs: number,
    private readonly maxMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session with a new token: sign-in never reuses an old one. */
  async create(user: string): Promise<{ token: string; record: SessionRecord }> {
    const token = randomBytes(32).toString('base64url');
    const record: SessionRecord = { user, csrfToken: randomBytes(32).toString('base64url'), createdAt: this.now() };
    await this.redis.set(this.key(token), JSON.stringify(record), 'PX', this.idleMs);
    return { token, record };
  }

  async get(token: string): Promise<SessionRecord | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const key = this.key(token);
    const text = await this.redis.get(key);
    if (!text) return null;
    const record = JSON.parse(text) as SessionRecord;
    if (this.now() - record.createdAt > this.maxMs) {
      await this.redis.del(key);
      return null;
    }
    await this.redis.pexpire(key, this.idleMs);
    return record;
  }

  async destroy(token: string): Promise<void> {
    await this.redis.del(this.key(token));
  }

  private key(token: string): string {
    return `${this.keyPrefix}:session:${createHash('sha256').update(token).digest('hex')}`;
  }
}

/**
 * Counts sign-in attempts per (user name, address) and per address, before the password is
 * checked: a burst of simultaneous guesses is counted as it arrives, and past the limit the rest
 * are refused without a check. A successful sign-in clears its own count. Nothing is counted per
 * user name alone, so guesses from one address cannot lock the real user out from another.
 */
export class LoginLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  /** Counts an attempt; 0 if it may be checked now, else seconds until the pair or the address may try again. */
  async attempt(user: string, address: string): Promise<number> {
    const pair = this.pairKey(user, address);
    const from = this.addressKey(address);
    const replies = await this.redis
      .multi()
      .incr(pair)
      .expire(pair, LOGIN_WINDOW_SECONDS, 'NX')
      .incr(from)
      .expire(from, LOGIN_WINDOW_SECONDS, 'NX')
      .ttl(pair)
      .ttl(from)
      .exec();
    const value = (index: number): number => Number(replies?.[index]?.[1] ?? 0);
    let wait = 0;
    if (value(0) > MAX_ATTEMPTS_PER_USER_AND_ADDRESS) wait = Math.max(wait, value(4) > 0 ? value(4) : LOGIN_WINDOW_SECONDS);
    if (value(2) > MAX_ATTEMPTS_PER_ADDRESS) wait = Math.max(wait, value(5) > 0 ? value(5) : LOGIN_WINDOW_SECONDS);
    return wait;
  }

  /** The attempt was right: it no longer counts against the pair or the address. */
  async succeeded(user: string, address: string): Promise<void> {
    await this.redis.multi().del(this.pairKey(user, address)).decr(this.addressKey(address)).exec();
  }

  private pairKey(user: string, address: string): string {
    return `${this.keyPrefix}:login-attempts:user-address:${createHash('sha256').update(`${user}\0${address}`).digest('hex').slice(0, 32)}`;
  }

  private addressKey(address: string): string {
    return `${this.keyPrefix}:login-attempts:address:${address}`;
  }
}

/** `review.trustedProxy` is unusable (an address that is not one). */
export class TrustedProxyConfigError extends GatewayError {
  constructor(message: string) {
    super('REVIEW_PROXY_INVALID', message);
  }
}

/** Sign-in by a reverse proxy's header, believed only from the configured addresses. */
export class TrustedProxy {
  private readonly allowed = new BlockList();
  private readonly users: ReadonlySet<string>;
  readonly header: string;

  constructor(settings: NonNullable<Config['review']['trustedProxy']>) {
    this.header = settings.header;
    this.users = new Set(settings.users);
    for (const entry of settings.addresses) {
      const [address = '', prefix] = entry.split('/');
      const family = isIP(address);
      if (family === 0) throw new TrustedProxyConfigError(`review.trustedProxy.addresses: "${entry}" is not an IP address or CIDR range`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.allowed.addAddress(address, type);
      else {
        const bits = Number(prefix);
        if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) throw new TrustedProxyConfigError(`review.trustedProxy.addresses: "${entry}" has a bad prefix length`);
        this.allowed.addSubnet(address, bits, type);
      }
    }
  }

  isProxy(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    return this.allowed.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  mayReview(user: string): boolean {
    return this.users.has(user);
  }
}

/** The synchroniser token for a proxy-signed-in user, who has no session of ours to keep one in. */
export function proxyCsrfToken(secret: string, user: string): string {
  return createHmac('sha256', secret).update(`csrf\0${user}`).digest('base64url');
}

export function tokensEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** `user:password` from an `Authorization: Basic` header, or null. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  if (!header) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The client address, with IPv4-mapped IPv6 written as IPv4. */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
