import { describe, expect, it } from 'vitest';
import { bankHolidayTable, bankHolidayTableInThread, WorkingCalendar, zonedInstant, type CalendarPolicy, type Nation } from '../../src/sla/calendar.js';
import { parseDuration, type Duration } from '../../src/sla/duration.js';
import { exampleConfig } from '../helpers/config.js';

function calendar(nation: Nation, overrides: Partial<CalendarPolicy> = {}): WorkingCalendar {
  return new WorkingCalendar({
    timezone: 'Europe/London',
    nation,
    closureDays: [],
    extraHolidays: [],
    workingHours: { start: '09:00', end: '17:00' },
    ...overrides,
  });
}

function duration(text: string): Duration {
  const parsed = parseDuration(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

const iso = (date: Date): string => date.toISOString();

describe('bank holidays of each nation', () => {
  const england = calendar('england-and-wales');
  const scotland = calendar('scotland');
  const northernIreland = calendar('northern-ireland');

  it.each([
    ['2026-01-01', "New Year's Day"],
    ['2026-04-03', 'Good Friday'],
    ['2026-04-06', 'Easter Monday'],
    ['2026-05-04', 'Early May bank holiday'],
    ['2026-05-25', 'Spring bank holiday'],
    ['2026-08-31', 'Summer bank holiday'],
    ['2026-12-25', 'Christmas Day'],
    ['2026-12-28', 'Boxing Day (substitute day)'],
    ['2027-03-29', 'Easter Monday'],
    ['2027-08-30', 'Summer bank holiday'],
    ['2027-12-27', 'Christmas Day (substitute day)'],
    ['2027-12-28', 'Boxing Day (substitute day)'],
  ])('England and Wales: %s is %s', (date, name) => {
    expect(england.nonWorkingReason(date)).toBe(name);
  });

  it.each(['2026-01-02', '2026-03-17', '2026-07-13', '2026-08-03', '2026-11-30', '2026-12-29', '2027-01-04', '2027-07-12'])(
    'England and Wales: %s is a working day',
    (date) => {
      expect(england.isWorkingDay(date)).toBe(true);
    },
  );

  it.each([
    ['2026-01-02', 'January 2nd'],
    ['2026-08-03', 'Summer bank holiday'],
    ['2026-11-30', 'St Andrew’s Day'],
    ['2026-12-28', 'Boxing Day (substitute day)'],
    ['2027-01-04', 'January 2nd (substitute day)'],
    ['2027-08-02', 'Summer bank holiday'],
    ['2027-11-30', 'St Andrew’s Day'],
    ['2027-12-27', 'Christmas Day (substitute day)'],
    ['2027-12-28', 'Boxing Day (substitute day)'],
  ])('Scotland: %s is %s', (date, name) => {
    expect(scotland.nonWorkingReason(date)).toBe(name);
  });

  it('Scotland: Easter Monday and the last Monday of August are working days', () => {
    expect(scotland.isWorkingDay('2026-04-06')).toBe(true);
    expect(scotland.isWorkingDay('2026-08-31')).toBe(true);
    expect(scotland.isWorkingDay('2027-03-29')).toBe(true);
  });

  it.each([
    ['2026-03-17', 'St Patrick’s Day'],
    ['2026-04-06', 'Easter Monday'],
    ['2026-07-13', 'Battle of the Boyne (Orangemen’s Day) (substitute day)'],
    ['2026-12-28', 'Boxing Day (substitute day)'],
    ['2027-03-17', 'St Patrick’s Day'],
    ['2027-07-12', 'Battle of the Boyne (Orangemen’s Day)'],
    ['2027-12-27', 'Christmas Day (substitute day)'],
  ])('Northern Ireland: %s is %s', (date, name) => {
    expect(northernIreland.nonWorkingReason(date)).toBe(name);
  });

  it('Northern Ireland: 2 January and St Andrew’s Day are working days', () => {
    expect(northernIreland.isWorkingDay('2026-01-02')).toBe(true);
    expect(northernIreland.isWorkingDay('2026-11-30')).toBe(true);
  });

  it('works out the same holidays in a thread of its own, which the gateway does at start-up so its threads never load date-holidays', async () => {
    const table = await bankHolidayTableInThread('SCT', 2026, 2027);
    expect(table['SCT-2026']).toContainEqual(['2026-11-30', 'St Andrew’s Day']);
    expect(table['SCT-2027']).toContainEqual(['2027-01-04', 'January 2nd (substitute day)']);
    expect(table).toEqual(bankHolidayTable('SCT', 2026, 2027));
  });

  it('weekends, closure days and proclaimed extra holidays are not working days', () => {
    const withPolicy = calendar('england-and-wales', { closureDays: ['2026-12-29'], extraHolidays: ['2027-06-07'] });
    expect(withPolicy.nonWorkingReason('2026-10-03')).toBe('Saturday');
    expect(withPolicy.nonWorkingReason('2026-10-04')).toBe('Sunday');
    expect(withPolicy.nonWorkingReason('2026-12-29')).toBe('closure day');
    expect(withPolicy.nonWorkingReason('2027-06-07')).toBe('extra holiday');
    expect(england.isWorkingDay('2027-06-07')).toBe(true);
  });
});

describe('working-day deadlines', () => {
  const england = calendar('england-and-wales');

  it('received Thursday 10:00 with 3 working days is due Tuesday 17:00 (the DESIGN example)', () => {
    // 2026-10-01 is a Thursday in BST
    expect(iso(england.deadline(new Date('2026-10-01T09:00:00Z'), duration('3 working days')))).toBe('2026-10-06T16:00:00.000Z');
  });

  it('receipt after close of business counts from the next working day', () => {
    expect(iso(england.countingStart(new Date('2026-10-01T17:30:00Z')))).toBe('2026-10-02T08:00:00.000Z');
    expect(iso(england.deadline(new Date('2026-10-01T17:30:00Z'), duration('3 working days')))).toBe('2026-10-07T16:00:00.000Z');
  });

  it('receipt exactly at close of business counts from the next working day', () => {
    expect(iso(england.countingStart(new Date('2026-10-01T16:00:00Z')))).toBe('2026-10-02T08:00:00.000Z');
  });

  it('receipt before opening counts from opening the same day', () => {
    expect(iso(england.countingStart(new Date('2026-10-01T05:00:00Z')))).toBe('2026-10-01T08:00:00.000Z');
    expect(iso(england.deadline(new Date('2026-10-01T05:00:00Z'), duration('3 working days')))).toBe('2026-10-06T16:00:00.000Z');
  });

  it('weekend receipt counts from Monday 09:00', () => {
    const saturday = new Date('2026-10-03T11:00:00Z');
    expect(iso(england.countingStart(saturday))).toBe('2026-10-05T08:00:00.000Z');
    expect(iso(england.deadline(saturday, duration('3 working days')))).toBe('2026-10-08T16:00:00.000Z');
  });

  it('skips the Christmas substitute day, closure days and New Year', () => {
    const withClosure = calendar('england-and-wales', { closureDays: ['2026-12-29', '2026-12-30', '2026-12-31'] });
    const christmasEve = new Date('2026-12-24T10:00:00Z');
    expect(iso(withClosure.deadline(christmasEve, duration('3 working days')))).toBe('2027-01-06T17:00:00.000Z');
    expect(iso(england.deadline(christmasEve, duration('5 working days')))).toBe('2027-01-05T17:00:00.000Z');
    expect(iso(calendar('scotland').deadline(christmasEve, duration('5 working days')))).toBe('2027-01-06T17:00:00.000Z');
  });

  it('uses the policy file: the example council closes 29–31 December 2026', () => {
    const council = WorkingCalendar.fromConfig(exampleConfig());
    expect(council.isWorkingDay('2026-12-30')).toBe(false);
    expect(iso(council.deadline(new Date('2026-12-24T10:00:00Z'), duration('3 working days')))).toBe('2027-01-06T17:00:00.000Z');
  });
});

describe('daylight saving', () => {
  const england = calendar('england-and-wales');

  it('a deadline across the spring change closes at 17:00 BST', () => {
    // Friday 27 March 2026 10:00 GMT; clocks go forward on Sunday 29 March
    expect(iso(england.deadline(new Date('2026-03-27T10:00:00Z'), duration('1 working day')))).toBe('2026-03-30T16:00:00.000Z');
  });

  it('a deadline across the autumn change closes at 17:00 GMT', () => {
    // Friday 23 October 2026 10:00 BST; clocks go back on Sunday 25 October
    expect(iso(england.deadline(new Date('2026-10-23T09:00:00Z'), duration('1 working day')))).toBe('2026-10-26T17:00:00.000Z');
  });

  it('reads local time right up to and after each change, second by second', () => {
    const hour = 3_600_000;
    // spring: 00:59:59 GMT is followed by 02:00:00 BST (01:00 UTC)
    expect(iso(zonedInstant('2026-03-29', hour - 1000, 'Europe/London'))).toBe('2026-03-29T00:59:59.000Z');
    expect(iso(zonedInstant('2026-03-29', 2 * hour, 'Europe/London'))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(zonedInstant('2026-03-29', 2 * hour + 1000, 'Europe/London'))).toBe('2026-03-29T01:00:01.000Z');
    // autumn: 00:59:59 UTC is 01:59:59 BST; 01:00:00 UTC is 01:00:00 GMT
    expect(iso(zonedInstant('2026-10-25', 0.5 * hour, 'Europe/London'))).toBe('2026-10-24T23:30:00.000Z');
    expect(iso(zonedInstant('2026-10-25', 3 * hour, 'Europe/London'))).toBe('2026-10-25T03:00:00.000Z');
    // the same instants asked again (now answered from the cache of offsets) give the same answers
    expect(iso(zonedInstant('2026-03-29', hour - 1000, 'Europe/London'))).toBe('2026-03-29T00:59:59.000Z');
    expect(iso(zonedInstant('2026-10-25', 3 * hour, 'Europe/London'))).toBe('2026-10-25T03:00:00.000Z');
    expect(england.isWithinWorkingHours(new Date('2026-03-30T07:59:59Z'))).toBe(false);
    expect(england.isWithinWorkingHours(new Date('2026-03-30T08:00:00Z'))).toBe(true);
  });

  it('working hours carry over the spring change weekend', () => {
    expect(iso(england.deadline(new Date('2026-03-27T16:00:00Z'), duration('2 working hours')))).toBe('2026-03-30T09:00:00.000Z');
  });

  it('knows opening time in both seasons', () => {
    expect(england.isWithinWorkingHours(new Date('2026-01-15T08:30:00Z'))).toBe(false);
    expect(england.isWithinWorkingHours(new Date('2026-01-15T09:00:00Z'))).toBe(true);
    expect(england.isWithinWorkingHours(new Date('2026-07-15T08:00:00Z'))).toBe(true);
    expect(england.isWithinWorkingHours(new Date('2026-07-15T16:00:00Z'))).toBe(false);
  });
});

describe('working hours and wall-clock durations', () => {
  const england = calendar('england-and-wales');

  it('counts working hours within the day and into the next', () => {
    const thursday1000 = new Date('2026-10-01T09:00:00Z');
    expect(iso(england.deadline(thursday1000, duration('4 working hours')))).toBe('2026-10-01T13:00:00.000Z');
    expect(iso(england.deadline(new Date('2026-10-01T15:00:00Z'), duration('2 working hours')))).toBe('2026-10-02T09:00:00.000Z');
  });

  it('a working-hours deadline can end exactly at close of business', () => {
    expect(iso(england.deadline(new Date('2026-10-01T08:00:00Z'), duration('8 working hours')))).toBe('2026-10-01T16:00:00.000Z');
  });

  it('wall-clock durations count from receipt, nights and weekends included', () => {
    const saturdayNight = new Date('2026-10-03T22:00:00Z');
    expect(iso(england.deadline(saturdayNight, duration('PT30S')))).toBe('2026-10-03T22:00:30.000Z');
    expect(iso(england.deadline(saturdayNight, duration('P2D')))).toBe('2026-10-05T22:00:00.000Z');
  });
});

describe('reminder times (remindBefore)', () => {
  const england = calendar('england-and-wales');
  const tuesdayClose = new Date('2026-10-06T16:00:00Z');

  it('one working day before Tuesday 17:00 is Tuesday 09:00', () => {
    expect(iso(england.before(tuesdayClose, duration('1 working day')))).toBe('2026-10-06T08:00:00.000Z');
  });

  it('two working days before Monday 17:00 is Friday 09:00', () => {
    expect(iso(england.before(new Date('2026-10-05T16:00:00Z'), duration('2 working days')))).toBe('2026-10-02T08:00:00.000Z');
  });

  it('working hours are subtracted across the night', () => {
    expect(iso(england.before(tuesdayClose, duration('2 working hours')))).toBe('2026-10-06T14:00:00.000Z');
    expect(iso(england.before(new Date('2026-10-06T09:00:00Z'), duration('3 working hours')))).toBe('2026-10-05T14:00:00.000Z');
  });

  it('a wall-clock reminder that would fall at night moves back into working time', () => {
    expect(iso(england.before(tuesdayClose, duration('PT12H')))).toBe('2026-10-05T16:00:00.000Z');
  });

  it('a wall-clock reminder before a wall-clock deadline stays exact', () => {
    const deadline = new Date('2026-10-03T22:00:30Z');
    expect(iso(england.before(deadline, duration('PT10S'), true))).toBe('2026-10-03T22:00:20.000Z');
  });
});
