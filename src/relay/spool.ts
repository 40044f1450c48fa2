import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage, UnusableSettingError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SpooledMessage } from '../message/raw.js';

/** Where messages wait on disk when `relay.spool.directory` is not set. */
export function defaultSpoolDirectory(): string {
  return join(tmpdir(), 'member-officer-gateway-spool');
}

/** spool files are named `<pid>-<uuid>.eml`, so instances sharing a directory tell theirs apart */
const SPOOL_FILE = /^(\d+)-[0-9a-f-]{36}\.eml$/;
const PROCESS_STARTED_AT = Date.now() - process.uptime() * 1000;

/**
 * Large messages on disk while they are screened and forwarded, so eight 25 MB messages in
 * flight do not hold 200 MB of memory. A file lives only as long as its SMTP transaction: the
 * client is told 250 only after the next hop has the message, so nothing here needs to survive
 * a crash, and files a dead process left behind are removed at start-up.
 */
export class Spool {
  private readonly open = new Set<SpoolFile>();
  private prepared: Promise<void> | undefined;

  constructor(
    readonly directory: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Creates the directory (owner-only) and removes files left by gateway processes that have
   * ended. Runs once, however often it is called; rejects with the setting at fault.
   */
  prepare(): Promise<void> {
    this.prepared ??= this.prepareDirectory();
    return this.prepared;
  }

  private async prepareDirectory(): Promise<void> {
    const key = 'relay.spool.directory';
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new UnusableSettingError(key, `cannot create ${this.directory}: ${errorMessage(error)}`);
    }
    const info = await lstat(this.directory);
    if (!info.isDirectory()) throw new UnusableSettingError(key, `${this.directory} is not a directory`);
    // message text is personal data: a directory others can read or replace is refused
    if ((info.mode & 0o077) !== 0 || (typeof process.getuid === 'function' && info.uid !== process.getuid())) {
      throw new UnusableSettingError(key, `${this.directory} must belong to the user the gateway runs as and be closed to others (chmod 700)`);
    }
    let removed = 0;
    for (const name of await readdir(this.directory)) {
      const pid = Number(SPOOL_FILE.exec(name)?.[1] ?? Number.NaN);
      if (Number.isNaN(pid)) continue;
      const path = join(this.directory, name);
      // a file with this process's id is another relay's in this process, unless it predates the process (the id was reused)
      const left = pid === process.pid ? await stat(path).then((file) => file.mtimeMs < PROCESS_STARTED_AT, () => false) : !processAlive(pid);
      if (!left) continue;
      await unlink(path).then(
        () => void (removed += 1),
        () => undefined,
      );
    }
    // those messages were never acknowledged: their senders still have them and will retry
    if (removed > 0) this.logger.info({ directory: this.directory, removed }, 'removed spool files left by a gateway process that has ended');
  }

  /** A new file for one message, written as it arrives. */
  create(): SpoolFile {
    const file = new SpoolFile(join(this.directory, `${process.pid}-${randomUUID()}.eml`), (done) => this.open.delete(done));
    this.open.add(file);
    return file;
  }

  /** Spool files not yet removed: for monitoring and leak checks. */
  get size(): number {
    return this.open.size;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One message's file: written chunk by chunk, read by the screening worker and the forwarder, then removed. */
export class SpoolFile {
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  private written = 0;
  private removed = false;

  constructor(
    readonly path: string,
    private readonly onRemoved: (file: SpoolFile) => void,
  ) {
    this.stream = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.stream.on('error', (error) => {
      this.failure ??= error;
    });
  }

  /** Appends a chunk; false when the caller should wait for `drain` before writing more. */
  write(chunk: Buffer): boolean {
    if (this.failure || this.removed) return true;
    this.written += chunk.length;
    return this.stream.write(chunk);
  }

  /** Calls `listener` once the file can take more, or once it never will (failed or removed). */
  onDrain(listener: () => void): void {
    if (this.failure || this.removed) return listener();
    let called = false;
    const once = (): void => {
      if (called) return;
      called = true;
      this.stream.off('drain', once);
      this.stream.off('close', once);
      listener();
    };
    this.stream.on('drain', once);
    this.stream.on('close', once);
  }

  /** Flushes and closes the file; rejects if any write failed (a full disk, say). */
  async finish(): Promise<SpooledMessage> {
    if (!this.failure && !this.removed) {
      await new Promise<void>((resolve) => this.stream.end(() => resolve()));
      await new Promise<void>((resolve) => (this.stream.closed ? resolve() : this.stream.once('close', () => resolve())));
    }
    if (this.failure) throw this.failure;
    if (this.removed) throw new Error('spool file removed before the message was complete');
    return { path: this.path, length: this.written };
  }

  /** Deletes the file; safe to call more than once and while it is still being written. */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    this.stream.destroy();
    await new Promise<void>((resolve) => (this.stream.closed ? resolve() : this.stream.once('close', () => resolve())));
    await unlink(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    this.onRemoved(this);
  }
}
