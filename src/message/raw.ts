import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';

/** A received message kept on disk while in flight (see `relay.spool`), because it is large. */
export interface SpooledMessage {
  readonly path: string;
  readonly length: number;
}

/** The bytes of a received message: in memory, or in a spool file. */
export type RawMessage = Buffer | SpooledMessage;

/** bytes read or written at a time when a message is streamed */
export const SLICE_BYTES = 64 * 1024;

export function isSpooled(raw: RawMessage | Uint8Array): raw is SpooledMessage {
  return !(raw instanceof Uint8Array);
}

export function rawLength(raw: RawMessage | Uint8Array): number {
  return isSpooled(raw) ? raw.length : raw.byteLength;
}

/**
 * The first `limit` bytes (all by default) as a stream of slices of at most SLICE_BYTES. Read
 * whole, a large message would be split into lines and decoded all at once by its reader.
 */
export function rawSlices(raw: RawMessage, limit = Number.POSITIVE_INFINITY): Readable {
  const end = Math.min(rawLength(raw), limit);
  if (isSpooled(raw)) return Readable.from(fileSlices(raw.path, end));
  return Readable.from(slicesOf(raw, end));
}

/**
 * A spool file's first `end` bytes. A file that ends sooner (cut short on disk) fails after its
 * last slice, so a forwarder never sends the final "." after part of a message.
 */
async function* fileSlices(path: string, end: number): AsyncGenerator<Buffer> {
  if (end === 0) return;
  let read = 0;
  for await (const slice of createReadStream(path, { start: 0, end: end - 1, highWaterMark: SLICE_BYTES })) {
    read += (slice as Buffer).length;
    yield slice as Buffer;
  }
  if (read < end) throw new SpoolFileSizeError(path, read, end);
}

function* slicesOf(raw: Buffer, end: number): Generator<Buffer> {
  for (let offset = 0; offset < end; offset += SLICE_BYTES) yield raw.subarray(offset, Math.min(end, offset + SLICE_BYTES));
}

/** The whole message in memory (for the review store, which keeps held messages' bytes). */
export async function rawBytes(raw: RawMessage): Promise<Buffer> {
  if (!isSpooled(raw)) return raw;
  const bytes = await readFile(raw.path);
  if (bytes.length !== raw.length) throw new SpoolFileSizeError(raw.path, bytes.length, raw.length);
  return bytes;
}

/** A spool file that does not hold the message it was written for. */
export class SpoolFileSizeError extends Error {
  constructor(path: string, found: number, expected: number) {
    super(`spool file ${path} holds ${found} bytes, not the message's ${expected}`);
    this.name = 'SpoolFileSizeError';
  }
}
