import { parentPort, workerData } from 'node:worker_threads';
import { filters } from '../../filters/index.js';
import { Directory } from '../directory.js';
import { isSpooled } from '../message/raw.js';
import { prepareFilters, screen } from '../pipeline.js';
import type { ScreeningJob, ScreeningReply, ScreeningWorkerData } from './screener.js';
import { seedBankHolidays } from '../sla/calendar.js';
import { errorMessage } from '../errors.js';

// runs the pipeline off the SMTP event loop, so a message that makes parsing or a filter slow
// can be stopped by terminating this thread
const { config, bankHolidays } = workerData as ScreeningWorkerData;
seedBankHolidays(bankHolidays);
const environment = { config, directory: new Directory(config), filters };
prepareFilters(config, filters);
parentPort?.postMessage({ ready: true });

parentPort?.on('message', (job: ScreeningJob) => {
  const raw = isSpooled(job.raw) ? job.raw : Buffer.from(job.raw.buffer, job.raw.byteOffset, job.raw.byteLength);
  screen({ raw, envelope: job.envelope, receivedAt: new Date(job.receivedAt) }, environment)
    .then((result) => parentPort?.postMessage({ id: job.id, result } satisfies ScreeningReply))
    .catch((error: unknown) => parentPort?.postMessage({ id: job.id, error: errorMessage(error) } satisfies ScreeningReply));
});
