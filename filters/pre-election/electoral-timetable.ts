import type { Config } from '../../src/config/schema.js';
import { bankHolidaysOf, HOLIDAY_STATE, zonedInstant, type HolidayState } from '../../src/sla/calendar.js';

/**
 * The pre-election period of each election in the policy: from publication of the notice of
 * election (the policy's `periodStart`, or the latest lawful date when that is absent) to the close
 * of poll at 22:00 on polling day, in the council's time zone.
 *
 * The latest notice date is the 25th working day before polling day (Local Elections (Principal
 * Areas) (England and Wales) Rules 2006, Sch 3). Dies non (r.2): Saturdays, Sundays, Christmas Eve,
 * Christmas Day, Good Friday and bank holidays in the part of the UK where the election is held,
 * plus any proclaimed day the policy lists in `council.extraHolidays`.
 */
export interface PreElectionPeriod {
  readonly election: string;
  readonly pollingDay: string;
  /** first day of the period, YYYY-MM-DD */
  readonly startDate: string;
  /** whether `startDate` came from the policy or was computed */
  readonly startSource: 'policy' | 'computed';
  readonly start: Date;
  readonly end: Date;
}

export type PeriodEnd = 'close-of-poll' | 'day-after-poll';

/** working days between publication of the notice of election and polling day */
export const NOTICE_OF_ELECTION_WORKING_DAYS = 25;
/** polls close at 22:00 (RPA 1983 Sch 1 r.1; local rules alike), as milliseconds into the day */
const CLOSE_OF_POLL_MS = 22 * 3_600_000;

type Nation = HolidayState;
const NATION_OF = HOLIDAY_STATE;

/** Whether a calendar day is a dies non for election timetables. */
export function isDiesNon(date: string, nation: Nation, extraHolidays: readonly string[] = []): boolean {
  const day = new Date(`${date}T12:00:00Z`);
  const weekday = day.getUTCDay();
  if (weekday === 0 || weekday === 6) return true;
  const monthDay = date.slice(5);
  if (monthDay === '12-24' || monthDay === '12-25') return true;
  if (date === goodFriday(day.getUTCFullYear())) return true;
  return bankHolidaysOf(nation, day.getUTCFullYear()).has(date) || extraHolidays.includes(date);
}

/** The latest day the notice of election may be published: the 25th working day before the poll. */
export function latestNoticeOfElection(pollingDay: string, nation: Nation, extraHolidays: readonly string[] = []): string {
  let date = pollingDay;
  let counted = 0;
  while (counted < NOTICE_OF_ELECTION_WORKING_DAYS) {
    date = addDays(date, -1);
    if (!isDiesNon(date, nation, extraHolidays)) counted += 1;
  }
  return date;
}

const periodCache = new WeakMap<Config, readonly PreElectionPeriod[]>();

/** Every election's period under this policy (computed once per loaded policy). */
export function preElectionPeriods(config: Config, periodEnd: PeriodEnd = 'close-of-poll'): readonly PreElectionPeriod[] {
  const cached = periodEnd === 'close-of-poll' ? periodCache.get(config) : undefined;
  if (cached) return cached;
  const nation = NATION_OF[config.council.bankHolidays];
  const zone = config.council.timezone;
  const periods = config.elections.map((election): PreElectionPeriod => {
    const startDate = election.periodStart ?? latestNoticeOfElection(election.pollingDay, nation, config.council.extraHolidays);
    const end = periodEnd === 'close-of-poll' ? zonedInstant(election.pollingDay, CLOSE_OF_POLL_MS, zone) : zonedInstant(addDays(election.pollingDay, 2), 0, zone);
    return {
      election: election.name,
      pollingDay: election.pollingDay,
      startDate,
      startSource: election.periodStart ? 'policy' : 'computed',
      start: zonedInstant(startDate, 0, zone),
      end,
    };
  });
  if (periodEnd === 'close-of-poll') periodCache.set(config, periods);
  return periods;
}

/** The period `now` falls in, if any. */
export function activePeriod(config: Config, now: Date, periodEnd: PeriodEnd = 'close-of-poll'): PreElectionPeriod | undefined {
  const time = now.getTime();
  return preElectionPeriods(config, periodEnd).find((period) => time >= period.start.getTime() && time < period.end.getTime());
}

function addDays(date: string, days: number): string {
  const day = new Date(`${date}T12:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

/** Good Friday of a year (Western Easter, anonymous Gregorian algorithm), YYYY-MM-DD. */
function goodFriday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return addDays(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, -2);
}
