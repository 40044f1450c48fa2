import { parentPort, workerData } from 'node:worker_threads';
import { filters } from '../../filters/index.js';
import type { Config } from '../config/schema.js';
import { Directory } from '../directory.js';
import { screen } from '../pipeline.js';
import type { ScreeningJob, ScreeningReply } from './screener.js';

// runs the pipeline off the SMTP event loop, so a message that makes parsing or a filter slow
// can be stopped by terminating this thread
const config = workerData as Config;
const environment = { config, directory: new Directory(config), filters };
for (const filter of filters) if (config.filters[filter.id]?.enabled) filter.prepare?.();
parentPort?.postMessage({ ready: true });

parentPort?.on('message', (job: ScreeningJob) => {
  screen({ raw: Buffer.from(job.raw.buffer, job.raw.byteOffset, job.raw.byteLength), envelope: job.envelope, receivedAt: new Date(job.receivedAt) }, environment)
    .then((result) => parentPort?.postMessage({ id: job.id, result } satisfies ScreeningReply))
    .catch((error: unknown) => parentPort?.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) } satisfies ScreeningReply));
});
