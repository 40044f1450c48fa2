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

interface Waiting {
  readonly kind: DocumentKind;
  readonly resolve: (extracted: ExtractedText) => void;
  readonly timer: NodeJS.Timeout;
}

/** how often the thread's memory is read while it works, in milliseconds */
const MEMORY_CHECK_MS = 50;

/**
 * The document thread of this thread (each screening worker has its own), started on the first
 * document and kept for the next; replaced after it is stopped.
 */
export class DocumentThread {
  private worker?: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private memoryCheck?: NodeJS.Timeout;
  /** how many times the thread was stopped for time or memory */
  stopped = 0;

  constructor(private readonly memoryMb: number = DOCUMENT_MEMORY_MB) {}

  extract(kind: DocumentKind, content: Buffer, maxChars: number, timeoutMs: number): Promise<ExtractedText> {
    const worker = this.running();
    const id = (this.nextId += 1);
    return new Promise<ExtractedText>((resolve) => {
      const timer = setTimeout(() => this.stop(`${kind} text extraction took longer than ${timeoutMs} ms`), timeoutMs);
      this.waiting.set(id, { kind, resolve, timer });
      // a copy: the caller's buffer may be a view into the message it still reads
      const copy = new ArrayBuffer(content.length);
      new Uint8Array(copy).set(content);
      const job: DocumentJob = { id, kind, content: new Uint8Array(copy), maxChars, timeoutMs };
      worker.postMessage(job, [copy]);
      this.watchMemory(worker);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.settleAll('the document reader was closed');
    await worker?.terminate();
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const worker = startThread(import.meta.url, 'document-worker', {
      // the heap is capped by V8; buffers (inflated streams) are watched from here
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb, maxYoungGenerationSizeMb: 16 },
    });
    worker.on('message', (reply: DocumentReply) => {
      const entry = this.waiting.get(reply.id);
      if (!entry) return;
      this.waiting.delete(reply.id);
      clearTimeout(entry.timer);
      entry.resolve(reply.extracted);
      if (this.waiting.size === 0) this.unwatchMemory();
    });
    worker.on('error', (error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.settleAll(/out of memory/i.test(error.message) ? `text extraction ran out of memory (limit ${this.memoryMb} MiB)` : `text extraction failed: ${errorMessage(error)}`);
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.settleAll('text extraction stopped');
    });
    // after the listeners, which would hold it again: an idle reader never keeps a process alive
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Stops the thread (and what it holds) and answers every document it had with `problem`. */
  private stop(problem: string): void {
    const worker = this.worker;
    this.worker = undefined;
    this.stopped += 1;
    this.settleAll(problem);
    void worker?.terminate();
  }

  private settleAll(problem: string): void {
    this.unwatchMemory();
    for (const [id, entry] of this.waiting) {
      clearTimeout(entry.timer);
      this.waiting.delete(id);
      entry.resolve({ problem: problem.startsWith(entry.kind) ? problem : `${entry.kind} ${problem}` });
    }
  }

  private watchMemory(worker: Worker): void {
    if (this.memoryCheck) return;
    // inflated streams live in buffers outside the thread's heap, which resourceLimits does not
    // cap: the process's resident memory, from when the work began, stands for them
    const limit = process.memoryUsage.rss() + this.memoryMb * 1024 * 1024;
    this.memoryCheck = setInterval(() => {
      if (this.worker !== worker) return this.unwatchMemory();
      if (process.memoryUsage.rss() > limit) this.stop(`text extraction used more than ${this.memoryMb} MiB`);
    }, MEMORY_CHECK_MS);
    this.memoryCheck.unref();
  }

  private unwatchMemory(): void {
    clearInterval(this.memoryCheck);
    this.memoryCheck = undefined;
  }
}

let shared: DocumentThread | undefined;

function documentThread(): DocumentThread {
  shared ??= new DocumentThread();
  return shared;
}
