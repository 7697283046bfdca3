/**
 * The figures on URLs referred more than once (issue #15), for a hotline's annual report: how
 * many referred URLs were about content already being handled (duplicates), and how often a
 * URL came back after its case was over (reappearances), above all after removal. Totals for
 * the period asked, and per calendar month (UTC) of the referral. Pure.
 */
export interface UrlRepeatRow {
  kind: 'duplicate' | 'reappearance';
  createdAt: number;
  split: boolean;
  earlierState: string | null;
}

interface UrlRepeatCounts {
  /** URLs referred while another live handover carried them (split ones included). */
  duplicates: number;
  /** Duplicates a supervisor later split into a case of their own. */
  duplicatesSplit: number;
  /** New cases of a URL whose earlier case was over (closed, failed or cancelled). */
  reappearances: number;
  /** Reappearances whose earlier case was closed: the content had been removed and came back. */
  reappearancesAfterRemoval: number;
}

export interface UrlRepeatStats extends UrlRepeatCounts {
  /** Keyed by "YYYY-MM" (UTC), in order. */
  byMonth: Record<string, UrlRepeatCounts>;
}

const empty = (): UrlRepeatCounts => ({ duplicates: 0, duplicatesSplit: 0, reappearances: 0, reappearancesAfterRemoval: 0 });

function add(counts: UrlRepeatCounts, row: UrlRepeatRow): void {
  if (row.kind === 'duplicate') {
    counts.duplicates++;
    if (row.split) counts.duplicatesSplit++;
  } else {
    counts.reappearances++;
    if (row.earlierState === 'closed') counts.reappearancesAfterRemoval++;
  }
}

export function computeUrlRepeatStats(rows: readonly UrlRepeatRow[]): UrlRepeatStats {
  const total = empty();
  const byMonth = new Map<string, UrlRepeatCounts>();
  for (const row of rows) {
    add(total, row);
    const month = new Date(row.createdAt).toISOString().slice(0, 7);
    let counts = byMonth.get(month);
    if (!counts) byMonth.set(month, (counts = empty()));
    add(counts, row);
  }
  return { ...total, byMonth: Object.fromEntries([...byMonth.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) };
}
