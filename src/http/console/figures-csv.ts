/**
 * The takedown clock of a period as CSV, for a spreadsheet or INHOPE's annual figures: one row
 * per group for the whole period, then one per group and month (or week), each with the three
 * steps (count, median, p90, share within each mark, open past each mark) and the counts a
 * yearly report also gives. The same numbers as `GET /v1/stats/takedown` for the same
 * grouping and period; durations in milliseconds, shares as fractions of `referred`.
 */
import { share, TAKEDOWN_STEPS, type TakedownGroupCounts } from '../../domain/takedown-clock.js';
import type { TakedownMark } from '../../domain/takedown-targets.js';
import type { Slice } from './figures-over-time.js';

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed so a spreadsheet never runs it as a formula. */
function cell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const EXTRA_COLUMNS = [
  ['duplicates', 'duplicates'],
  ['reappearances', 'reappearances'],
  ['failed', 'failed'],
  ['needs_review', 'needsReview'],
  ['ack_overdue', 'ackOverdue'],
  ['removal_overdue', 'removalOverdue'],
  ['closed_without_removal_time', 'closedWithoutRemoval'],
] as const;

function header(marks: readonly TakedownMark[]): string[] {
  const steps = TAKEDOWN_STEPS.flatMap((step) => [
    step,
    `${step}_median_ms`,
    `${step}_p90_ms`,
    ...marks.map((m) => `${step}_within_${m.label}`),
    ...marks.map((m) => `${step}_open_past_${m.label}`),
  ]);
  return ['group_by', 'key', 'period_start', 'period_end', 'referred', ...steps, ...EXTRA_COLUMNS.map(([column]) => column)];
}

/** Shares to four decimals: a spreadsheet shows them as percentages with two. */
const fraction = (n: number, of: number) => Math.round(share(n, of) * 10_000) / 10_000;

function row(groupBy: string, group: TakedownGroupCounts, period: { start: string; end: string }): (string | number | null)[] {
  const steps = TAKEDOWN_STEPS.flatMap((step) => {
    const s = group.steps[step];
    return [s.count, s.medianMs, s.p90Ms, ...s.within.map((n) => fraction(n, group.referred)), ...s.openPast];
  });
  return [groupBy, group.key ?? '', period.start, period.end, group.referred, ...steps, ...EXTRA_COLUMNS.map(([, field]) => group.extra[field])];
}

/**
 * `whole`: per group (the 'all' group first) over the period [from, to] (dates, to inclusive);
 * `perSlice`: per group and slice, the slices being the months or weeks of the period.
 */
export function takedownCsv(input: {
  groupBy: string;
  marks: readonly TakedownMark[];
  period: { from: string; to: string };
  whole: readonly { groupBy: string; group: TakedownGroupCounts }[];
  perSlice: readonly { groupBy: string; group: TakedownGroupCounts }[];
  slices: readonly Slice[];
}): string {
  const rows: (string | number | null)[][] = [header(input.marks)];
  for (const { groupBy, group } of input.whole) rows.push(row(groupBy, group, { start: input.period.from, end: input.period.to }));
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const sliceOf = new Map(input.slices.map((s) => [s.start, s]));
  for (const { groupBy, group } of input.perSlice) {
    const slice = sliceOf.get(group.bucket ?? -1);
    if (!slice) continue;
    rows.push(row(groupBy, group, { start: day(slice.start), end: day(slice.end - 86_400_000) }));
  }
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
