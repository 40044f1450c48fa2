import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ConfigError, errorMessage, GatewayError } from '../errors.js';
import { silentLogger } from '../log.js';
import { headerSafe, type Mailer } from '../notify/mailer.js';
import { openRedis, type RedisHandle } from '../redis.js';
import { EnquiryService, type EnquiryStatus, type EnquirySummary } from './service.js';

const STATUSES: readonly EnquiryStatus[] = ['open', 'acknowledged', 'overdue', 'closed'];

export const ENQUIRIES_USAGE = `usage: member-officer-gateway enquiries [--config FILE] [--status S[,S...]] [--all] [--limit N] [--json]

Lists member enquiries with their status and due dates, newest first.
  --status S   only these statuses: ${STATUSES.join(', ')} (comma-separated or repeated)
  --all        include closed enquiries (by default they are left out)
  --limit N    look at the newest N enquiries (default 1000)
  --json       one JSON object per line, as GET /api/enquiries gives them
`;

/** Listing needs no notices sent; a mailer that refuses makes sure none is. */
const noMailer: Mailer = {
  send: () => Promise.reject(new GatewayError('NOTIFY_DISABLED', 'the enquiries listing sends no mail')),
  close: () => {},
};

/**
 * `member-officer-gateway enquiries`: the enquiry listing from the shared Redis. Exit status 0,
 * or 2 for bad arguments, a bad policy file or Redis that does not answer (with the reason on
 * stderr).
 */
export async function runEnquiriesCommand(args: string[], configPath: string): Promise<number> {
  let values: { config?: string; status?: string[]; all?: boolean; limit?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: 'string' },
        status: { type: 'string', multiple: true },
        all: { type: 'boolean' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    return fail(`${errorMessage(error)}\n\n${ENQUIRIES_USAGE}`);
  }
  if (values.help) {
    process.stdout.write(ENQUIRIES_USAGE);
    return 0;
  }
  const statuses = (values.status ?? []).flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
  const unknown = statuses.filter((status) => !STATUSES.includes(status as EnquiryStatus));
  if (unknown.length > 0) return fail(`unknown status "${unknown.join('", "')}": use ${STATUSES.join(', ')}`);
  const limit = values.limit === undefined ? 1000 : Number(values.limit);
  if (!Number.isInteger(limit) || limit <= 0) return fail(`--limit must be a positive whole number, not "${values.limit ?? ''}"`);

  let config: Config;
  try {
    config = loadConfig(values.config ?? configPath);
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message, '');
    throw error;
  }
  if (!config.redis.url && !config.redis.sentinels) {
    return fail('enquiries are kept in Redis: set redis.url or redis.sentinels (an embedded Redis started by `start` is not reachable from here)');
  }

  let redis: RedisHandle;
  try {
    redis = await openRedis(config, silentLogger);
  } catch (error) {
    return fail(errorMessage(error));
  }
  const service = new EnquiryService(config, redis, silentLogger, noMailer, { runWorkers: false, scheduleDigest: false });
  try {
    const wanted: readonly EnquiryStatus[] = statuses.length > 0 ? (statuses as EnquiryStatus[]) : values.all ? STATUSES : ['open', 'acknowledged', 'overdue'];
    const items = await service.list({ limit, status: wanted });
    if (values.json) {
      for (const item of items) process.stdout.write(`${JSON.stringify(item)}\n`);
    } else {
      process.stdout.write(renderTable(items, config.council.timezone));
    }
    return 0;
  } catch (error) {
    return fail(errorMessage(error));
  } finally {
    await service.close();
    await redis.close();
  }
}

/** A fixed-width table for a terminal; text from mail is flattened so it cannot move the cursor or add lines. */
export function renderTable(items: readonly EnquirySummary[], timezone: string): string {
  if (items.length === 0) return 'no enquiries\n';
  const when = (iso: string): string =>
    new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
  const rows = items.map((item) => [
    item.status,
    when(item.receivedAt),
    item.acknowledgedAt ? 'done' : when(item.acknowledgeBy),
    item.closedAt ? 'done' : when(item.respondBy),
    headerSafe(item.memberName ?? item.member, 40),
    headerSafe(item.officerName ?? item.officer, 40),
    headerSafe(item.subject || '(no subject)', 40),
    item.id,
  ]);
  const header = ['STATUS', 'RECEIVED', 'ACKNOWLEDGE BY', 'REPLY BY', 'MEMBER', 'OFFICER', 'SUBJECT', 'ID'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  const overdue = items.filter((item) => item.status === 'overdue').length;
  return `${[line(header), ...rows.map(line)].join('\n')}\n\n${items.length} enquir${items.length === 1 ? 'y' : 'ies'}, ${overdue} overdue\n`;
}

function fail(message: string, prefix = 'member-officer-gateway enquiries: '): number {
  process.stderr.write(`${prefix}${message}\n`);
  return 2;
}
