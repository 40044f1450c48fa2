import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GatewayError } from '../errors.js';
import type { Finding, Severity } from '../finding.js';
import type { Logger } from '../log.js';
import type { HeaderLine, TextSpan } from '../message/model.js';
import { confirmDurable, detectDurability, HoldNotDurableError, type Durability } from './durability.js';

export const REVIEW_STATUSES = ['flagged', 'held', 'dismissed', 'confirmed', 'released'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export const REVIEW_DECISIONS = ['dismiss', 'confirm', 'release'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** Which decision is allowed from which status, and what it leads to. */
const TRANSITIONS: Record<ReviewDecision, { readonly from: readonly ReviewStatus[]; readonly to: ReviewStatus }> = {
  dismiss: { from: ['flagged', 'held'], to: 'dismissed' },
  confirm: { from: ['flagged', 'held'], to: 'confirmed' },
  release: { from: ['held'], to: 'released' },
};

/** The decisions open to a reviewer for an item in `status`. */
export function decisionsFor(status: ReviewStatus): ReviewDecision[] {
  return REVIEW_DECISIONS.filter((decision) => TRANSITIONS[decision].from.includes(status));
}

/** What stays of a finding after the content expires: no evidence, no explanation. */
export interface FindingSummary {
  readonly filter: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly score: number;
  readonly protocolRef: string;
}

export interface DecisionRecord {
  readonly decision: ReviewDecision;
  readonly note: string;
  /** the reviewer's user name */
  readonly by: string;
  /** ISO-8601 */
  readonly at: string;
  /** the next hop's reply, for a release */
  readonly nextHopResponse?: string;
}

/** The permanent record of an item: kept after the content expires, with no message content. */
export interface ReviewRecord {
  readonly id: string;
  readonly status: ReviewStatus;
  readonly action: 'flag' | 'hold';
  readonly receivedAt: string;
  readonly storedAt: string;
  readonly contentExpiresAt: string;
  readonly findings: readonly FindingSummary[];
  readonly rawBytes: number;
  /** sha256 of the received bytes: shows later what was released, without keeping it */
  readonly rawSha256: string;
  readonly recipientCount: number;
  readonly decision?: DecisionRecord;
}

export interface PartyView {
  readonly address: string;
  readonly displayName?: string;
  /** the directory's name and roles for the address */
  readonly person?: string;
  readonly roles: readonly string[];
}

/** The few content fields the list shows; expires with the content. */
export interface ReviewSummary {
  readonly subject: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly mailFrom: string;
}

/** The message as the reviewer sees it; expires after the retention period. */
export interface ReviewContent {
  readonly subject: string;
  readonly messageId?: string;
  readonly date?: string;
  readonly from: readonly PartyView[];
  readonly replyTo: readonly PartyView[];
  readonly to: readonly PartyView[];
  readonly cc: readonly PartyView[];
  /** a Bcc: header left in the message */
  readonly bcc: readonly PartyView[];
  readonly envelope: { readonly mailFrom: string; readonly rcptTo: readonly string[]; readonly eightBitMime?: boolean };
  /** envelope recipients that are in neither To nor Cc */
  readonly hiddenRecipients: readonly string[];
  readonly headers: readonly HeaderLine[];
  readonly text: {
    readonly body: string;
    readonly newText: string;
    readonly quoted: readonly TextSpan[];
    readonly signature?: TextSpan;
    readonly fromHtml: boolean;
    readonly truncated: boolean;
  };
  /** the message's own HTML, unsanitised; sanitised only when shown */
  readonly html?: string;
  /** the gateway's Received line for the message as it arrived (CRLF-terminated), added on release */
  readonly receivedLine?: string;
  readonly attachments: readonly { readonly filename: string; readonly contentType: string; readonly size: number }[];
  readonly findings: readonly Finding[];
  readonly problems: readonly string[];
}

export interface NewReviewItem {
  readonly status: 'flagged' | 'held';
  readonly receivedAt: Date;
  /** same message, same envelope → same key: a redelivery after a crash finds the first item */
  readonly dedupeKey: string;
  readonly content: ReviewContent;
  /** the received bytes; kept (until retention ends) only for held items, for a byte-exact release */
  readonly raw: Buffer;
}

export type AuditAction =
  | 'login'
  | 'logout'
  | 'list'
  | 'view'
  | 'view-html'
  | 'decision'
  | 'release-failed'
  | 'release-recovered'
  | 'stored'
  | 'enquiries';
export interface ReleaseRecord {
  readonly state: 'sending' | 'accepted';
  readonly by: string;
  readonly at: string;
  /** the next hop's reply, once it accepted */
  readonly response?: string;
}

export type AuditResult = 'ok' | 'failed' | 'denied' | 'conflict' | 'rate-limited' | 'gone';

/** One line of the audit trail. Never message content: ids, names of reviewers, outcomes. */
export interface AuditEntry {
  readonly at: string;
  /** the reviewer (or attempted user name for a failed login); `gateway` for the relay */
  readonly who: string;
  readonly role: 'reviewer' | 'anonymous' | 'gateway';
  /** how the request was authenticated */
  readonly via: 'session' | 'basic' | 'proxy' | 'form' | 'relay' | 'restart';
  readonly action: AuditAction;
  readonly item?: string;
  readonly ip?: string;
  readonly result: AuditResult;
  /** e.g. the decision taken, or which list filters were used (names only, not values) */
  readonly detail?: string;
}

export interface AuditRecord extends AuditEntry {
  /** the stream id: time-ordered, unique */
  readonly streamId: string;
  readonly hash: string;
  readonly previousHash: string;
}

export interface ListQuery {
  /** one status, `open` (flagged and held) or `all` */
  readonly status?: ReviewStatus | 'open' | 'all';
  /** a filter id */
  readonly filter?: string;
  readonly receivedFrom?: Date;
  readonly receivedTo?: Date;
  /** part of the sender's address (From header or envelope) */
  readonly sender?: string;
  readonly limit?: number;
}

export interface ListedItem {
  readonly record: ReviewRecord;
  /** null once the content has expired */
  readonly summary: ReviewSummary | null;
}

export type DecideOutcome =
  | { readonly kind: 'ok'; readonly record: ReviewRecord; readonly previous: ReviewStatus }
  | { readonly kind: 'missing' }
  /** another reviewer's release of the item is under way */
  | { readonly kind: 'busy' }
  | { readonly kind: 'conflict'; readonly status: ReviewStatus };

export class ReviewStoreError extends GatewayError {}

export interface ReviewStoreOptions {
  /** a connection of its own: WAITAOF confirms the writes made on it */
  readonly redis: Redis;
  /** `redis.prefix` */
  readonly prefix: string;
  /** how long message content is kept after receipt, milliseconds (`review.retentionDays`) */
  readonly retentionMs: number;
  readonly logger: Logger;
  /** longest wait for WAITAOF before a hold is refused with 4xx, milliseconds */
  readonly holdFsyncTimeoutMs?: number;
  /**
   * `review.volatileHolds: accept`: store holds on a Redis that could lose them (no append-only
   * file, an evicting maxmemory-policy). Otherwise such a hold is refused, and the sender retries.
   */
  readonly acceptVolatileHolds?: boolean;
  readonly now?: () => Date;
}

/** most items one list request reads before filtering */
const LIST_SCAN_LIMIT = 5_000;
const DEFAULT_LIST_LIMIT = 200;
const DEFAULT_HOLD_FSYNC_TIMEOUT_MS = 2_000;
/** how long a reading of Redis's persistence settings is trusted before it is read again */
const DURABILITY_RECHECK_MS = 60_000;
/** content never expires sooner than this after it is stored, even for an old receipt time */
const MINIMUM_CONTENT_TTL_MS = 1_000;
/** a release in progress keeps others from releasing the same item this long, milliseconds */
const RELEASE_CLAIM_MS = 5 * 60_000;

// appends one audit line and chains it to the previous one (sha1 of previous hash + entry), so
// an edited or deleted line shows as a broken chain; runs atomically in Redis
const AUDIT_APPEND = `
local previous = redis.call('GET', KEYS[2]) or ''
local hash = redis.sha1hex(previous .. '\\n' .. ARGV[1])
local id = redis.call('XADD', KEYS[1], '*', 'entry', ARGV[1], 'prev', previous, 'hash', hash)
redis.call('SET', KEYS[2], hash)
return id
`;

// KEYS[1] item, KEYS[2..6] the status sets in REVIEW_STATUSES order, KEYS[7] the release claim
// ARGV[1] id, ARGV[2] allowed current statuses (comma-separated), ARGV[3] new status,
// ARGV[4] decision JSON, ARGV[5] '1' when this is the release that holds the claim
const DECIDE = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {'missing', ''} end
if ARGV[5] ~= '1' and redis.call('EXISTS', KEYS[7]) == 1 then return {'busy', current} end
local allowed = false
for status in string.gmatch(ARGV[2], '[^,]+') do
  if status == current then allowed = true end
end
if not allowed then return {'conflict', current} end
local statuses = {'flagged', 'held', 'dismissed', 'confirmed', 'released'}
local score = '0'
for index, status in ipairs(statuses) do
  if status == current then
    score = redis.call('ZSCORE', KEYS[index + 1], ARGV[1]) or '0'
    redis.call('ZREM', KEYS[index + 1], ARGV[1])
  end
end
for index, status in ipairs(statuses) do
  if status == ARGV[3] then redis.call('ZADD', KEYS[index + 1], score, ARGV[1]) end
end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'decision', ARGV[4])
return {'ok', current}
`;

/**
 * Flagged and held items, decisions and the audit trail, in Redis. Every key sits under
 * `<prefix>:{review}:` (one hash slot, so multi-key scripts also work on a Redis Cluster).
 *
 * Content (the message text, headers, evidence, and for held items the raw bytes) expires
 * `retentionMs` after receipt; a held item's only once it is decided, since until then it is a
 * letter waiting to be released or refused. The item record (status, filters, decision: who,
 * when, note) and the audit stream never expire.
 */
export class ReviewStore {
  readonly redis: Redis;
  readonly keyPrefix: string;
  private readonly retentionMs: number;
  private readonly logger: Logger;
  private readonly holdFsyncTimeoutMs: number;
  private readonly acceptVolatileHolds: boolean;
  private readonly now: () => Date;
  private durabilityCheck?: Promise<Durability>;
  private durabilityCheckedAt = 0;
  private lastDurabilitySummary?: string;

  constructor(options: ReviewStoreOptions) {
    this.redis = options.redis;
    this.keyPrefix = `${options.prefix}:{review}`;
    this.retentionMs = options.retentionMs;
    this.logger = options.logger;
    this.holdFsyncTimeoutMs = options.holdFsyncTimeoutMs ?? DEFAULT_HOLD_FSYNC_TIMEOUT_MS;
    this.acceptVolatileHolds = options.acceptVolatileHolds ?? false;
    this.now = options.now ?? (() => new Date());
  }

  key(...parts: string[]): string {
    return [this.keyPrefix, ...parts].join(':');
  }

  /**
   * How holds are made durable on this Redis: read again after a minute (an operator may restart
   * Redis with other settings), and logged when it changes.
   */
  durability(): Promise<Durability> {
    if (this.durabilityCheck && Date.now() - this.durabilityCheckedAt > DURABILITY_RECHECK_MS) this.durabilityCheck = undefined;
    this.durabilityCheckedAt = this.durabilityCheck ? this.durabilityCheckedAt : Date.now();
    this.durabilityCheck ??= detectDurability(this.redis).then(
      (durability) => {
        if (durability.summary !== this.lastDurabilitySummary) {
          const log = durability.atRisk ? this.logger.warn.bind(this.logger) : this.logger.info.bind(this.logger);
          const refused = durability.volatileBecause !== undefined && !this.acceptVolatileHolds;
          log({ durability: durability.mode, ...(refused ? { holds: 'refused with 451 (review.volatileHolds: refuse)' } : {}) }, durability.summary);
          this.lastDurabilitySummary = durability.summary;
        }
        return durability;
      },
      (error: unknown) => {
        this.durabilityCheck = undefined;
        throw error;
      },
    );
    return this.durabilityCheck;
  }

  /**
   * Stores a flagged or held item and returns its id. A second delivery of the same message (same
   * dedupe key) returns the first item's id instead of creating another. For a held item this
   * resolves only once the write is as durable as the Redis set-up allows.
   */
  async add(item: NewReviewItem): Promise<{ id: string; duplicate: boolean }> {
    const held = item.status === 'held';
    const durability = held ? await this.durability() : undefined;
    if (durability?.volatileBecause !== undefined && !this.acceptVolatileHolds) {
      throw new HoldNotDurableError(`${durability.volatileBecause}; a held message could be lost`);
    }
    const now = this.now();
    const ttlMs = Math.max(MINIMUM_CONTENT_TTL_MS, item.receivedAt.getTime() + this.retentionMs - now.getTime());
    const dedupeKey = this.key('dedupe', item.dedupeKey);
    const candidate = newReviewId();
    const claimed = await this.redis.set(dedupeKey, candidate, 'PX', ttlMs, 'NX');
    let id = candidate;
    if (claimed !== 'OK') {
      const existing = await this.redis.get(dedupeKey);
      if (existing && (await this.redis.exists(this.key('item', existing))) === 1) {
        if (held && durability) {
          // the first delivery may have crashed before its fsync: a write of ours, then the wait, covers it
          await this.redis.pexpire(dedupeKey, ttlMs);
          await confirmDurable(this.redis, durability, this.holdFsyncTimeoutMs);
        }
        return { id: existing, duplicate: true };
      }
      // the first attempt claimed the key and stopped before storing: finish it under the same id
      id = existing ?? candidate;
      if (!existing) await this.redis.set(dedupeKey, id, 'PX', ttlMs);
    }
    const record: ReviewRecord = {
      id,
      status: item.status,
      action: held ? 'hold' : 'flag',
      receivedAt: item.receivedAt.toISOString(),
      storedAt: now.toISOString(),
      // a held letter waits for its decision however long that takes: its content is kept until then
      contentExpiresAt: held ? '' : new Date(now.getTime() + ttlMs).toISOString(),
      findings: item.content.findings.map(summariseFinding),
      rawBytes: item.raw.length,
      rawSha256: createHash('sha256').update(item.raw).digest('hex'),
      recipientCount: item.content.envelope.rcptTo.length,
    };
    const summary: ReviewSummary = {
      subject: item.content.subject,
      from: item.content.from[0]?.address ?? item.content.envelope.mailFrom,
      to: item.content.to.map((party) => party.address),
      mailFrom: item.content.envelope.mailFrom,
    };
    const score = item.receivedAt.getTime();
    const transaction = this.redis
      .multi()
      .hset(this.key('item', id), serialiseRecord(record))
      .zadd(this.key('received'), score, id)
      .zadd(this.key('status', item.status), score, id);
    if (held) {
      transaction.set(this.key('content', id), JSON.stringify(item.content)).set(this.key('summary', id), JSON.stringify(summary)).set(this.key('raw', id), item.raw);
    } else {
      transaction.set(this.key('content', id), JSON.stringify(item.content), 'PX', ttlMs).set(this.key('summary', id), JSON.stringify(summary), 'PX', ttlMs);
    }
    const results = await transaction.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw new ReviewStoreError('REVIEW_STORE_FAILED', `storing review item failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
    if (held && durability) await confirmDurable(this.redis, durability, this.holdFsyncTimeoutMs);
    await this.audit({ who: 'gateway', role: 'gateway', via: 'relay', action: 'stored', item: id, result: 'ok', detail: item.status });
    return { id, duplicate: false };
  }

  async get(id: string): Promise<ReviewRecord | null> {
    const fields = await this.redis.hgetall(this.key('item', id));
    return parseRecord(fields);
  }

  async content(id: string): Promise<ReviewContent | null> {
    const text = await this.redis.get(this.key('content', id));
    return text === null ? null : (JSON.parse(text) as ReviewContent);
  }

  /** The held message's received bytes, or null if the item was not held or the content expired. */
  async raw(id: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.key('raw', id));
  }

  async counts(): Promise<Record<ReviewStatus, number>> {
    const pipeline = this.redis.pipeline();
    for (const status of REVIEW_STATUSES) pipeline.zcard(this.key('status', status));
    const results = (await pipeline.exec()) ?? [];
    const counts = {} as Record<ReviewStatus, number>;
    REVIEW_STATUSES.forEach((status, index) => {
      counts[status] = Number(results[index]?.[1] ?? 0);
    });
    return counts;
  }

  /** Newest first. Content filters (sender) only match items whose content has not expired. */
  async list(query: ListQuery = {}): Promise<{ items: ListedItem[]; total: number }> {
    const status = query.status ?? 'all';
    const sets = status === 'all' ? [this.key('received')] : status === 'open' ? [this.key('status', 'flagged'), this.key('status', 'held')] : [this.key('status', status)];
    const max = query.receivedTo ? String(query.receivedTo.getTime()) : '+inf';
    const min = query.receivedFrom ? String(query.receivedFrom.getTime()) : '-inf';
    const scored: Array<{ id: string; score: number }> = [];
    for (const set of sets) {
      const reply = await this.redis.zrevrangebyscore(set, max, min, 'WITHSCORES', 'LIMIT', 0, LIST_SCAN_LIMIT);
      for (let index = 0; index + 1 < reply.length; index += 2) scored.push({ id: reply[index] as string, score: Number(reply[index + 1]) });
    }
    scored.sort((a, b) => b.score - a.score);
    const pipeline = this.redis.pipeline();
    for (const { id } of scored) pipeline.hgetall(this.key('item', id)).get(this.key('summary', id));
    const results = (await pipeline.exec()) ?? [];
    const sender = query.sender?.trim().toLowerCase();
    const matched: ListedItem[] = [];
    scored.forEach((_, index) => {
      const record = parseRecord(results[index * 2]?.[1] as Record<string, string> | undefined);
      if (!record) return;
      const summaryText = results[index * 2 + 1]?.[1];
      const summary = typeof summaryText === 'string' ? (JSON.parse(summaryText) as ReviewSummary) : null;
      if (query.filter && !record.findings.some((finding) => finding.filter === query.filter)) return;
      if (sender && !(summary && (summary.from.toLowerCase().includes(sender) || summary.mailFrom.toLowerCase().includes(sender)))) return;
      matched.push({ record, summary });
    });
    return { items: matched.slice(0, query.limit ?? DEFAULT_LIST_LIMIT), total: matched.length };
  }

  /** Records a decision if the item's status allows it; atomic against a concurrent decision. */
  async decide(id: string, decision: { decision: ReviewDecision; note: string; by: string; nextHopResponse?: string }): Promise<DecideOutcome> {
    const transition = TRANSITIONS[decision.decision];
    const record: DecisionRecord = {
      decision: decision.decision,
      note: decision.note,
      by: decision.by,
      at: this.now().toISOString(),
      ...(decision.nextHopResponse !== undefined ? { nextHopResponse: decision.nextHopResponse } : {}),
    };
    const keys = [this.key('item', id), ...REVIEW_STATUSES.map((status) => this.key('status', status)), this.key('releasing', id)];
    const isRelease = decision.decision === 'release' ? '1' : '0';
    const reply = (await this.redis.eval(DECIDE, keys.length, ...keys, id, transition.from.join(','), transition.to, JSON.stringify(record), isRelease)) as [string, string];
    const [kind, status] = reply;
    if (kind === 'missing') return { kind: 'missing' };
    if (kind === 'busy') return { kind: 'busy' };
    if (kind === 'conflict') return { kind: 'conflict', status: status as ReviewStatus };
    if (status === 'held') await this.startRetention(id);
    const updated = await this.get(id);
    if (!updated) return { kind: 'missing' };
    return { kind: 'ok', record: updated, previous: status as ReviewStatus };
  }

  /** A held item is decided: its content is kept for what remains of the retention period after receipt (at least a moment). */
  private async startRetention(id: string): Promise<void> {
    const received = Date.parse((await this.redis.hget(this.key('item', id), 'receivedAt')) ?? '');
    const now = this.now().getTime();
    const ttlMs = Math.max(MINIMUM_CONTENT_TTL_MS, (Number.isNaN(received) ? now : received) + this.retentionMs - now);
    await this.redis
      .multi()
      .pexpire(this.key('content', id), ttlMs)
      .pexpire(this.key('summary', id), ttlMs)
      .pexpire(this.key('raw', id), ttlMs)
      .hset(this.key('item', id), 'contentExpiresAt', new Date(now + ttlMs).toISOString())
      .exec();
  }

  /**
   * What a release of a held item got to, kept without expiry until its decision is recorded: set
   * to `sending` before the next hop is given the message and to `accepted` (with its reply) the
   * moment the next hop takes it, so a crash in between the next hop's reply and the decision
   * never leads to a second delivery.
   */
  async releaseRecord(id: string): Promise<ReleaseRecord | null> {
    const text = await this.redis.get(this.key('release', id));
    return text === null ? null : (JSON.parse(text) as ReleaseRecord);
  }

  async recordRelease(id: string, record: ReleaseRecord): Promise<void> {
    await this.redis.set(this.key('release', id), JSON.stringify(record));
    if (record.state === 'accepted') await confirmDurable(this.redis, await this.durability(), this.holdFsyncTimeoutMs);
  }

  async clearRelease(id: string): Promise<void> {
    await this.redis.del(this.key('release', id));
  }

  /** Items whose release record is still there: a release was interrupted before its decision. */
  async interruptedReleases(): Promise<string[]> {
    const ids: string[] = [];
    const pattern = this.key('release', '*');
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      for (const key of keys) ids.push(key.slice(pattern.length - 1));
    } while (cursor !== '0');
    return ids;
  }

  /** Marks a release as under way; false if another reviewer's release of it is in progress. */
  async claimRelease(id: string, by: string): Promise<boolean> {
    return (await this.redis.set(this.key('releasing', id), by, 'PX', RELEASE_CLAIM_MS, 'NX')) === 'OK';
  }

  async dropReleaseClaim(id: string): Promise<void> {
    await this.redis.del(this.key('releasing', id));
  }

  /** Appends to the audit trail. Entries are never changed or removed by the gateway. */
  async audit(entry: Omit<AuditEntry, 'at'> & { at?: string }): Promise<string> {
    const line: AuditEntry = { ...entry, at: entry.at ?? this.now().toISOString() };
    return (await this.redis.eval(AUDIT_APPEND, 2, this.key('audit'), this.key('audit-head'), JSON.stringify(line))) as string;
  }

  /** The audit trail, oldest first (or the newest `count`, still oldest first). */
  async auditEntries(options: { count?: number; item?: string } = {}): Promise<AuditRecord[]> {
    const reply = options.count
      ? (await this.redis.xrevrange(this.key('audit'), '+', '-', 'COUNT', options.count)).reverse()
      : await this.redis.xrange(this.key('audit'), '-', '+');
    const records = reply.map(([streamId, fields]) => parseAuditRecord(streamId, fields));
    return options.item ? records.filter((record) => record.item === options.item) : records;
  }

  /** Recomputes the hash chain; a changed, inserted or removed line breaks it. */
  async verifyAudit(): Promise<{ ok: boolean; entries: number; brokenAt?: string }> {
    const reply = await this.redis.xrange(this.key('audit'), '-', '+');
    let previous = '';
    for (const [streamId, fields] of reply) {
      const entry = fieldOf(fields, 'entry');
      const expected = createHash('sha1').update(`${previous}\n${entry}`).digest('hex');
      if (fieldOf(fields, 'prev') !== previous || fieldOf(fields, 'hash') !== expected) return { ok: false, entries: reply.length, brokenAt: streamId };
      previous = expected;
    }
    const head = (await this.redis.get(this.key('audit-head'))) ?? '';
    if (head !== previous) return { ok: false, entries: reply.length, brokenAt: 'head' };
    return { ok: true, entries: reply.length };
  }
}

/**
 * The same delivery again: the same bytes to the same envelope. A Message-ID is the sender's to
 * write, so two different letters may carry the same one; only a retry of the same message is a
 * duplicate.
 */
export function reviewDedupeKey(envelope: { mailFrom: string; rcptTo: readonly string[] }, raw: Buffer): string {
  const hash = createHash('sha256');
  hash.update('bytes\0').update(raw).update('\0');
  hash.update(`${envelope.mailFrom}\0${[...envelope.rcptTo].map((rcpt) => rcpt.toLowerCase()).sort().join('\0')}`);
  return hash.digest('hex');
}

/** lower-case letters and digits without the look-alikes (0/o, 1/l): ids get read out over the phone */
const ID_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

function newReviewId(): string {
  // 32 symbols, 5 bits each: 60 random bits
  return [...randomBytes(12)].map((byte) => ID_ALPHABET[byte & 31]).join('');
}

/** Review ids are generated here; anything else in a URL is not one. */
export function isReviewId(value: string): boolean {
  return /^[A-Za-z0-9_-]{12}$/.test(value);
}

function summariseFinding(finding: Finding): FindingSummary {
  return { filter: finding.filter, rule: finding.rule, severity: finding.severity, score: finding.score, protocolRef: finding.protocolRef };
}

function serialiseRecord(record: ReviewRecord): Record<string, string> {
  const fields: Record<string, string> = {
    id: record.id,
    status: record.status,
    action: record.action,
    receivedAt: record.receivedAt,
    storedAt: record.storedAt,
    contentExpiresAt: record.contentExpiresAt,
    findings: JSON.stringify(record.findings),
    rawBytes: String(record.rawBytes),
    rawSha256: record.rawSha256,
    recipientCount: String(record.recipientCount),
  };
  if (record.decision) fields.decision = JSON.stringify(record.decision);
  return fields;
}

function parseRecord(fields: Record<string, string> | undefined): ReviewRecord | null {
  if (!fields || !fields.id || !fields.status) return null;
  const status = fields.status as ReviewStatus;
  if (!REVIEW_STATUSES.includes(status)) return null;
  return {
    id: fields.id,
    status,
    action: fields.action === 'hold' ? 'hold' : 'flag',
    receivedAt: fields.receivedAt ?? '',
    storedAt: fields.storedAt ?? '',
    contentExpiresAt: fields.contentExpiresAt ?? '',
    findings: JSON.parse(fields.findings ?? '[]') as FindingSummary[],
    rawBytes: Number(fields.rawBytes ?? 0),
    rawSha256: fields.rawSha256 ?? '',
    recipientCount: Number(fields.recipientCount ?? 0),
    ...(fields.decision ? { decision: JSON.parse(fields.decision) as DecisionRecord } : {}),
  };
}

function fieldOf(fields: string[], name: string): string {
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] === name) return fields[index + 1] ?? '';
  }
  return '';
}

function parseAuditRecord(streamId: string, fields: string[]): AuditRecord {
  const entry = JSON.parse(fieldOf(fields, 'entry') || '{}') as AuditEntry;
  return { ...entry, streamId, hash: fieldOf(fields, 'hash'), previousHash: fieldOf(fields, 'prev') };
}
