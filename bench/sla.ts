/**
 * Member-enquiry timers at scale: 100,000 open enquiries scheduled through EnquiryService.record
 * (time, Redis memory per enquiry); then, while those 100,000 timers wait, reminder lag after
 * the due time for a steady stream of reminders, and the drain rate of a burst falling due at
 * one instant (working-day reminders all fall at opening time); then the start-up reconcile of
 * every open enquiry. Runs in its own Redis prefix and deletes everything it wrote; the notify
 * relay is a sink in a process of its own.
 *
 * Targets (issue 5): reminder lag p99 ≤ 1 s; ≤ 2 KB of Redis per enquiry.
 * Environment: BENCH_SLA_ENQUIRIES (default 100000), BENCH_SLA_RATE reminders/s (default 25),
 * BENCH_SLA_BURST (default 500), TEST_REDIS_URL (default redis://127.0.0.1:6379).
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { defaultConfigPath, validateConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { Directory } from '../src/directory.js';
import { silentLogger } from '../src/log.js';
import { createMailer, type Mailer } from '../src/notify/mailer.js';
import { screen, type ScreeningResult } from '../src/pipeline.js';
import type { RedisHandle } from '../src/redis.js';
import { EnquiryService } from '../src/sla/service.js';
import { deleteKeys } from '../tests/helpers/redis.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ENQUIRIES = Number(process.env.BENCH_SLA_ENQUIRIES ?? 100_000);
/** reminders falling due per second in the steady phase */
const STEADY_RATE = Number(process.env.BENCH_SLA_RATE ?? 25);
/** how long the steady phase lasts, milliseconds */
const STEADY_MS = 20_000;
/** reminders falling due at one instant in the burst phase */
const BURST = Number(process.env.BENCH_SLA_BURST ?? 500);
/** the first probe reminder falls due this long after probes are recorded, milliseconds */
const PROBE_LEAD_MS = 5_000;
/** probes' reminders come this long before their deadline (the policy's remindBefore), milliseconds */
const REMIND_BEFORE_MS = 60_000;
/** records in flight at once while loading */
const IN_FLIGHT = 64;
const TARGET_LAG_P99_MS = 1_000;
const TARGET_BYTES_PER_ENQUIRY = 2_048;

const SUBJECTS = [
  'Pothole on Mill Lane',
  'Casework: green bins not collected in Castle ward for three weeks',
  'Planning application 26/01234/FUL – objection from residents of Riverside Close',
  'Street lighting out on Abbey Road',
  'Council tax query for a constituent',
  'Flooding at the junction of Station Road and the B4521 after Tuesday’s storm',
];

interface Probe {
  readonly reminderAt: number;
  firedAt?: number;
  acceptedAt?: number;
}

export async function run(): Promise<void> {
  const prefix = `mogbench-sla-${randomUUID().slice(0, 8)}`;
  // the notify relay in a process of its own, as a real MTA would be
  const sink = fork(join(import.meta.dirname, 'sink-process.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sinkPort = await new Promise<number>((resolve, reject) => {
    sink.once('message', (message: { port: number }) => resolve(message.port));
    sink.once('exit', (code) => reject(new Error(`sink-process.ts exited with ${code}`)));
  });
  const config = benchConfig(prefix, `127.0.0.1:${sinkPort}`);
  const handle: RedisHandle = { url: REDIS_URL, embedded: false, connect: (options) => new Redis(REDIS_URL, options ?? {}), close: async () => {} };
  const admin = new Redis(REDIS_URL);
  const mailer = createMailer(config);
  const probes = new Map<string, Probe>();
  const timedMailer: Mailer = {
    async send(notice) {
      const [enquiryId, stage] = splitNoticeId(notice.id ?? '');
      const probe = stage === 'ack-reminder' ? probes.get(enquiryId) : undefined;
      if (probe) probe.firedAt = Date.now();
      const sent = await mailer.send(notice);
      if (probe) probe.acceptedAt = Date.now();
      return sent;
    },
    close: () => mailer.close(),
  };
  const services: EnquiryService[] = [];
  try {
    const template = await screenTemplate(config);
    const service = new EnquiryService(config, handle, silentLogger, timedMailer, { scheduleDigest: false, concurrency: 8 });
    services.push(service);
    await service.start();

    // 1. schedule ENQUIRIES open enquiries, deadlines a month out
    const memoryBefore = await usedMemory(admin);
    const farAway = Date.now() + 30 * 86_400_000;
    const loadStarted = performance.now();
    await inParallel(ENQUIRIES, IN_FLIGHT, (index) => service.record(variant(template, `bulk-${index}`, index, farAway), new Date()));
    const loadMs = performance.now() - loadStarted;
    const memoryAfter = await usedMemory(admin);
    const prefixBytes = await prefixMemory(admin, prefix);
    const counts = await service.timerCounts();

    // 2. steady: STEADY_RATE reminders a second fall due for STEADY_MS, while the 100,000 wait
    const steadyCount = Math.round((STEADY_RATE * STEADY_MS) / 1000);
    const steadyStart = Date.now() + PROBE_LEAD_MS;
    const steady = await addProbes(service, template, probes, 'steady', steadyCount, (index) => steadyStart + Math.round((index * 1000) / STEADY_RATE));
    await waitForProbes(steady, steadyStart + STEADY_MS + 30_000);

    // 3. burst: BURST reminders due at the same instant (09:00 on a deadline day)
    const burstAt = Date.now() + PROBE_LEAD_MS;
    const burst = await addProbes(service, template, probes, 'burst', BURST, () => burstAt);
    await waitForProbes(burst, burstAt + 120_000);

    // 4. a restart: a fresh instance reconciles every open enquiry with its timer
    await service.close();
    services.length = 0;
    const restarted = new EnquiryService(config, handle, silentLogger, timedMailer, { scheduleDigest: false, runWorkers: false });
    services.push(restarted);
    const reconcileStarted = performance.now();
    const reconciled = await restarted.reconcile();
    const reconcileMs = performance.now() - reconcileStarted;

    const perEnquiryInfo = (memoryAfter - memoryBefore) / ENQUIRIES;
    const perEnquiryPrefix = prefixBytes / ENQUIRIES;
    const fired = percentiles(steady.flatMap((probe) => (probe.firedAt === undefined ? [] : [probe.firedAt - probe.reminderAt])));
    const accepted = percentiles(steady.flatMap((probe) => (probe.acceptedAt === undefined ? [] : [probe.acceptedAt - probe.reminderAt])));
    const steadySent = steady.filter((probe) => probe.acceptedAt !== undefined).length;
    const burstDone = burst.flatMap((probe) => (probe.acceptedAt === undefined ? [] : [probe.acceptedAt]));
    const burstDrainMs = burstDone.length > 0 ? Math.max(...burstDone) - burstAt : Number.NaN;
    const burstLag = percentiles(burstDone.map((at) => at - burstAt));
    const lagMet = accepted.p99 <= TARGET_LAG_P99_MS && steadySent === steadyCount;
    console.log(`\nSLA timers: ${ENQUIRIES.toLocaleString('en-GB')} open enquiries waiting; Redis ${REDIS_URL}`);
    table([
      ['measure', 'value', 'target'],
      [`schedule ${ENQUIRIES.toLocaleString('en-GB')} enquiries (record)`, `${(loadMs / 1000).toFixed(1)} s, ${Math.round((ENQUIRIES / loadMs) * 1000).toLocaleString('en-GB')}/s`, ''],
      ['delayed timer jobs after scheduling', String(counts.delayed ?? 0), String(ENQUIRIES)],
      ['Redis per enquiry, INFO used_memory delta', `${Math.round(perEnquiryInfo)} B`, `≤ ${TARGET_BYTES_PER_ENQUIRY} B: ${perEnquiryInfo <= TARGET_BYTES_PER_ENQUIRY ? 'met' : 'MISSED'}`],
      ['Redis per enquiry, MEMORY USAGE of its keys', `${Math.round(perEnquiryPrefix)} B`, `≤ ${TARGET_BYTES_PER_ENQUIRY} B: ${perEnquiryPrefix <= TARGET_BYTES_PER_ENQUIRY ? 'met' : 'MISSED'}`],
      [`steady reminders (${STEADY_RATE}/s for ${STEADY_MS / 1000} s) sent`, `${steadySent} / ${steadyCount}`, ''],
      ['  lag to timer firing p50 / p99 / max', `${fired.p50} / ${fired.p99} / ${fired.max} ms`, ''],
      ['  lag to SMTP acceptance p50 / p99 / max', `${accepted.p50} / ${accepted.p99} / ${accepted.max} ms`, `p99 ≤ ${TARGET_LAG_P99_MS} ms: ${lagMet ? 'met' : 'MISSED'}`],
      [`burst of ${BURST} due at one instant, sent`, `${burstDone.length} / ${BURST}`, ''],
      ['  all accepted by SMTP after', `${Math.round(burstDrainMs)} ms (${Math.round((burstDone.length / burstDrainMs) * 1000)}/s); p50 ${burstLag.p50} ms`, ''],
      ['restart: reconcile every enquiry with its timer', `${(reconcileMs / 1000).toFixed(1)} s for ${reconciled.checked.toLocaleString('en-GB')}`, ''],
    ]);
    console.log('(lag: from the due time to the reminder handed to the mailer / accepted by the loopback SMTP sink)');
  } finally {
    for (const service of services) await service.close();
    timedMailer.close();
    const sinkExited = new Promise((resolve) => sink.once('exit', resolve));
    sink.kill('SIGTERM');
    await sinkExited;
    await deleteKeys(prefix, REDIS_URL);
    admin.disconnect();
  }
}

/** Records `count` probe enquiries whose acknowledgement reminder falls due at `reminderAt(index)`. */
async function addProbes(
  service: EnquiryService,
  template: ScreeningResult,
  probes: Map<string, Probe>,
  label: string,
  count: number,
  reminderAt: (index: number) => number,
): Promise<Probe[]> {
  const added: Probe[] = [];
  await inParallel(count, IN_FLIGHT, async (index) => {
    const probe: Probe = { reminderAt: reminderAt(index) };
    const outcome = await service.record(variant(template, `${label}-${index}`, index, probe.reminderAt + REMIND_BEFORE_MS), new Date());
    if ('enquiryId' in outcome) {
      probes.set(outcome.enquiryId, probe);
      added.push(probe);
    }
  });
  return added;
}

async function waitForProbes(probes: readonly Probe[], deadline: number): Promise<void> {
  while (probes.some((probe) => probe.acceptedAt === undefined) && Date.now() < deadline) await sleep(250);
}

function benchConfig(prefix: string, smtp: string): Config {
  const document = parse(readFileSync(defaultConfigPath(), 'utf8')) as Record<string, unknown>;
  const result = validateConfig(
    {
      ...document,
      redis: { url: REDIS_URL, prefix },
      notify: { from: 'member-officer-gateway@greyfordvale.gov.uk', smtp },
      sla: { acknowledge: 'P30D', respond: 'P60D', remindBefore: `PT${REMIND_BEFORE_MS / 1000}S` },
    },
    'bench-config',
  );
  if ('problems' in result) throw new Error(result.problems.map((problem) => `${problem.path}: ${problem.reason}`).join('\n'));
  return result.config;
}

async function screenTemplate(config: Config): Promise<ScreeningResult> {
  const raw = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'sla', 'opens-member-asks-officer.eml'));
  const result = await screen(
    { raw, envelope: { mailFrom: 'cllr.amber@greyfordvale.gov.uk', rcptTo: ['imran.shah@greyfordvale.gov.uk'] }, receivedAt: new Date() },
    { config, directory: new Directory(config), filters: [] },
  );
  if (!result.enquiry) throw new Error('the bench fixture no longer opens an enquiry');
  return result;
}

/** One more enquiry like the template: its own Message-ID and subject, acknowledgement due as given, full reply a month later. */
function variant(template: ScreeningResult, key: string, index: number, acknowledgeByMs: number): ScreeningResult {
  const respondByMs = acknowledgeByMs + 30 * 86_400_000;
  const opening = template.enquiry;
  if (!opening) throw new Error('template without an enquiry');
  return {
    ...template,
    message: { ...template.message, messageId: `<${key}-${randomUUID()}@greyfordvale.gov.uk>`, subject: `${SUBJECTS[index % SUBJECTS.length] ?? ''} (${index})` },
    enquiry: { ...opening, acknowledgeBy: new Date(acknowledgeByMs).toISOString(), respondBy: new Date(respondByMs).toISOString() },
  };
}

/** `<enquiry>-<stage>-<recipient hash>` back into enquiry and stage. */
function splitNoticeId(id: string): [string, string] {
  const match = /^(e[0-9a-f]{14})-((?:ack|reply)-(?:reminder|escalation))-/.exec(id);
  return [match?.[1] ?? '', match?.[2] ?? ''];
}

async function inParallel(count: number, width: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
}

/** Sum of MEMORY USAGE (all samples) over every key under the prefix. */
async function prefixMemory(redis: Redis, prefix: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    for (const [, bytes] of (await pipeline.exec()) ?? []) total += Number(bytes ?? 0);
  } while (cursor !== '0');
  return total;
}

function percentiles(values: readonly number[]): { p50: number; p99: number; max: number } {
  if (values.length === 0) return { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function table(rows: ReadonlyArray<readonly string[]>): void {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  for (const [index, row] of rows.entries()) {
    console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
    if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  }
}

const invokedDirectly = process.argv[1]?.endsWith('sla.ts') ?? false;
if (invokedDirectly) await run();
