/**
 * The takedown clock over time, for the console's chart and its CSV: the store's counts per
 * group and per calendar month or ISO week (UTC) of the clock's start, laid on an even time
 * axis (empty periods included) so every line has a value or a gap for each period.
 */
import type { TakedownGroupCounts, TakedownStep } from '../../domain/takedown-clock.js';
import type { TakedownMark } from '../../domain/takedown-targets.js';

export type Per = 'month' | 'week';

export interface Slice {
  /** [start, end), epoch ms (UTC). */
  start: number;
  end: number;
  label: string;
}

const DAY = 86_400_000;
/** Ten years of weeks is plenty for one chart. */
const MAX_SLICES = 520;

function sliceStart(at: number, per: Per): number {
  const d = new Date(at);
  if (per === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return day - ((d.getUTCDay() + 6) % 7) * DAY; // back to Monday
}

function nextSlice(start: number, per: Per): number {
  if (per === 'week') return start + 7 * DAY;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Every month or week that overlaps [from, to), in order (the store keys its periods by the same starts). */
export function slicesOf(range: { from: number; to: number }, per: Per): Slice[] {
  const slices: Slice[] = [];
  for (let start = sliceStart(range.from, per); start < range.to && slices.length < MAX_SLICES; start = nextSlice(start, per)) {
    const iso = new Date(start).toISOString();
    slices.push({ start, end: nextSlice(start, per), label: per === 'month' ? iso.slice(0, 7) : `week of ${iso.slice(0, 10)}` });
  }
  return slices;
}

export interface Line {
  key: string | null;
  label: string;
  /** Per slice: the median in ms, null when nothing reached the step in it. */
  medianMs: (number | null)[];
}

/** What figures.js draws: one line per group, and the marks as flat reference lines. */
export interface ChartData {
  /** Half a slice of margin each side (seconds), so the first and last points are not on the edge. */
  pad: number;
  /** Slice starts, epoch seconds. */
  x: number[];
  lines: { label: string; values: (number | null)[] }[];
  marks: { label: string; hours: number }[];
}

const hours = (ms: number | null) => (ms === null ? null : Math.round((ms / 3_600_000) * 100) / 100);

/**
 * Per group (in the order given), the median time from the clock's start to `step` in each
 * slice. `series` holds the store's counts per group and period.
 */
export function medianLines(
  series: readonly TakedownGroupCounts[],
  slices: readonly Slice[],
  step: TakedownStep,
  groups: readonly { key: string | null; label: string }[],
): Line[] {
  const at = new Map(series.map((g) => [`${g.key ?? ''}|${g.key === null ? 1 : 0}|${g.bucket}`, g]));
  return groups.map((group) => ({
    key: group.key,
    label: group.label,
    medianMs: slices.map((s) => at.get(`${group.key ?? ''}|${group.key === null ? 1 : 0}|${s.start}`)?.steps[step].medianMs ?? null),
  }));
}

export function chartData(lines: readonly Line[], slices: readonly Slice[], per: Per, marks: readonly TakedownMark[]): ChartData {
  return {
    pad: (per === 'week' ? 3.5 : 15) * 86_400,
    x: slices.map((s) => s.start / 1000),
    lines: lines.map((l) => ({ label: l.label, values: l.medianMs.map(hours) })),
    marks: marks.map((m) => ({ label: m.label, hours: m.ms / 3_600_000 })),
  };
}
