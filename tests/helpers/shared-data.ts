import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared/data` beside the project: public labelled data, read in place, never copied. */
export const SHARED_DATA = resolve(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data'));

export function sharedDataPath(...parts: string[]): string {
  return join(SHARED_DATA, ...parts);
}

/** Whether the shared data folder (or one set in it) is present; tests skip with a message when not. */
export function hasSharedData(...parts: string[]): boolean {
  const present = existsSync(sharedDataPath(...parts));
  if (!present) {
    process.stderr.write(`skipping: ${sharedDataPath(...parts)} is absent (tests over ../shared/data need it)\n`);
  }
  return present;
}
