import { Worker } from 'node:worker_threads';
import { filters } from '../../filters/index.js';
import type { Config } from '../config/schema.js';
import { Directory } from '../directory.js';
import type { Logger } from '../log.js';
import type { Envelope } from '../message/parse.js';
import { prepareFilters, screen, screeningError, type ScreeningResult } from '../pipeline.js';
import { GatewayError } from '../errors.js';
import { decide } from '../policy.js';

export interface ScreeningJob {
  readonly id: number;
  readonly raw: Uint8Array;
  readonly envelope: Envelope;
  readonly receivedAt: string;
}

export type ScreeningReply =
  | { readonly id: number; readonly result: ScreeningResult }
  | { readonly id: number; readonly error: string }
  | { readonly ready: true };

/** wait before starting a worker again after one failed while starting, milliseconds */
const RESPAWN_DELAY_MS = 1_000;

interface Pending {
  readonly job: ScreeningJob;
  readonly resolve: (result: ScreeningResult) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  current?: Pending;
}

/**
 * Screens messages in worker threads with a whole-message time budget. Screening never blocks
 * mail: a message that overruns, or a worker that dies, yields a result with a screening-error
 * finding and the policy's verdict on that.
 */
export class Screener {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly inline?: { config: Config; directory: Directory };
  private nextId = 1;
  private closed = false;
  private readonly started: Promise<void>;
  private settleStart?: { resolve: () => void; reject: (error: Error) => void };

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    const { workers } = config.relay.screening;
    this.started = new Promise<void>((resolve, reject) => {
      this.settleStart = { resolve, reject };
    });
    // a caller that never awaits ready() must not see an unhandled rejection
    this.started.catch(() => undefined);
    if (workers === 0) {
      this.inline = { config, directory: new Directory(config) };
      try {
        prepareFilters(config, filters);
        this.settleStart?.resolve();
      } catch (error) {
        this.settleStart?.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    for (let i = 0; i < workers; i += 1) this.slots.push({ worker: this.spawn(), ready: false });
  }

  /** Resolves once every worker has loaded its filters; rejects if one could not (e.g. a missing model). */
  ready(): Promise<void> {
    return this.started;
  }

  async screen(raw: Buffer, envelope: Envelope, receivedAt: Date): Promise<ScreeningResult> {
    if (this.inline) {
      return screen({ raw, envelope, receivedAt }, { ...this.inline, filters });
    }
    return new Promise<ScreeningResult>((resolve) => {
      const job: ScreeningJob = { id: this.nextId++, raw, envelope, receivedAt: receivedAt.toISOString() };
      this.queue.push({ job, resolve });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Worker {
    // from source (tests, tsx) the worker is TypeScript and is started through a tsx bootstrap
    const fromSource = import.meta.url.endsWith('.ts');
    const worker = new Worker(new URL(fromSource ? './screening-worker-source.mjs' : './screening-worker.js', import.meta.url), {
      workerData: this.config,
    });
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
    for (const slot of this.slots) {
      if (slot.current || !slot.ready) continue;
      const pending = this.queue.shift();
      if (!pending) return;
      slot.current = pending;
      pending.timer = setTimeout(() => {
        this.logger.warn({ budgetMs: this.config.relay.screening.timeoutMs }, 'screening overran its budget: worker restarted, message delivered unscreened');
        this.replace(slot.worker, `screening took longer than ${this.config.relay.screening.timeoutMs} ms`);
      }, this.config.relay.screening.timeoutMs);
      slot.worker.postMessage(pending.job);
    }
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
    const pending = slot?.current;
    if (!slot || !pending || pending.job.id !== reply.id) return;
    clearTimeout(pending.timer);
    slot.current = undefined;
    if ('result' in reply) pending.resolve(reply.result);
    else pending.resolve(this.failed(pending.job, reply.error));
    this.dispatch();
  }

  /** Terminates a stuck or broken worker, answers its message as unscreened, starts a new one. */
  private replace(worker: Worker, reason: string, failedToStart = false): void {
    const slot = this.slots.find((candidate) => candidate.worker === worker);
    if (!slot) return;
    const pending = slot.current;
    slot.current = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.resolve(this.failed(pending.job, reason));
    }
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
    const finding = screeningError('SCREENING_FAILED', `the message could not be screened (${reason}); it was delivered unscreened`, reason);
    const decision = decide([finding], this.config);
    return {
      ...decision,
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
      },
    };
  }
}
