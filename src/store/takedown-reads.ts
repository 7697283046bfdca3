/**
 * The takedown clock as read: its counts and percentiles per group and period, the cases past
 * the last mark (escalation), and what was last heard of them. Reads only; the queries are in
 * takedown-queries.ts, the dialect's part in the driver's StatisticsDialect.
 */
import type { Destination } from '../domain/decision.js';
import { TAKEDOWN_STEPS, type StepCounts, type TakedownGroupCounts, type TakedownStep } from '../domain/takedown-clock.js';
import { toHandover } from './handover-rows.js';
import type { SqlDriver } from './sql-driver.js';
import type { RemovalOverdueEntry, TakedownQuery } from './store.js';
import {
  COUNT_REMOVAL_OVERDUE_BY_DESTINATION,
  countClock,
  countDuplicates,
  listRemovalOverdue,
  SELECT_REMOVAL_PENDING,
  type ClockQuery,
} from './takedown-queries.js';

type Row = Record<string, unknown>;

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const nOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A group's key as text (networks as AS numbers); null stays null (not known, e.g. not routed yet). */
function keyOf(groupBy: TakedownQuery['groupBy'], v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return groupBy === 'network' ? `AS${String(v)}` : String(v);
}

/** Groups by key (nulls last), then by period. */
function byKeyThenPeriod(a: TakedownGroupCounts, b: TakedownGroupCounts): number {
  if (a.key !== b.key) {
    if (a.key === null) return 1;
    if (b.key === null) return -1;
    return a.key < b.key ? -1 : 1;
  }
  return (a.bucket ?? 0) - (b.bucket ?? 0);
}

export class TakedownReads {
  constructor(private readonly db: SqlDriver) {}

  async takedownCounts(query: TakedownQuery): Promise<TakedownGroupCounts[]> {
    const q: ClockQuery = {
      groupBy: query.groupBy,
      per: query.per ?? null,
      from: query.from ?? 0,
      to: query.to ?? Number.MAX_SAFE_INTEGER,
      marksMs: query.marksMs,
      now: query.now,
    };
    const stats = this.db.statistics;
    const counted = countClock(q, stats);
    const duplicated = countDuplicates(q, stats);
    const [counts, duplicates] = await Promise.all([this.db.all<Row>(counted.sql, counted.params), this.db.all<Row>(duplicated.sql, duplicated.params)]);
    const id = (key: unknown, bucket: unknown) => `${key === null || key === undefined ? '\u0000' : String(key)}|${n(bucket)}`;
    const groups = new Map<string, TakedownGroupCounts>();
    const empty = (key: unknown, bucket: unknown): TakedownGroupCounts => ({
      key: keyOf(query.groupBy, key),
      bucket: q.per === null ? null : n(bucket),
      referred: 0,
      steps: Object.fromEntries(
        TAKEDOWN_STEPS.map((s) => [s, { count: 0, medianMs: null, p90Ms: null, within: q.marksMs.map(() => 0), openPast: q.marksMs.map(() => 0) }]),
      ) as Record<TakedownStep, StepCounts>,
      extra: { duplicates: 0, reappearances: 0, failed: 0, needsReview: 0, removalOverdue: 0, ackOverdue: 0, closedWithoutRemoval: 0 },
    });
    for (const r of counts) {
      const group = empty(r.group_key, r.bucket);
      group.referred = n(r.referred);
      for (const step of TAKEDOWN_STEPS) {
        group.steps[step] = {
          count: n(r[`${step}_count`]),
          medianMs: nOrNull(r[`${step}_ms_p50`]),
          p90Ms: nOrNull(r[`${step}_ms_p90`]),
          within: q.marksMs.map((_, i) => n(r[`${step}_within_${i}`])),
          openPast: q.marksMs.map((_, i) => n(r[`${step}_open_${i}`])),
        };
      }
      group.extra = {
        duplicates: 0,
        reappearances: n(r.reappearances),
        failed: n(r.failed),
        needsReview: n(r.needs_review),
        removalOverdue: n(r.removal_overdue),
        ackOverdue: n(r.ack_overdue),
        closedWithoutRemoval: n(r.closed_without_removal),
      };
      groups.set(id(r.group_key, r.bucket), group);
    }
    // A group of duplicates only (its cases referred before the period) still shows them.
    for (const r of duplicates) {
      const key = id(r.group_key, r.bucket);
      const group = groups.get(key) ?? empty(r.group_key, r.bucket);
      group.extra.duplicates = n(r.duplicates);
      groups.set(key, group);
    }
    return [...groups.values()].sort(byKeyThenPeriod);
  }

  async findRemovalPending(startedBy: number, limit: number): Promise<{ id: string; destination: Destination | null; startedAt: number }[]> {
    const rows = await this.db.all<Row>(SELECT_REMOVAL_PENDING, [startedBy, limit]);
    return rows.map((r) => ({ id: String(r.id), destination: (r.destination as Destination | null) ?? null, startedAt: n(r.started_at) }));
  }

  async countRemovalOverdueByDestination(): Promise<{ destination: Destination; count: number }[]> {
    const rows = await this.db.all<Row>(COUNT_REMOVAL_OVERDUE_BY_DESTINATION);
    return rows.filter((r) => r.destination !== null).map((r) => ({ destination: r.destination as Destination, count: n(r.n) }));
  }

  async listRemovalOverdue(filter: { destination?: Destination; limit: number }): Promise<RemovalOverdueEntry[]> {
    const query = listRemovalOverdue(filter);
    const rows = await this.db.all<Row>(query.sql, query.params);
    return rows.map((r) => {
      const observation = r.last_observation === null || r.last_observation === undefined ? null : (JSON.parse(String(r.last_observation)) as Row);
      return {
        handover: toHandover(r),
        startedAt: n(r.clock_started_at),
        lastAck: r.last_ack_status === null || r.last_ack_status === undefined ? null : { status: String(r.last_ack_status), at: n(r.last_ack_at) },
        destinationReference: (r.destination_reference as string | null) ?? null,
        lastObservation: observation
          ? { kind: String(observation.kind), observedAt: String(observation.observedAt), observedBy: (observation.observedBy as string | null) ?? null }
          : null,
        lastChase:
          r.last_chase_at === null || r.last_chase_at === undefined ? null : { at: n(r.last_chase_at), note: (r.last_chase_note as string | null) ?? null },
      };
    });
  }
}
