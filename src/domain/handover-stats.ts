/**
 * The figures a hotline reports (and INHOPE members publish): how many handovers are where,
 * and how long it took from referral to delivery, to acknowledgement and to removal — median
 * and p90, per destination and per hosting country. The clock starts and stops as the
 * takedown clock defines it (takedown-clock.ts): "to removal" is the time to contentRemovedAt.
 * Pure: the store supplies the timings.
 */
export interface HandoverTiming {
  state: string;
  destination: string | null;
  country: string | null;
  /** When the takedown clock started (the referral, or ICCAM's assignment). */
  startedAt: number;
  deliveredAt: number | null;
  acknowledgedAt: number | null;
  /** When the content was known to be down. */
  contentRemovedAt: number | null;
  closedAt: number | null;
  outcome: string | null;
  overdue: boolean;
}

interface DurationSummary {
  count: number;
  /** Milliseconds; null when nothing was measured. */
  medianMs: number | null;
  p90Ms: number | null;
}

interface TimingFigures {
  toDelivery: DurationSummary;
  toAcknowledgement: DurationSummary;
  toRemoval: DurationSummary;
}

export interface HandoverStats {
  total: number;
  byState: Record<string, number>;
  byDestination: Record<string, Record<string, number>>;
  overdue: number;
  needsReview: number;
  failed: number;
  timings: TimingFigures;
  timingsByDestination: Record<string, TimingFigures>;
  timingsByCountry: Record<string, TimingFigures>;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function summarise(durations: number[]): DurationSummary {
  const sorted = [...durations].sort((a, b) => a - b);
  return { count: sorted.length, medianMs: percentile(sorted, 50), p90Ms: percentile(sorted, 90) };
}

function figures(rows: readonly HandoverTiming[]): TimingFigures {
  const since = (t: HandoverTiming, at: number | null) => (at === null ? [] : [at - t.startedAt]);
  return {
    toDelivery: summarise(rows.flatMap((t) => since(t, t.deliveredAt))),
    toAcknowledgement: summarise(rows.flatMap((t) => since(t, t.acknowledgedAt))),
    toRemoval: summarise(rows.flatMap((t) => since(t, t.contentRemovedAt))),
  };
}

function groupBy(rows: readonly HandoverTiming[], key: (t: HandoverTiming) => string | null): Record<string, TimingFigures> {
  const groups = new Map<string, HandoverTiming[]>();
  for (const row of rows) {
    const k = key(row);
    if (k === null) continue;
    groups.set(k, [...(groups.get(k) ?? []), row]);
  }
  return Object.fromEntries([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, g]) => [k, figures(g)]));
}

export function computeHandoverStats(rows: readonly HandoverTiming[]): HandoverStats {
  const byState: Record<string, number> = {};
  const byDestination: Record<string, Record<string, number>> = {};
  for (const row of rows) {
    byState[row.state] = (byState[row.state] ?? 0) + 1;
    const dest = row.destination ?? 'none';
    byDestination[dest] ??= {};
    byDestination[dest]![row.state] = (byDestination[dest]![row.state] ?? 0) + 1;
  }
  return {
    total: rows.length,
    byState,
    byDestination,
    overdue: rows.filter((r) => r.overdue).length,
    needsReview: byState.needs_review ?? 0,
    failed: byState.failed ?? 0,
    timings: figures(rows),
    timingsByDestination: groupBy(rows, (r) => r.destination),
    timingsByCountry: groupBy(rows, (r) => r.country),
  };
}
