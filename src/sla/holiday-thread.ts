import { parentPort, workerData } from 'node:worker_threads';
import { bankHolidayTable, type HolidayState } from './calendar.js';

// a thread that lives only to load date-holidays and hand back the table: the thread that
// started it keeps the table and never holds date-holidays' data for every country
const { state, from, to } = workerData as { state: HolidayState; from: number; to: number };
parentPort?.postMessage(bankHolidayTable(state, from, to));
