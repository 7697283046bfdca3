/**
 * The hotline's figures over time, for the console's charts: the handovers of a period cut into
 * calendar months or ISO weeks (UTC) by when they were referred, each slice summarised by the
 * same function as `GET /v1/stats`, so a chart and the API never disagree.
 */
import { computeHandoverStats, type HandoverTiming, type TimingFigures } from '../../domain/handover-stats.js';

export type Bucket = 'month' | 'week';

export interface FiguresSlice {
  /** Start of the slice, epoch ms (UTC). */
  start: number;
  label: string;
  figures: TimingFigures;
}

/** Which handovers a chart is about: all, one destination, or one hosting country. */
export type FiguresGroup = { kind: 'all' } | { kind: 'destination'; value: string } | { kind: 'country'; value: string };

function sliceStart(at: number, bucket: Bucket): number {
  const d = new Date(at);
  if (bucket === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const weekday = (d.getUTCDay() + 6) % 7; // Monday 0
  return day - weekday * 86_400_000;
}

function nextSlice(start: number, bucket: Bucket): number {
  if (bucket === 'week') return start + 7 * 86_400_000;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

function label(start: number, bucket: Bucket): string {
  const iso = new Date(start).toISOString();
  return bucket === 'month' ? iso.slice(0, 7) : `week of ${iso.slice(0, 10)}`;
}

function inGroup(row: HandoverTiming, group: FiguresGroup): boolean {
  if (group.kind === 'all') return true;
  return (group.kind === 'destination' ? row.destination : row.country) === group.value;
}

/** One slice per month or week of [from, to), empty slices included so the time axis is even. */
export function figuresOverTime(rows: readonly HandoverTiming[], range: { from: number; to: number }, bucket: Bucket, group: FiguresGroup): FiguresSlice[] {
  const chosen = rows.filter((r) => inGroup(r, group));
  const slices: FiguresSlice[] = [];
  for (let start = sliceStart(range.from, bucket); start < range.to; start = nextSlice(start, bucket)) {
    const end = nextSlice(start, bucket);
    const inSlice = chosen.filter((r) => r.createdAt >= start && r.createdAt < end);
    slices.push({ start, label: label(start, bucket), figures: computeHandoverStats(inSlice).timings });
    if (slices.length > 520) break; // ten years of weeks is plenty for one chart
  }
  return slices;
}
