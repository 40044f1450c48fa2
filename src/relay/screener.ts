import { Worker } from 'node:worker_threads';
import { filters } from '../../filters/index.js';
import type { Config } from '../config/schema.js';
import { Directory } from '../directory.js';
import type { Logger } from '../log.js';
import type { Envelope } from '../message/parse.js';
import { screen, screeningError, type ScreeningResult } from '../pipeline.js';
import { decide } from '../policy.js';

export interface ScreeningJob {
  readonly id: number;
  readonly raw: Uint8Array;
  readonly envelope: Envelope;
  readonly receivedAt: string;
}

export type ScreeningReply = { readonly id: number; readonly result: ScreeningResult } | { readonly id: number; readonly error: string };

interface Pending {
  readonly job: ScreeningJob;
  readonly resolve: (result: ScreeningResult) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
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

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    const { workers } = config.relay.screening;
    if (workers === 0) this.inline = { config, directory: new Directory(config) };
    for (let i = 0; i < workers; i += 1) this.slots.push({ worker: this.spawn() });
  }

  async screen(raw: Buffer, envelope: Envelope, receivedAt: Date): Promise<ScreeningResult> {
    if (this.inline) {
      return screen({ raw, envelope, receivedAt }, { ...this.inline, filters });
    }
    return new Promise<ScreeningResult>((resolve) => {
      const job: ScreeningJob = { id: this.nextId++, raw, envelope: { mailFrom: envelope.mailFrom, rcptTo: envelope.rcptTo ? [...envelope.rcptTo] : null }, receivedAt: receivedAt.toISOString() };
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
      this.replace(worker, `screening worker failed: ${error.message}`);
    });
    worker.unref();
    return worker;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.current) continue;
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
    const pending = slot?.current;
    if (!slot || !pending || pending.job.id !== reply.id) return;
    clearTimeout(pending.timer);
    slot.current = undefined;
    if ('result' in reply) pending.resolve(reply.result);
    else pending.resolve(this.failed(pending.job, reply.error));
    this.dispatch();
  }

  /** Terminates a stuck or broken worker, answers its message as unscreened, starts a new one. */
  private replace(worker: Worker, reason: string): void {
    const slot = this.slots.find((candidate) => candidate.worker === worker);
    if (!slot) return;
    const pending = slot.current;
    slot.current = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.resolve(this.failed(pending.job, reason));
    }
    void worker.terminate();
    if (!this.closed) {
      slot.worker = this.spawn();
      this.dispatch();
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
