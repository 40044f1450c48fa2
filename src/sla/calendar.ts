import { createRequire } from 'node:module';
import type { Config } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import { startThread } from '../thread.js';
import type { Duration } from './duration.js';

/** Whose bank holidays count as non-working days. */
export type Nation = Config['council']['bankHolidays'];

/** The date-holidays state for each nation; bare `GB` lacks the Summer bank holiday. */
/** date-holidays' region codes: never bare GB, whose summer bank holiday is defined per nation */
export type HolidayState = 'ENG' | 'WLS' | 'SCT' | 'NIR';

export const HOLIDAY_STATE: Readonly<Record<Nation, HolidayState>> = {
  'england-and-wales': 'ENG',
  scotland: 'SCT',
  'northern-ireland': 'NIR',
};

type HolidaysClass = typeof import('date-holidays').default;
const require = createRequire(import.meta.url);
let holidaysClass: HolidaysClass | undefined;

const holidaysByStateYear = new Map<string, ReadonlyMap<string, string>>();

/** Public and bank holidays of one nation in one year: YYYY-MM-DD to the holiday's name. */
export function bankHolidaysOf(state: HolidayState, year: number): ReadonlyMap<string, string> {
  const key = `${state}-${year}`;
  let byDate = holidaysByStateYear.get(key);
  if (!byDate) {
    // loaded on first need: its data for every country costs ~20 MB, which a screening worker
    // seeded with a table (seedBankHolidays) never pays
    holidaysClass ??= require('date-holidays') as HolidaysClass;
    const found = new Map<string, string>();
    for (const holiday of new holidaysClass('GB', state, { types: ['public', 'bank'] }).getHolidays(year)) {
      // the type filter already drops observances; checked again so a data change cannot add them
      if (holiday.type !== 'public' && holiday.type !== 'bank') continue;
      found.set(holiday.date.slice(0, 10), holiday.name);
    }
    byDate = found;
    holidaysByStateYear.set(key, byDate);
  }
  return byDate;
}

/** Bank holidays as plain data, keyed `STATE-YEAR`: what another thread needs to skip date-holidays. */
export type BankHolidayTable = Readonly<Record<string, ReadonlyArray<readonly [date: string, name: string]>>>;

/** The holidays of one nation for the years `from` to `to` inclusive, as a table to hand on. */
export function bankHolidayTable(state: HolidayState, from: number, to: number): BankHolidayTable {
  const table: Record<string, Array<[string, string]>> = {};
  for (let year = from; year <= to; year += 1) table[`${state}-${year}`] = [...bankHolidaysOf(state, year)];
  return table;
}

/** Years either side of now whose holidays are worked out at start-up: deadlines and election timetables fall within them. */
export function holidayYears(now: Date): { readonly from: number; readonly to: number } {
  const year = now.getUTCFullYear();
  return { from: year - 1, to: year + 5 };
}

/**
 * Works out a nation's holidays for `from`..`to` in a short-lived thread and keeps them here, so
 * this thread loads date-holidays (about 20 MB resident, for every country's data) only if asked
 * about a year outside the range. If the thread fails they are worked out here instead.
 */
export async function preloadBankHolidays(state: HolidayState, from: number, to: number): Promise<BankHolidayTable> {
  const table = await bankHolidayTableInThread(state, from, to).catch(() => bankHolidayTable(state, from, to));
  seedBankHolidays(table);
  return table;
}

/** `bankHolidayTable`, worked out in a thread that ends once it has answered. */
export function bankHolidayTableInThread(state: HolidayState, from: number, to: number): Promise<BankHolidayTable> {
  return new Promise<BankHolidayTable>((resolve, reject) => {
    const thread = startThread(import.meta.url, 'holiday-thread', { workerData: { state, from, to } });
    thread.once('message', resolve);
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`holiday thread exited with ${code} before answering`)));
  });
}

/** Takes holidays worked out elsewhere (by the thread that started this one) as if looked up here. */
export function seedBankHolidays(table: BankHolidayTable): void {
  for (const [key, entries] of Object.entries(table)) {
    if (!holidaysByStateYear.has(key)) holidaysByStateYear.set(key, new Map(entries));
  }
}

/** The instant a local wall-clock time (a date and milliseconds into it) occurs in a time zone. */
export function zonedInstant(date: string, msOfDay: number, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const wallClockAsUtc = Date.UTC(year, month - 1, day) + msOfDay;
  // the zone's offset at the guess, then again at the corrected instant: right on either side of a DST change
  const firstGuess = wallClockAsUtc - zoneOffsetAt(wallClockAsUtc, timeZone);
  return new Date(wallClockAsUtc - zoneOffsetAt(firstGuess, timeZone));
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** A zone's offset from UTC at an instant, milliseconds (BST: +3 600 000). */
function zoneOffsetAt(epochMs: number, timeZone: string): number {
  // offsets change only at transitions, which fall on quarter hours: a quarter hour whose two ends
  // agree has one offset throughout, so it is looked up once rather than per deadline computed
  const bucket = Math.floor(epochMs / OFFSET_BUCKET_MS);
  const key = `${timeZone}\u0000${bucket}`;
  const cached = offsetsByBucket.get(key);
  if (cached !== undefined) return cached;
  const offset = formattedOffsetAt(epochMs, timeZone);
  const start = bucket * OFFSET_BUCKET_MS;
  if (formattedOffsetAt(start, timeZone) === offset && formattedOffsetAt(start + OFFSET_BUCKET_MS - 1000, timeZone) === offset) {
    if (offsetsByBucket.size >= MAX_CACHED_OFFSETS) offsetsByBucket.clear();
    offsetsByBucket.set(key, offset);
  }
  return offset;
}

const OFFSET_BUCKET_MS = 15 * 60 * 1000;
const MAX_CACHED_DAY_COUNTS = 10_000;
const MAX_CACHED_OFFSETS = 10_000;
const offsetsByBucket = new Map<string, number>();

function formattedOffsetAt(epochMs: number, timeZone: string): number {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    offsetFormatters.set(timeZone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(new Date(epochMs))) parts[part.type] = part.value;
  const wallClockAsUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wallClockAsUtc - Math.floor(epochMs / 1000) * 1000;
}

/** The calendar a council counts its deadlines in. */
export interface CalendarPolicy {
  /** IANA zone of the working day, e.g. `Europe/London` (BST/GMT handled) */
  readonly timezone: string;
  readonly nation: Nation;
  /** extra non-working days, YYYY-MM-DD (e.g. a Christmas closure) */
  readonly closureDays: readonly string[];
  /** proclaimed holidays the holiday data does not know yet, YYYY-MM-DD */
  readonly extraHolidays: readonly string[];
  /** local clock times, HH:MM, start before end */
  readonly workingHours: { readonly start: string; readonly end: string };
}

/** A local calendar date (YYYY-MM-DD) and a time of day within it, in milliseconds since midnight. */
interface LocalTime {
  readonly date: string;
  readonly msOfDay: number;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
/** no real calendar has ten years without a working day; past this a policy is broken */
const MAX_DAYS_SEARCHED = 3_660;

/**
 * Working days and hours of one council: weekends, its nation's bank holidays (public and bank
 * holidays only; observances such as Mother's Day are ignored), closure days and proclaimed
 * extra holidays, in the council's time zone with daylight saving handled through Intl.
 *
 * The counting rules (DOMAIN.md 4.3): receipt outside working hours or on a non-working day
 * counts from the start of the next working day; the day of receipt is day 0 and "N working
 * days" ends at close of business on the Nth working day after it.
 */
export class WorkingCalendar {
  private readonly closureDays: ReadonlySet<string>;
  private readonly extraHolidays: ReadonlySet<string>;
  private readonly startMs: number;
  private readonly endMs: number;
  private readonly workingDaysCache = new Map<string, string>();

  constructor(readonly policy: CalendarPolicy) {
    this.closureDays = new Set(policy.closureDays);
    this.extraHolidays = new Set(policy.extraHolidays);
    this.startMs = clockToMs(policy.workingHours.start);
    this.endMs = clockToMs(policy.workingHours.end);
    if (this.startMs >= this.endMs) {
      throw new GatewayError('CALENDAR_INVALID', `working hours start ${policy.workingHours.start} is not before end ${policy.workingHours.end}`);
    }
    // an unknown time zone fails here, when the calendar is built, not on the first deadline
    zoneOffsetAt(Date.now(), policy.timezone);
  }

  /** The calendar of the council in this policy file. */
  static fromConfig(config: Config): WorkingCalendar {
    const cached = calendars.get(config);
    if (cached) return cached;
    const calendar = new WorkingCalendar({
      timezone: config.council.timezone,
      nation: config.council.bankHolidays,
      closureDays: config.council.closureDays,
      extraHolidays: config.council.extraHolidays,
      workingHours: config.sla.workingHours,
    });
    calendars.set(config, calendar);
    return calendar;
  }

  /** Length of one working day, milliseconds. */
  get workingDayMs(): number {
    return this.endMs - this.startMs;
  }

  /** Why a local date is not a working day (`Saturday`, `Christmas Day`, `closure day`…), or undefined if it is one. */
  nonWorkingReason(date: string): string | undefined {
    const weekday = weekdayOf(date);
    if (weekday === 0) return 'Sunday';
    if (weekday === 6) return 'Saturday';
    const holiday = bankHolidaysOf(HOLIDAY_STATE[this.policy.nation], Number(date.slice(0, 4))).get(date);
    if (holiday) return holiday;
    if (this.extraHolidays.has(date)) return 'extra holiday';
    if (this.closureDays.has(date)) return 'closure day';
    return undefined;
  }

  isWorkingDay(date: string): boolean {
    return this.nonWorkingReason(date) === undefined;
  }

  /** The council's local date of an instant, YYYY-MM-DD. */
  localDate(instant: Date): string {
    return this.localTime(instant).date;
  }

  /** Within working hours on a working day (start inclusive, end exclusive). */
  isWithinWorkingHours(instant: Date): boolean {
    const local = this.localTime(instant);
    return this.isWorkingDay(local.date) && local.msOfDay >= this.startMs && local.msOfDay < this.endMs;
  }

  /** The instant itself if it is within working hours, else the start of the next working period. */
  nextWorkingInstant(instant: Date): Date {
    const local = this.localTime(instant);
    if (this.isWorkingDay(local.date)) {
      if (local.msOfDay < this.startMs) return this.instantOf(local.date, this.startMs);
      if (local.msOfDay < this.endMs) return instant;
    }
    return this.instantOf(this.workingDayAfter(local.date), this.startMs);
  }

  /** The latest instant at or before this one that lies in working time (close of business counts). */
  previousWorkingInstant(instant: Date): Date {
    const local = this.localTime(instant);
    if (this.isWorkingDay(local.date)) {
      if (local.msOfDay > this.endMs) return this.instantOf(local.date, this.endMs);
      if (local.msOfDay >= this.startMs) return instant;
    }
    return this.instantOf(this.workingDayBefore(local.date), this.endMs);
  }

  /** When counting starts for a message received at this instant. */
  countingStart(receivedAt: Date): Date {
    return this.nextWorkingInstant(receivedAt);
  }

  /**
   * The deadline for something received at `receivedAt` and due within `duration`.
   * Working durations count from {@link countingStart}; wall-clock ones from receipt itself.
   */
  deadline(receivedAt: Date, duration: Duration): Date {
    switch (duration.kind) {
      case 'wall-clock':
        return new Date(receivedAt.getTime() + duration.milliseconds);
      case 'working-days': {
        const day = this.localDate(this.countingStart(receivedAt));
        return this.instantOf(this.workingDaysAfter(day, duration.count), this.endMs);
      }
      case 'working-hours':
        return this.addWorkingTime(this.countingStart(receivedAt), duration.count * 60 * MS_PER_MINUTE);
    }
  }

  /**
   * `duration` before `deadline`, counted in working time for working durations ("1 working day"
   * before a Tuesday 17:00 deadline is Tuesday 09:00), and for wall-clock ones moved back into
   * working time when the deadline itself is counted in working time, so reminders never fall
   * at night.
   */
  before(deadline: Date, duration: Duration, deadlineIsWallClock = false): Date {
    switch (duration.kind) {
      case 'wall-clock': {
        const at = new Date(deadline.getTime() - duration.milliseconds);
        return deadlineIsWallClock ? at : this.previousWorkingInstant(at);
      }
      case 'working-days':
        return this.subtractWorkingTime(deadline, duration.count * this.workingDayMs);
      case 'working-hours':
        return this.subtractWorkingTime(deadline, duration.count * 60 * MS_PER_MINUTE);
    }
  }

  /** `amount` milliseconds of working time after `from` (which need not be in working time). */
  addWorkingTime(from: Date, amount: number): Date {
    let cursor = this.nextWorkingInstant(from);
    let remaining = amount;
    for (let days = 0; days < MAX_DAYS_SEARCHED; days++) {
      const local = this.localTime(cursor);
      const closeOfBusiness = this.instantOf(local.date, this.endMs);
      const available = closeOfBusiness.getTime() - cursor.getTime();
      if (remaining <= available) return new Date(cursor.getTime() + remaining);
      remaining -= available;
      cursor = this.instantOf(this.workingDayAfter(local.date), this.startMs);
    }
    throw noWorkingDays();
  }

  /** `amount` milliseconds of working time before `from`. */
  subtractWorkingTime(from: Date, amount: number): Date {
    let cursor = this.previousWorkingInstant(from);
    let remaining = amount;
    for (let days = 0; days < MAX_DAYS_SEARCHED; days++) {
      const local = this.localTime(cursor);
      const startOfBusiness = this.instantOf(local.date, this.startMs);
      const available = cursor.getTime() - startOfBusiness.getTime();
      if (remaining <= available) return new Date(cursor.getTime() - remaining);
      remaining -= available;
      cursor = this.instantOf(this.workingDayBefore(local.date), this.endMs);
    }
    throw noWorkingDays();
  }

  /** The Nth working day after a local date (N = 0 is the date itself). */
  workingDaysAfter(date: string, count: number): string {
    // every enquiry received on one day gets the same answers: worked out once per day and count
    const key = `${date}|${count}`;
    const known = this.workingDaysCache.get(key);
    if (known !== undefined) return known;
    let day = date;
    for (let counted = 0; counted < count; counted++) day = this.workingDayAfter(day);
    if (this.workingDaysCache.size >= MAX_CACHED_DAY_COUNTS) this.workingDaysCache.clear();
    this.workingDaysCache.set(key, day);
    return day;
  }

  /** The first working day strictly after a local date. */
  workingDayAfter(date: string): string {
    let day = date;
    for (let step = 0; step < MAX_DAYS_SEARCHED; step++) {
      day = addDays(day, 1);
      if (this.isWorkingDay(day)) return day;
    }
    throw noWorkingDays();
  }

  /** The last working day strictly before a local date. */
  workingDayBefore(date: string): string {
    let day = date;
    for (let step = 0; step < MAX_DAYS_SEARCHED; step++) {
      day = addDays(day, -1);
      if (this.isWorkingDay(day)) return day;
    }
    throw noWorkingDays();
  }

  /** The instant a local wall-clock time occurs in the council's zone. */
  instantOf(date: string, msOfDay: number): Date {
    return zonedInstant(date, msOfDay, this.policy.timezone);
  }

  private localTime(instant: Date): LocalTime {
    const wallClock = new Date(instant.getTime() + zoneOffsetAt(instant.getTime(), this.policy.timezone));
    const date = wallClock.toISOString().slice(0, 10);
    const msOfDay = wallClock.getTime() - Date.UTC(wallClock.getUTCFullYear(), wallClock.getUTCMonth(), wallClock.getUTCDate());
    return { date, msOfDay };
  }
}

const calendars = new WeakMap<Config, WorkingCalendar>();

function noWorkingDays(): GatewayError {
  return new GatewayError('CALENDAR_INVALID', `no working day found within ${MAX_DAYS_SEARCHED} days: check closureDays and extraHolidays`);
}

function clockToMs(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number) as [number, number];
  return (hours * 60 + minutes) * MS_PER_MINUTE;
}

function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}
