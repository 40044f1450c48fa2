import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../errors.js';
import { documentText, type DocumentKind, type ExtractedText } from './documents.js';

export interface DocumentJob {
  readonly id: number;
  readonly kind: DocumentKind;
  readonly content: Uint8Array;
  readonly maxChars: number;
  readonly timeoutMs: number;
}

export interface DocumentReply {
  readonly id: number;
  readonly extracted: ExtractedText;
}

// the thread that started this one sends one document at a time, and stops it when a document overruns
parentPort?.on('message', (job: DocumentJob) => {
  const content = Buffer.from(job.content.buffer, job.content.byteOffset, job.content.byteLength);
  documentText(job.kind, content, job.maxChars, Date.now() + job.timeoutMs, job.timeoutMs)
    .catch((error: unknown): ExtractedText => ({ problem: `${job.kind} could not be read: ${errorMessage(error)}` }))
    .then((extracted) => parentPort?.postMessage({ id: job.id, extracted } satisfies DocumentReply));
});
