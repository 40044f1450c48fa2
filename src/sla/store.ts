import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { GatewayError } from '../errors.js';

/**
 * Enquiry ids are derived from the message, so every instance and every duplicate delivery
 * arrives at the same id. `e` + 14 hex digits: 56 bits, so even at ten million enquiries the
 * chance that any two share an id is about 1 in 1,400; ids appear in every key and job of an
 * enquiry, so shorter is smaller. Never all digits and never a ':' (BullMQ job ids are built from it).
 */
export const ENQUIRY_ID = /^e[0-9a-f]{14}$/;

const isoInstant = z.string().datetime({ offset: true });

/**
 * One enquiry as stored: a single JSON string per enquiry (smaller than a hash once a subject
 * passes Redis's 64-byte listpack limit), changed only by Lua scripts so every change is atomic.
 * Flags use flat keys: `done:<stage>`, `notice:<stage>:<recipient>`, `breach:<deadline>`.
 */
export const storedEnquirySchema = z
  .object({
    id: z.string().regex(ENQUIRY_ID),
    member: z.string(),
    officer: z.string(),
    /** '1' while the enquiry is with a shared mailbox rather than a named officer */
    officerIsMailbox: z.enum(['0', '1']),
    subject: z.string(),
    receivedAt: isoInstant,
    acknowledgeBy: isoInstant,
    respondBy: isoInstant,
    acknowledgedAt: isoInstant.optional(),
    acknowledgedBy: z.string().optional(),
    closedAt: isoInstant.optional(),
    closedBy: z.string().optional(),
    /** the stage whose timer job is currently scheduled */
    timer: z.string().optional(),
  })
  .catchall(z.string());
export type StoredEnquiry = z.infer<typeof storedEnquirySchema>;

/** A flag or notice state kept in the enquiry (`done:…`, `notice:…`, `breach:…`). */
export type EnquiryFlag = `done:${string}` | `notice:${string}` | `breach:${string}`;

// KEYS: record, all, index keys…; ARGV: id, record JSON, received (ms), expire at (s)
const OPEN_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[1], 'EXAT', ARGV[4]) end
return 1`;

// KEYS: record; ARGV: kind, at, by, byIsOfficer, closedExpireAt
const REPLY_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local r = cjson.decode(raw)
local changed = false
if not r.acknowledgedAt then r.acknowledgedAt = ARGV[2]; r.acknowledgedBy = ARGV[3]; changed = true end
if r.officerIsMailbox == '1' and ARGV[4] == '1' then r.officer = ARGV[3]; r.officerIsMailbox = '0'; changed = true end
if ARGV[1] == 'substantive' and not r.closedAt then r.closedAt = ARGV[2]; r.closedBy = ARGV[3]; changed = true end
local encoded = cjson.encode(r)
if changed then
  if r.closedAt then
    redis.call('SET', KEYS[1], encoded, 'EXAT', ARGV[5])
  else
    redis.call('SET', KEYS[1], encoded, 'KEEPTTL')
  end
end
return encoded`;

// ARGV: field, value. Sets the field only if absent; returns the value now stored, or false if no enquiry
const SET_IF_ABSENT_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local r = cjson.decode(raw)
local existing = r[ARGV[1]]
if existing ~= nil and existing ~= cjson.null then return existing end
r[ARGV[1]] = ARGV[2]
redis.call('SET', KEYS[1], cjson.encode(r), 'KEEPTTL')
return ARGV[2]`;

// ARGV: field, value ('' deletes), expected ('' = any). Returns 1 if changed
const COMPARE_AND_SET_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local r = cjson.decode(raw)
local current = r[ARGV[1]]
if current == cjson.null then current = nil end
if ARGV[3] ~= '' and current ~= ARGV[3] then return 0 end
if ARGV[2] == '' then r[ARGV[1]] = nil else r[ARGV[1]] = ARGV[2] end
redis.call('SET', KEYS[1], cjson.encode(r), 'KEEPTTL')
return 1`;

interface ScriptedRedis extends Redis {
  slaOpen(...args: Array<string | number>): Promise<number>;
  slaReply(...args: Array<string | number>): Promise<string | null>;
  slaSetIfAbsent(...args: Array<string | number>): Promise<string | null>;
  slaCompareAndSet(...args: Array<string | number>): Promise<number>;
}

/** What opening an enquiry stores besides the record. */
export interface OpenIndexes {
  /** Message-IDs whose replies belong to this enquiry */
  readonly threadIds: readonly string[];
  /** normalised subject + member identity, for the stated fallback match */
  readonly subjectKey?: string;
  /** when the record and its indexes expire, epoch seconds */
  readonly expireAtSeconds: number;
}

/**
 * Enquiries in Redis under `<prefix>:{sla}:`. The braces keep every key of one council in one
 * Redis Cluster slot, so the multi-key scripts work there too.
 */
export class EnquiryStore {
  private readonly redis: ScriptedRedis;
  private readonly base: string;

  constructor(redis: Redis, prefix: string) {
    redis.defineCommand('slaOpen', { lua: OPEN_SCRIPT });
    redis.defineCommand('slaReply', { numberOfKeys: 1, lua: REPLY_SCRIPT });
    redis.defineCommand('slaSetIfAbsent', { numberOfKeys: 1, lua: SET_IF_ABSENT_SCRIPT });
    redis.defineCommand('slaCompareAndSet', { numberOfKeys: 1, lua: COMPARE_AND_SET_SCRIPT });
    this.redis = redis as ScriptedRedis;
    this.base = `${prefix}:{sla}`;
  }

  /** Stores a new enquiry with its indexes; false if it already exists (a duplicate delivery). */
  async open(record: StoredEnquiry, indexes: OpenIndexes): Promise<boolean> {
    const keys = [
      this.enquiryKey(record.id),
      this.allKey(),
      ...indexes.threadIds.map((id) => this.threadKey(id)),
      ...(indexes.subjectKey ? [this.subjectKey(indexes.subjectKey)] : []),
    ];
    // the id is the key: not stored twice
    const { id, ...stored } = record;
    const created = await this.redis.slaOpen(keys.length, ...keys, id, JSON.stringify(stored), Date.parse(record.receivedAt), indexes.expireAtSeconds);
    return created === 1;
  }

  async get(id: string): Promise<StoredEnquiry | undefined> {
    return parseRecord(id, await this.redis.get(this.enquiryKey(id)));
  }

  async getMany(ids: readonly string[]): Promise<Array<StoredEnquiry | undefined>> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(...ids.map((id) => this.enquiryKey(id)));
    return raws.map((raw, index) => parseRecord(ids[index] ?? '', raw));
  }

  /** The enquiry a message answers: the first of these Message-IDs that belongs to one. */
  async findByThread(messageIds: readonly string[]): Promise<string | undefined> {
    if (messageIds.length === 0) return undefined;
    const found = await this.redis.mget(...messageIds.map((id) => this.threadKey(id)));
    return found.find((id): id is string => typeof id === 'string');
  }

  async findBySubject(subjectKey: string): Promise<string | undefined> {
    return (await this.redis.get(this.subjectKey(subjectKey))) ?? undefined;
  }

  /** Adds a message to an enquiry's thread, so replies to it are matched too. */
  async indexThread(messageId: string, enquiryId: string, expireAtSeconds: number): Promise<void> {
    await this.redis.set(this.threadKey(messageId), enquiryId, 'EXAT', expireAtSeconds);
  }

  /** Applies an officer's reply: acknowledges, closes if substantive; a reply from an officer takes over a mailbox's enquiry. */
  async applyReply(
    id: string,
    reply: { kind: 'holding' | 'substantive'; at: Date; by: string; byIsOfficer: boolean },
    closedExpireAtSeconds: number,
  ): Promise<StoredEnquiry | undefined> {
    const raw = await this.redis.slaReply(
      this.enquiryKey(id),
      reply.kind,
      reply.at.toISOString(),
      reply.by,
      reply.byIsOfficer ? '1' : '0',
      closedExpireAtSeconds,
    );
    return parseRecord(id, raw);
  }

  /** Sets a flag unless it is already set; returns the value now stored (undefined: no such enquiry). */
  async setIfAbsent(id: string, field: EnquiryFlag | 'timer', value: string): Promise<string | undefined> {
    return (await this.redis.slaSetIfAbsent(this.enquiryKey(id), field, value)) ?? undefined;
  }

  /** Sets (or with `value` '' deletes) a field, only if it holds `expected` (or anything, when `expected` is ''). */
  async compareAndSet(id: string, field: EnquiryFlag | 'timer', value: string, expected = ''): Promise<boolean> {
    return (await this.redis.slaCompareAndSet(this.enquiryKey(id), field, value, expected)) === 1;
  }

  /** Every enquiry id still indexed, oldest first (closed ones too, until they expire). */
  async allIds(): Promise<string[]> {
    return this.redis.zrange(this.allKey(), '0', '-1');
  }

  /** Drops an id whose record has expired from the index. */
  async forget(id: string): Promise<void> {
    await this.redis.zrem(this.allKey(), id);
  }

  /** Newest first; ids whose record has expired are dropped from the index on the way. */
  async listRecent(limit: number): Promise<StoredEnquiry[]> {
    const ids = await this.redis.zrevrange(this.allKey(), 0, limit - 1);
    const records = await this.getMany(ids);
    const gone = ids.filter((_, index) => records[index] === undefined);
    if (gone.length > 0) await this.redis.zrem(this.allKey(), ...gone);
    return records.filter((record): record is StoredEnquiry => record !== undefined);
  }

  async recordBreach(id: string, deadline: 'acknowledge' | 'respond', at: Date): Promise<void> {
    await this.redis.zadd(this.breachesKey(), at.getTime(), `${id}|${deadline}`);
  }

  /** Breaches with their time, in (afterMs, untilMs]. */
  async breachesBetween(afterMs: number, untilMs: number): Promise<Array<{ id: string; deadline: 'acknowledge' | 'respond'; at: Date }>> {
    const flat = await this.redis.zrangebyscore(this.breachesKey(), `(${afterMs}`, String(untilMs), 'WITHSCORES');
    const breaches: Array<{ id: string; deadline: 'acknowledge' | 'respond'; at: Date }> = [];
    for (let index = 0; index + 1 < flat.length; index += 2) {
      const [id, deadline] = (flat[index] ?? '').split('|');
      if (!id || (deadline !== 'acknowledge' && deadline !== 'respond')) continue;
      breaches.push({ id, deadline, at: new Date(Number(flat[index + 1])) });
    }
    return breaches;
  }

  async forgetBreachesBefore(beforeMs: number): Promise<void> {
    await this.redis.zremrangebyscore(this.breachesKey(), '-inf', `(${beforeMs}`);
  }

  /** Claims one digest delivery (date, recipient); false if another attempt already claimed it. */
  async claimDigest(date: string, recipient: string, value: string): Promise<boolean> {
    const key = `${this.base}:digest:${date}`;
    const claimed = await this.redis.hsetnx(key, recipient, value);
    await this.redis.expire(key, 14 * 86_400);
    return claimed === 1;
  }

  async markDigest(date: string, recipient: string, value: string): Promise<void> {
    await this.redis.hset(`${this.base}:digest:${date}`, recipient, value);
  }

  async releaseDigest(date: string, recipient: string): Promise<void> {
    await this.redis.hdel(`${this.base}:digest:${date}`, recipient);
  }

  async digestDone(date: string): Promise<boolean> {
    return (await this.redis.hexists(`${this.base}:digest:${date}`, '*done')) === 1;
  }

  async markDigestDone(date: string, coveredUntilMs: number): Promise<void> {
    await this.redis.hset(`${this.base}:digest:${date}`, '*done', String(coveredUntilMs));
    await this.redis.set(`${this.base}:digest-last`, String(coveredUntilMs));
  }

  /** Until when the last digest reported breaches, epoch ms (0: never). */
  async lastDigestCovered(): Promise<number> {
    return Number((await this.redis.get(`${this.base}:digest-last`)) ?? 0);
  }

  private enquiryKey(id: string): string {
    return `${this.base}:e:${id}`;
  }

  private allKey(): string {
    return `${this.base}:all`;
  }

  private breachesKey(): string {
    return `${this.base}:breaches`;
  }

  private threadKey(messageId: string): string {
    return `${this.base}:t:${shortHash(messageId)}`;
  }

  private subjectKey(subjectKey: string): string {
    return `${this.base}:s:${shortHash(subjectKey)}`;
  }
}

/** 120 bits of SHA-256 in base64url: index keys stay short and carry no personal data. */
export function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 20);
}

function parseRecord(id: string, raw: string | null | undefined): StoredEnquiry | undefined {
  if (raw === null || raw === undefined) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(raw);
  } catch {
    throw new GatewayError('ENQUIRY_CORRUPT', `stored enquiry ${id} is not valid JSON`);
  }
  const parsed = storedEnquirySchema.safeParse({ ...(typeof document === 'object' && document !== null ? document : {}), id });
  if (!parsed.success) throw new GatewayError('ENQUIRY_CORRUPT', `a stored enquiry does not match its schema: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}
