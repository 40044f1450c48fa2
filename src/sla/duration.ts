/**
 * A deadline length as a council states it: counted in the council's working calendar
 * ("3 working days", "4 working hours") or as wall-clock time (ISO-8601, e.g. "PT30S").
 */
export type Duration =
  | { readonly kind: 'working-days'; readonly count: number; readonly text: string }
  | { readonly kind: 'working-hours'; readonly count: number; readonly text: string }
  | { readonly kind: 'wall-clock'; readonly milliseconds: number; readonly text: string };

const WORKING = /^\s*(\d{1,4})\s+working\s+(day|days|hour|hours)\s*$/i;
// ISO-8601 durations without years or months: their length depends on the calendar
const ISO = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const MS_PER = { week: 604_800_000, day: 86_400_000, hour: 3_600_000, minute: 60_000, second: 1_000 } as const;

/** Parses a duration string, or returns a reason it is not one. */
export function parseDuration(text: string): Duration | { error: string } {
  const working = WORKING.exec(text);
  if (working) {
    const count = Number(working[1]);
    const unit = (working[2] ?? '').toLowerCase();
    return unit.startsWith('day')
      ? { kind: 'working-days', count, text }
      : { kind: 'working-hours', count, text };
  }
  const iso = ISO.exec(text.trim());
  if (iso && text.trim() !== 'P' && text.trim() !== 'PT') {
    const [, w, d, h, m, s] = iso;
    const milliseconds =
      Number(w ?? 0) * MS_PER.week +
      Number(d ?? 0) * MS_PER.day +
      Number(h ?? 0) * MS_PER.hour +
      Number(m ?? 0) * MS_PER.minute +
      Number(s ?? 0) * MS_PER.second;
    if (milliseconds > 0) return { kind: 'wall-clock', milliseconds, text };
  }
  return {
    error: `"${text}" is not a duration: use "N working days", "N working hours" or ISO-8601 such as "PT30S" or "P2D"`,
  };
}
