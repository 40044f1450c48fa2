import type { Redis } from 'ioredis';
import { GatewayError } from '../errors.js';

/**
 * How a held message is made durable before the client hears 250:
 * - `waitaof`: Redis ≥ 7.2 with AOF; WAITAOF blocks until our writes are fsynced.
 * - `fsync-always`: AOF with `appendfsync always`; every write is on disk before its reply.
 * - `fsync-everysec`: AOF fsynced once a second, no WAITAOF; a Redis crash can lose about 1 s.
 * - `memory-only`: no AOF; a Redis restart loses held messages unless a snapshot caught them.
 */
export type DurabilityMode = 'waitaof' | 'fsync-always' | 'fsync-everysec' | 'memory-only';

export interface Durability {
  readonly mode: DurabilityMode;
  /** what an operator should know, for the start-up log */
  readonly summary: string;
  /** the mode leaves a window in which an acknowledged hold can be lost */
  readonly atRisk: boolean;
  /**
   * Why a held message could be lost outright (a restart without an append-only file, or eviction
   * under memory pressure), in a few words for an SMTP reply; absent when holds survive both.
   */
  readonly volatileBecause?: string;
}

/** The Redis a hold was written to did not confirm it on disk in time. */
export class HoldNotDurableError extends GatewayError {
  constructor(message: string) {
    super('HOLD_NOT_DURABLE', message);
  }
}

/** The commands the durability check needs; ioredis `Redis` satisfies it. */
export type DurabilityClient = Pick<Redis, 'info' | 'call'>;

export interface PersistenceFacts {
  readonly aofEnabled: boolean;
  /** `always`, `everysec`, `no`, or unknown when CONFIG is not allowed (managed Redis) */
  readonly appendfsync?: string;
  readonly waitaofSupported: boolean;
  /** `maxmemory-policy`, or unknown when CONFIG is not allowed */
  readonly evictionPolicy?: string;
}

/** Pure: which mode the facts give, and whether an eviction policy can drop a hold whatever the mode. */
export function durabilityFor(facts: PersistenceFacts): Durability {
  const durability = persistenceFor(facts);
  const policy = facts.evictionPolicy;
  if (policy === undefined || policy === 'noeviction') return durability;
  return {
    ...durability,
    atRisk: true,
    volatileBecause: durability.volatileBecause ?? `Redis maxmemory-policy ${policy} can evict held messages`,
    summary: `${durability.summary}; maxmemory-policy ${policy} lets Redis evict held messages under memory pressure: set maxmemory-policy noeviction`,
  };
}

function persistenceFor(facts: PersistenceFacts): Durability {
  if (!facts.aofEnabled) {
    return {
      mode: 'memory-only',
      atRisk: true,
      volatileBecause: 'Redis has no append-only file',
      summary: 'Redis has no append-only file: held messages live in memory and a Redis restart can lose them; enable appendonly (with appendfsync always, or Redis 7.2+ for WAITAOF)',
    };
  }
  if (facts.waitaofSupported) {
    return { mode: 'waitaof', atRisk: false, summary: 'held messages are acknowledged after WAITAOF confirms the fsync' };
  }
  if (facts.appendfsync === 'always') {
    return { mode: 'fsync-always', atRisk: false, summary: 'appendfsync always: every held message is on disk before it is acknowledged' };
  }
  return {
    mode: 'fsync-everysec',
    atRisk: true,
    summary: `appendfsync ${facts.appendfsync ?? '(unknown)'} without WAITAOF (Redis < 7.2): a Redis crash can lose about the last second of held messages; use appendfsync always or Redis 7.2+`,
  };
}

/** Reads the facts from the server itself. */
export async function detectDurability(client: DurabilityClient): Promise<Durability> {
  const persistence = await client.info('persistence');
  const aofEnabled = /^aof_enabled:1\s*$/m.test(persistence);
  let appendfsync: string | undefined;
  try {
    const reply = (await client.call('CONFIG', 'GET', 'appendfsync')) as unknown;
    if (Array.isArray(reply) && typeof reply[1] === 'string') appendfsync = reply[1];
  } catch {
    // managed services often disable CONFIG; the mode then assumes the weaker everysec
  }
  let evictionPolicy: string | undefined;
  try {
    const reply = (await client.call('CONFIG', 'GET', 'maxmemory-policy')) as unknown;
    if (Array.isArray(reply) && typeof reply[1] === 'string') evictionPolicy = reply[1];
  } catch {
    // unknown: a managed service that hides CONFIG is trusted not to evict
  }
  let waitaofSupported = false;
  try {
    const reply = (await client.call('COMMAND', 'INFO', 'WAITAOF')) as unknown;
    waitaofSupported = Array.isArray(reply) && reply[0] !== null && reply[0] !== undefined;
  } catch {
    waitaofSupported = false;
  }
  return durabilityFor({
    aofEnabled,
    ...(appendfsync !== undefined ? { appendfsync } : {}),
    ...(evictionPolicy !== undefined ? { evictionPolicy } : {}),
    waitaofSupported,
  });
}

/**
 * After the hold's writes on `client`: in `waitaof` mode, waits until they are fsynced on this
 * server, or throws so the client gets a 4xx and retries. Other modes return at once.
 */
export async function confirmDurable(client: DurabilityClient, durability: Durability, timeoutMs: number): Promise<void> {
  if (durability.mode !== 'waitaof') return;
  const reply = (await client.call('WAITAOF', '1', '0', String(timeoutMs))) as unknown;
  const local = Array.isArray(reply) ? Number(reply[0]) : 0;
  if (!(local >= 1)) throw new HoldNotDurableError(`Redis did not confirm the held message on disk within ${timeoutMs} ms`);
}
