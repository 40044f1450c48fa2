import type { Worker } from 'node:worker_threads';
import type { Attachment as ParsedAttachment } from 'mailparser';
import { errorMessage } from '../errors.js';
import { startThread } from '../thread.js';
import type { DocumentKind, ExtractedText } from './documents.js';
import type { DocumentJob, DocumentReply } from './document-worker.js';

export type { ExtractedText } from './documents.js';

/** longest text kept from one attachment, in characters */
export const MAX_ATTACHMENT_TEXT_CHARS = 200_000;
/** a document larger than this is not opened: letters are small, and parsing costs grow with size */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
/** time allowed to extract one document's text, in milliseconds */
export const DOCUMENT_TIMEOUT_MS = 3_000;
/** memory the document thread may hold, heap and buffers together, before it is stopped (MiB) */
export const DOCUMENT_MEMORY_MB = 256;

export interface ExtractionLimits {
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
  readonly maxChars?: number;
}

const DOCX_TYPES = new Set(['application/vnd.openxmlformats-officedocument.wordprocessingml.document']);
const PDF_TYPES = new Set(['application/pdf', 'application/x-pdf']);
const GENERIC_TYPES = new Set(['application/octet-stream', 'application/binary', 'application/zip', 'application/x-zip-compressed', '']);

/**
 * Text of an attachment a filter may need to read (a letter sent as a file): plain text, Word
 * (.docx) and PDF. Nested messages are handled by the caller, which parses them as messages. Never
 * throws for a bad document: the reason is returned.
 *
 * Documents are read in a thread of their own, stopped (and its memory given back) when one takes
 * longer than its time or more than its memory: a hostile PDF costs a few seconds, never the
 * screening of the messages after it.
 */
export async function extractAttachmentText(attachment: ParsedAttachment, limits: ExtractionLimits = {}): Promise<ExtractedText> {
  const type = (attachment.contentType || '').toLowerCase();
  const maxChars = limits.maxChars ?? MAX_ATTACHMENT_TEXT_CHARS;
  if (type.startsWith('text/') && type !== 'text/html') {
    return { text: attachment.content.toString('utf8', 0, Math.min(attachment.content.length, maxChars * 4)).slice(0, maxChars) };
  }
  const kind = documentKind(type, attachment.filename, attachment.content);
  if (!kind) return {};
  const maxBytes = limits.maxBytes ?? MAX_DOCUMENT_BYTES;
  if (attachment.content.length > maxBytes) {
    return { problem: `${kind} of ${attachment.content.length} bytes not read (limit ${maxBytes})` };
  }
  return documentThread().extract(kind, attachment.content, maxChars, limits.timeoutMs ?? DOCUMENT_TIMEOUT_MS);
}

function documentKind(type: string, filename: string | undefined, content: Buffer): DocumentKind | undefined {
  const name = (filename ?? '').toLowerCase();
  if (DOCX_TYPES.has(type) || (GENERIC_TYPES.has(type) && name.endsWith('.docx'))) return 'docx';
  if (PDF_TYPES.has(type) || (GENERIC_TYPES.has(type) && name.endsWith('.pdf'))) return 'pdf';
  // mislabelled PDFs are common; the magic number is reliable
  if (GENERIC_TYPES.has(type) && content.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  return undefined;
}

interface Job {
  readonly id: number;
  readonly kind: DocumentKind;
  readonly content: Buffer;
  readonly maxChars: number;
  readonly timeoutMs: number;
  readonly resolve: (extracted: ExtractedText) => void;
}

/** how often the thread's memory is read while it works, in milliseconds */
const MEMORY_CHECK_MS = 50;

/**
 * The document thread of this thread (each screening worker has its own), started on the first
 * document and kept for the next; replaced after it is stopped. It reads one document at a time,
 * so a document's time and memory are its own: when one overruns, only it fails, and the next
 * waiting document goes to a fresh thread.
 */
export class DocumentThread {
  private worker?: Worker;
  private readonly queue: Job[] = [];
  private current?: { readonly job: Job; readonly timer: NodeJS.Timeout; readonly memoryCheck: NodeJS.Timeout };
  private nextId = 0;
  /** how many times the thread was stopped for time or memory */
  stopped = 0;

  constructor(private readonly memoryMb: number = DOCUMENT_MEMORY_MB) {}

  extract(kind: DocumentKind, content: Buffer, maxChars: number, timeoutMs: number): Promise<ExtractedText> {
    return new Promise<ExtractedText>((resolve) => {
      this.queue.push({ id: (this.nextId += 1), kind, content, maxChars, timeoutMs, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    // the waiting ones first, so that finishing the current one starts nothing new
    for (const job of this.queue.splice(0)) job.resolve({ problem: `${job.kind} text extraction was closed` });
    if (this.current) this.finish({ problem: `${this.current.job.kind} text extraction was closed` });
    await worker?.terminate();
  }

  /** Starts the next waiting document, if the thread is free. */
  private pump(): void {
    if (this.current) return;
    const job = this.queue.shift();
    if (!job) return;
    const worker = this.running();
    // the time and the memory are counted from when this document's reading begins
    const timer = setTimeout(() => this.stop(`${job.kind} text extraction took longer than ${job.timeoutMs} ms`), job.timeoutMs);
    // inflated streams live in buffers outside the thread's heap, which resourceLimits does not
    // cap: the process's resident memory, from when the reading began, stands for them
    const limit = process.memoryUsage.rss() + this.memoryMb * 1024 * 1024;
    const memoryCheck = setInterval(() => {
      if (process.memoryUsage.rss() > limit) this.stop(`${job.kind} text extraction used more than ${this.memoryMb} MiB`);
    }, MEMORY_CHECK_MS);
    memoryCheck.unref();
    this.current = { job, timer, memoryCheck };
    // a copy: the caller's buffer may be a view into the message it still reads
    const copy = new ArrayBuffer(job.content.length);
    new Uint8Array(copy).set(job.content);
    const message: DocumentJob = { id: job.id, kind: job.kind, content: new Uint8Array(copy), maxChars: job.maxChars, timeoutMs: job.timeoutMs };
    worker.postMessage(message, [copy]);
  }

  /** Answers the document being read, and moves on to the next. */
  private finish(extracted: ExtractedText): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    clearTimeout(current.timer);
    clearInterval(current.memoryCheck);
    current.job.resolve(extracted);
    this.pump();
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const worker = startThread(import.meta.url, 'document-worker', {
      // the heap is capped by V8; buffers (inflated streams) are watched from here
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb, maxYoungGenerationSizeMb: 16 },
    });
    worker.on('message', (reply: DocumentReply) => {
      if (this.worker === worker && this.current?.job.id === reply.id) this.finish(reply.extracted);
    });
    const lost = (problem: string): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const kind = this.current?.job.kind ?? 'document';
      this.finish({ problem: `${kind} ${problem}` });
    };
    worker.on('error', (error) => lost(/out of memory/i.test(error.message) ? `text extraction ran out of memory (limit ${this.memoryMb} MiB)` : `text extraction failed: ${errorMessage(error)}`));
    worker.on('exit', () => lost('text extraction stopped'));
    // after the listeners, which would hold it again: an idle reader never keeps a process alive
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Stops the thread (and what it holds): the document being read fails with `problem`, the rest go to a new thread. */
  private stop(problem: string): void {
    const worker = this.worker;
    this.worker = undefined;
    this.stopped += 1;
    void worker?.terminate();
    this.finish({ problem });
  }
}

let shared: DocumentThread | undefined;

function documentThread(): DocumentThread {
  shared ??= new DocumentThread();
  return shared;
}
