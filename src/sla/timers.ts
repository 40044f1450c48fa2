import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { errorMessage, GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RedisHandle } from '../redis.js';
import { ENQUIRY_ID } from './store.js';

/**
 * What fires for an enquiry, in order: a reminder to the officer before each deadline
 * (acknowledgement, full reply) and an escalation to the manager when it passes. Names are short
 * because they are part of every job id and job hash.
 */
export const STAGES = ['ack-reminder', 'ack-escalation', 'reply-reminder', 'reply-escalation'] as const;
export type Stage = (typeof STAGES)[number];

/**
 * A timer job carries ids only: BullMQ stores job data as plain text, and message content has no
 * business there. Validated when added and again when the worker takes it. In Redis the kind is
 * the job's name and the rest its data.
 */
export const timerJobSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('stage'), enquiryId: z.string().regex(ENQUIRY_ID), stage: z.enum(STAGES) }),
  z.strictObject({ kind: z.literal('digest'), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
]);
export type TimerJob = z.infer<typeof timerJobSchema>;

/** What a handler may ask for instead of finishing: run the same job again later. */
export interface Deferral {
  readonly deferUntil: Date;
}

export type TimerHandler = (job: TimerJob) => Promise<void | Deferral>;

/**
 * The job id of a timer: one per (enquiry, stage) and one per digest day, so adding it twice,
 * from two instances or after a restart, leaves one job. Never contains ':' and is never all
 * digits (BullMQ refuses both).
 */
export function timerJobId(job: TimerJob): string {
  return job.kind === 'stage' ? `${job.enquiryId}-${job.stage}` : `digest-${job.date}`;
}

export interface EnquiryTimersOptions {
  /** key prefix; the queue's keys are `<prefix>:<queueName>:…` */
  readonly prefix: string;
  readonly logger: Logger;
  /** @defaultValue `'sla-timers'` */
  readonly queueName?: string;
  /** reminders sent in parallel by this instance @defaultValue 4 */
  readonly concurrency?: number;
  /** a timer whose handler failed (SMTP or Redis down) runs again after this long, milliseconds @defaultValue 30000 */
  readonly retryDelayMs?: number;
  /** a running job's lock; a job whose worker died is rerun after it lapses, milliseconds @defaultValue 30000 */
  readonly lockDurationMs?: number;
  /** how often lapsed locks are looked for, milliseconds @defaultValue 30000 */
  readonly stalledIntervalMs?: number;
}

/** how long finished jobs are kept so re-adding the same id stays a no-op, seconds */
const COMPLETED_JOB_AGE_SECONDS = 86_400;
const FAILED_JOB_AGE_SECONDS = 30 * 86_400;
/** longest wait for the queue's first connection, milliseconds */
const READY_TIMEOUT_MS = 2_000;
/** longest a graceful close waits for running jobs and Redis, milliseconds */
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * BullMQ delayed jobs for enquiry timers. Delivery is at least once (a job whose worker dies is
 * run again), so handlers make their effects idempotent; this class guarantees one job per id,
 * ids-only payloads, and that a failing handler is retried rather than dropped.
 *
 * Job options are kept to the id and the delay: retention is set on the worker and retries are
 * done by re-delaying the job, so no per-job copy of either is stored with each of the (possibly
 * hundreds of thousands of) waiting timers.
 */
export class EnquiryTimers {
  readonly queueName: string;
  private readonly queueConnection: Redis;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private workerConnection: Redis | undefined;

  constructor(
    private readonly redis: RedisHandle,
    private readonly options: EnquiryTimersOptions,
  ) {
    this.queueName = options.queueName ?? 'sla-timers';
    // producers fail fast when Redis is down, so recording mail never waits on it
    this.queueConnection = redis.connect({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.queueConnection.on('error', (error: Error) => options.logger.warn({ err: error.message }, 'sla timer queue: redis connection error'));
    this.queue = new Queue(this.queueName, { connection: this.queueConnection, prefix: options.prefix });
    this.queue.on('error', (error: Error) => options.logger.warn({ err: error.message }, 'sla timer queue error'));
  }

  /** Resolves once the queue is usable; rejects after a short wait rather than waiting for Redis to come back. */
  async ready(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new GatewayError('REDIS_UNAVAILABLE', 'sla timer queue: Redis is not connected')), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.queue.waitUntilReady(), giveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Schedules the job to run at `at` (at once if that has passed). A job with the same id is left as it is. */
  async schedule(job: TimerJob, at: Date): Promise<void> {
    const { kind, ...data } = timerJobSchema.parse(job);
    await this.queue.add(kind, data, { jobId: timerJobId(job), delay: Math.max(0, at.getTime() - Date.now()) });
  }

  /** Removes a job that has not started; a running one finishes (its handler re-checks the enquiry). */
  async cancel(job: TimerJob): Promise<void> {
    const id = timerJobId(job);
    try {
      await this.queue.remove(id);
    } catch (error) {
      this.options.logger.debug({ jobId: id, err: errorMessage(error) }, 'sla timer not removed (running or gone)');
    }
  }

  /** The state of a job, or undefined when there is none. */
  async stateOf(job: TimerJob): Promise<string | undefined> {
    const found = await this.queue.getJob(timerJobId(job));
    return found ? await found.getState() : undefined;
  }

  /** Moves every failed timer back to run again. */
  async retryFailed(): Promise<number> {
    const failed = await this.queue.getFailed();
    for (const job of failed) await job.retry('failed');
    return failed.length;
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('delayed', 'waiting', 'active', 'completed', 'failed', 'prioritized');
  }

  /** Starts this instance's worker. Several instances may run workers on one Redis: each job runs on one. */
  async startWorker(handler: TimerHandler): Promise<void> {
    if (this.worker) return;
    // workers block on Redis and must retry for ever rather than give up on a command
    this.workerConnection = this.redis.connect({ maxRetriesPerRequest: null });
    this.workerConnection.on('error', (error: Error) => this.options.logger.warn({ err: error.message }, 'sla worker: redis connection error'));
    const logger = this.options.logger;
    this.worker = new Worker(
      this.queueName,
      async (job: Job, token?: string) => {
        const parsed = timerJobSchema.safeParse({ ...(isRecord(job.data) ? job.data : {}), kind: job.name });
        if (!parsed.success) {
          // a job this code did not write: keep it as failed for inspection, never retry it
          throw new GatewayError('TIMER_JOB_INVALID', `timer job ${job.id ?? '?'} has unexpected data: ${parsed.error.issues[0]?.message ?? ''}`);
        }
        let runAgainAt: number;
        try {
          const outcome = await handler(parsed.data);
          if (!outcome) return;
          runAgainAt = outcome.deferUntil.getTime();
        } catch (error) {
          // a notice that could not go (SMTP or Redis down) must not be dropped: try again later
          runAgainAt = Date.now() + (this.options.retryDelayMs ?? 30_000);
          logger.error({ jobId: job.id, err: errorMessage(error), retryAt: new Date(runAgainAt).toISOString() }, 'sla timer failed; will run again');
        }
        await job.moveToDelayed(runAgainAt, token);
        throw new DelayedError();
      },
      {
        connection: this.workerConnection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency ?? 4,
        removeOnComplete: { age: COMPLETED_JOB_AGE_SECONDS },
        removeOnFail: { age: FAILED_JOB_AGE_SECONDS },
        ...(this.options.lockDurationMs ? { lockDuration: this.options.lockDurationMs } : {}),
        ...(this.options.stalledIntervalMs ? { stalledInterval: this.options.stalledIntervalMs } : {}),
      },
    );
    this.worker.on('error', (error: Error) => logger.warn({ err: error.message }, 'sla worker error'));
    this.worker.on('failed', (job: Job | undefined, error: Error) => {
      logger.error({ jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'sla timer failed');
    });
    await this.worker.waitUntilReady();
  }

  /**
   * Stops the worker, letting running jobs finish, and closes the queue. If Redis is down that
   * could wait for ever; after {@link CLOSE_TIMEOUT_MS} the connections are dropped instead (a job
   * cut short is rerun by another instance; a notice it had claimed but not confirmed is sent again
   * once the claim is older than any send could take, with the same Message-ID).
   */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    const graceful = (async () => {
      await worker?.close();
      await this.queue.close();
    })();
    graceful.catch(() => {});
    if (!(await settlesWithin(graceful, CLOSE_TIMEOUT_MS))) {
      this.options.logger.warn('sla timers: Redis did not answer while closing; connections dropped');
    }
    this.queueConnection.disconnect();
    this.workerConnection?.disconnect();
    // with the connections gone, pending commands fail and the close completes
    await settlesWithin(graceful, CLOSE_TIMEOUT_MS);
  }

  /** Removes every job of this queue (tests and the bench clean up with it). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether the promise settles (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return settled;
}
