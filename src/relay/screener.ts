import { setFlagsFromString } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import { Directory } from '../directory.js';
import type { Logger } from '../log.js';
import type { Envelope } from '../message/parse.js';
import { rawLength, type RawMessage, type SpooledMessage } from '../message/raw.js';
import type { ScreeningEnvironment, ScreeningResult } from '../pipeline.js';
import { GatewayError } from '../errors.js';
import { decide, unscreenedFinding } from '../policy.js';
import { bankHolidayTable, HOLIDAY_STATE, holidayYears, type BankHolidayTable } from '../sla/calendar.js';
import { startThread } from '../thread.js';

export interface ScreeningJob {
  readonly id: number;
  /** shared memory, or the spool file of a large message */
  readonly raw: Uint8Array | SpooledMessage;
  readonly envelope: Envelope;
  readonly receivedAt: string;
}

/** What a screening worker starts with. */
export interface ScreeningWorkerData {
  readonly config: Config;
  /** worked out here, so the worker need not load date-holidays */
  readonly bankHolidays: BankHolidayTable;
}

export type ScreeningReply =
  | { readonly id: number; readonly result: ScreeningResult }
  | { readonly id: number; readonly error: string }
  | { readonly ready: true };

/** wait before starting a worker again after one failed while starting, milliseconds */
const RESPAWN_DELAY_MS = 1_000;
/**
 * Messages handed to one worker before it has answered the first. A worker given one job at a
 * time sits idle for each round trip through the busy SMTP event loop; a short queue of its own
 * keeps it working, while a stuck worker still strands only these few (they flow unscreened).
 */
const JOBS_PER_WORKER = 4;
/**
 * Bytes of mail one worker may have in hand at once beyond its first message. Parsing holds
 * about twice a message's size while it runs, so large messages are screened one at a time per
 * worker and only small ones are queued up behind each other.
 */
const QUEUED_BYTES_PER_WORKER = 256 * 1024;

/**
 * V8 sets each old-generation limit up to four times the live heap, so under sustained mail an
 * idle 150 MB gateway settles near 290 MB. `relay.heapGrowthPercent` narrows that step. The flag
 * is process-wide (every thread, the SMTP thread included) and read by V8 at each collection.
 */
function restrainHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * A screening worker's semi-spaces, MB (a young generation of three, 12 MB). The process runs
 * with `--max-semi-space-size=1` so the relay thread frees received chunks within a megabyte of
 * allocation, but a worker allocates heavily for every message: with 1 MB semi-spaces much of a
 * message's working set outlives two scavenges, is promoted, and is then reclaimed by full
 * collections, whose pauses are what the slowest messages wait for.
 */
const WORKER_SEMI_SPACE_MB = 4;

/**
 * V8 lets `--max-semi-space-size` override a worker's own young-generation limit, so a process
 * started with 1 MB semi-spaces would give its workers 1 MB too. The relay thread's heap was
 * sized when the process started and keeps its limit; threads started from now on get the
 * workers' size.
 */
function sizeWorkerYoungGeneration(): void {
  setFlagsFromString(`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`);
}

/**
 * V8 samples whether the objects made at each allocation site survive young-generation
 * collections and, when a sample all survives, has that site allocate straight into the old
 * generation. A message keeps all its sentences and tokens until its last filter is done, so a
 * scavenge in the middle of one finds them all alive, and V8 moved the sites that make them over:
 * every later message's tokens were then old-generation garbage. In a screening loop of 5 KB
 * messages, turning this off cut what outlives a scavenge from 89 KB to 5 KB a message and full
 * collections from nine to two in 6,000 messages. The flag is process-wide, read at each collection.
 */
function keepMessageObjectsYoung(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

/** Whether a thread screening `count` messages of `bytes` in all may take one more of `size` bytes. */
function admits(count: number, bytes: number, size: number): boolean {
  return count === 0 || (count < JOBS_PER_WORKER && bytes + size <= QUEUED_BYTES_PER_WORKER);
}

interface Pending {
  readonly job: ScreeningJob;
  readonly resolve: (result: ScreeningResult) => void;
  timer?: NodeJS.Timeout;
  /** it was in a worker that was stopped for another message's sake, and is being screened again */
  retried?: boolean;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** sent to this worker and not yet answered, in the order sent */
  readonly inFlight: Map<number, Pending>;
}

/**
 * Screens messages in worker threads with a whole-message time budget. Screening never blocks
 * mail: a message that overruns, or a worker that dies, yields a result with a screening-error
 * finding and the policy's verdict on that.
 */
export class Screener {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  /** screening on this thread (no workers): the pipeline, loaded only in that case */
  private inline?: Promise<{ screen: typeof import('../pipeline.js').screen; environment: ScreeningEnvironment }>;
  /** messages being screened on this thread, their bytes, and who waits for a turn */
  private inlineCount = 0;
  private inlineBytes = 0;
  private readonly inlineWaiting: Array<() => void> = [];
  private nextId = 1;
  private closed = false;
  private readonly started: Promise<void>;
  private settleStart?: { resolve: () => void; reject: (error: Error) => void };

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    const { workers } = config.relay.screening;
    restrainHeapGrowth(config.relay.heapGrowthPercent);
    keepMessageObjectsYoung();
    if (workers > 0) sizeWorkerYoungGeneration();
    this.started = new Promise<void>((resolve, reject) => {
      this.settleStart = { resolve, reject };
    });
    // a caller that never awaits ready() must not see an unhandled rejection
    this.started.catch(() => undefined);
    if (workers === 0) {
      // with workers, this thread never loads the parser or the filters' models: that memory is the workers'
      this.inline = Promise.all([import('../pipeline.js'), import('../../filters/index.js')]).then(([pipeline, { filters }]) => {
        pipeline.prepareFilters(config, filters);
        return { screen: pipeline.screen, environment: { config, directory: new Directory(config), filters } };
      });
      this.inline.then(
        () => this.settleStart?.resolve(),
        (error: unknown) => this.settleStart?.reject(error instanceof Error ? error : new Error(String(error))),
      );
    }
    for (let i = 0; i < workers; i += 1) this.slots.push({ worker: this.spawn(), ready: false, inFlight: new Map() });
  }

  /** Resolves once every worker has loaded its filters; rejects if one could not (e.g. a missing model). */
  ready(): Promise<void> {
    return this.started;
  }

  async screen(raw: RawMessage, envelope: Envelope, receivedAt: Date): Promise<ScreeningResult> {
    if (this.inline) {
      const { screen, environment } = await this.inline;
      // as in a worker: small messages together, a large one only on its own
      const bytes = rawLength(raw);
      await this.inlineTurn(bytes);
      try {
        return await screen({ raw, envelope, receivedAt }, environment);
      } finally {
        this.inlineBytes -= bytes;
        this.inlineCount -= 1;
        for (const wake of this.inlineWaiting.splice(0)) wake();
      }
    }
    return new Promise<ScreeningResult>((resolve) => {
      const job: ScreeningJob = { id: this.nextId++, raw, envelope, receivedAt: receivedAt.toISOString() };
      this.queue.push({ job, resolve });
      this.dispatch();
    });
  }

  private async inlineTurn(bytes: number): Promise<void> {
    while (!admits(this.inlineCount, this.inlineBytes, bytes)) {
      await new Promise<void>((resolve) => this.inlineWaiting.push(resolve));
    }
    this.inlineBytes += bytes;
    this.inlineCount += 1;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Worker {
    const { from, to } = holidayYears(new Date());
    const workerData: ScreeningWorkerData = { config: this.config, bankHolidays: bankHolidayTable(HOLIDAY_STATE[this.config.council.bankHolidays], from, to) };
    const worker = startThread(import.meta.url, 'screening-worker', { workerData, resourceLimits: { maxYoungGenerationSizeMb: 3 * WORKER_SEMI_SPACE_MB } });
    worker.on('message', (reply: ScreeningReply) => this.onReply(worker, reply));
    worker.on('error', (error) => {
      this.logger.error({ err: error.message }, 'screening worker failed');
      const slot = this.slots.find((candidate) => candidate.worker === worker);
      if (slot && !slot.ready) this.settleStart?.reject(new GatewayError('SCREENING_UNAVAILABLE', `screening worker could not start: ${error.message}`));
      this.replace(worker, `screening worker failed: ${error.message}`, slot?.ready === false);
    });
    return worker;
  }

  private dispatch(): void {
    // the least busy ready worker takes each waiting message
    while (this.queue.length > 0) {
      let chosen: Slot | undefined;
      const waiting = this.queue[0];
      if (!waiting) return;
      for (const slot of this.slots) {
        if (!slot.ready || !this.canTake(slot, waiting.job)) continue;
        if (!chosen || slot.inFlight.size < chosen.inFlight.size) chosen = slot;
      }
      if (!chosen) return;
      const pending = this.queue.shift();
      if (!pending) return;
      const slot = chosen;
      slot.inFlight.set(pending.job.id, pending);
      pending.timer = setTimeout(() => {
        this.logger.warn({ budgetMs: this.config.relay.screening.timeoutMs }, 'screening overran its budget: worker restarted, message delivered unscreened or deferred as the policy says');
        this.replace(slot.worker, `screening took longer than ${this.config.relay.screening.timeoutMs} ms`, false, pending.job.id);
      }, this.config.relay.screening.timeoutMs);
      slot.worker.postMessage(pending.job);
    }
  }

  private canTake(slot: Slot, job: ScreeningJob): boolean {
    let bytes = 0;
    for (const pending of slot.inFlight.values()) bytes += rawLength(pending.job.raw);
    return admits(slot.inFlight.size, bytes, rawLength(job.raw));
  }

  private onReply(worker: Worker, reply: ScreeningReply): void {
    const slot = this.slots.find((candidate) => candidate.worker === worker);
    if ('ready' in reply) {
      if (slot) slot.ready = true;
      // held the process open while starting; from now on the relay's sockets do
      worker.unref();
      if (this.slots.every((candidate) => candidate.ready)) this.settleStart?.resolve();
      this.dispatch();
      return;
    }
    const pending = slot?.inFlight.get(reply.id);
    if (!slot || !pending) return;
    clearTimeout(pending.timer);
    slot.inFlight.delete(reply.id);
    if ('result' in reply) pending.resolve(reply.result);
    else pending.resolve(this.failed(pending.job, reply.error));
    this.dispatch();
  }

  /**
   * Replaces a worker that overran (`culprit`: the message that did) or failed. The culprit, and a
   * message already screened again once, get the unscreened verdict; the others it was screening
   * waited on another message's work, so they are screened again on the new worker.
   */
  private replace(worker: Worker, reason: string, failedToStart = false, culprit?: number): void {
    const slot = this.slots.find((candidate) => candidate.worker === worker);
    if (!slot) return;
    const stranded = [...slot.inFlight.values()];
    slot.inFlight.clear();
    const again: Pending[] = [];
    for (const pending of stranded) {
      clearTimeout(pending.timer);
      if (failedToStart || pending.job.id === culprit || pending.retried) pending.resolve(this.failed(pending.job, reason));
      else again.push({ ...pending, retried: true });
    }
    this.queue.unshift(...again);
    // another ready worker may take them at once
    if (again.length > 0) queueMicrotask(() => this.dispatch());
    void worker.terminate();
    slot.ready = false;
    if (this.closed) return;
    const respawn = (): void => {
      if (this.closed) return;
      slot.worker = this.spawn();
    };
    // a worker that cannot even start would fail again at once: retry slowly, not in a tight loop
    if (failedToStart) setTimeout(respawn, RESPAWN_DELAY_MS).unref();
    else respawn();
    // with no worker able to start, waiting messages are answered unscreened rather than held up
    if (failedToStart && !this.slots.some((candidate) => candidate.ready)) {
      for (const waiting of this.queue.splice(0)) waiting.resolve(this.failed(waiting.job, reason));
    }
  }

  private failed(job: ScreeningJob, reason: string): ScreeningResult {
    const decision = decide([unscreenedFinding(this.config, reason)], this.config);
    return {
      ...decision,
      scope: 'in',
      enquiry: null,
      message: {
        envelope: { mailFrom: job.envelope.mailFrom, rcptTo: job.envelope.rcptTo ?? [] },
        subject: '',
        from: [],
        replyTo: [],
        to: [],
        cc: [],
        bcc: [],
        recipients: [],
        headers: [],
        references: [],
        automated: false,
        direction: 'external',
        text: { body: '', newText: '', newSpans: [], quoted: [], fromHtml: false, truncated: true },
        attachments: [],
        problems: [reason],
        unread: [],
      },
    };
  }
}
