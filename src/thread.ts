import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module `name` beside `base` (the caller's `import.meta.url`): the
 * build's JavaScript, or from source (tests, tsx) the TypeScript through tsx's loader.
 */
export function startThread(base: string, name: string, options: WorkerOptions = {}): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base), options);
  return new Worker(new URL('./thread-source.mjs', import.meta.url), { ...options, argv: [new URL(`./${name}.ts`, base).href] });
}
