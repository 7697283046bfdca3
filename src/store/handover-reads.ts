/**
 * The ledger as read: referrals with their handovers, handover lists and selections, the
 * attempts and acknowledgements of one handover, and the counts and timings behind the
 * console, the gauges and the statistics. No transaction, no lock.
 */
import type { Destination } from '../domain/decision.js';
import type { HandoverState } from '../domain/handover-states.js';
import type { HandoverTiming } from '../domain/handover-stats.js';
import { hostKeyRange } from '../domain/host-search-key.js';
import {
  COUNT_BY_STATE_AND_DESTINATION,
  COUNT_OVERDUE_BY_DESTINATION,
  findHandovers,
  listHandovers,
  SELECT_HANDOVER_BY_ID,
  SELECT_HANDOVERS_BY_HOST_KEY,
  SELECT_HANDOVERS_BY_REPORT_ID,
  SELECT_HANDOVERS_BY_REPORT_ID_PART,
  SELECT_HANDOVERS_BY_SHORT_ID,
  SELECT_HANDOVERS_OF_REFERRAL,
  SELECT_SUCCESSORS,
  SELECT_URL_LINKS,
  SELECT_URL_REPEATS,
} from './handover-queries.js';
import { toAck, toAttempt, toHandover, toReferral } from './handover-rows.js';
import {
  SELECT_ACKS_OF_HANDOVER,
  SELECT_ATTEMPTS_OF_HANDOVER,
  SELECT_LAST_FAILURE_CLASS,
  SELECT_REFERRAL_BY_REPORT_ID,
  SUMMARISE_ATTEMPTS_BY_DESTINATION,
} from './ledger-queries.js';
import type { SqlRunner } from './sql-driver.js';
import { SELECT_TIMINGS } from './takedown-queries.js';
import type {
  AckRecord,
  AttemptRecord,
  CountRow,
  DestinationAttemptSummary,
  HandoverFilter,
  HandoverQuery,
  HandoverRecord,
  HandoverSearch,
  ReferralRecord,
  UrlRepeat,
} from './store.js';

/** A referral and its handovers in listing order, through any runner (inside a transaction or not). */
export async function readReferralWithHandovers(
  runner: SqlRunner,
  reportId: string,
): Promise<{ referral: ReferralRecord; handovers: HandoverRecord[] } | null> {
  const row = await runner.get(SELECT_REFERRAL_BY_REPORT_ID, [reportId]);
  if (!row) return null;
  const referral = toReferral(row);
  const handovers = (await runner.all(SELECT_HANDOVERS_OF_REFERRAL, [referral.id])).map(toHandover);
  return { referral, handovers };
}

export class HandoverReads {
  constructor(private readonly db: SqlRunner) {}

  getReferralByReportId(reportId: string) {
    return readReferralWithHandovers(this.db, reportId);
  }

  async getHandover(id: string): Promise<HandoverRecord | null> {
    const row = await this.db.get(SELECT_HANDOVER_BY_ID, [id]);
    return row ? toHandover(row) : null;
  }

  async listHandovers(filter: HandoverFilter): Promise<HandoverRecord[]> {
    const query = listHandovers(filter);
    return (await this.db.all(query.sql, query.params)).map(toHandover);
  }

  async findHandovers(q: HandoverQuery): Promise<HandoverRecord[]> {
    const query = findHandovers(q);
    return query ? (await this.db.all(query.sql, query.params)).map(toHandover) : [];
  }

  async searchHandovers(search: HandoverSearch, limit: number): Promise<HandoverRecord[]> {
    const rows = (sql: string, params: unknown[]) => this.db.all(sql, params).then((r) => r.map(toHandover));
    switch (search.by) {
      case 'shortId':
        return rows(SELECT_HANDOVERS_BY_SHORT_ID, [search.shortId.toLowerCase(), limit]);
      case 'host': {
        if (search.hostKey === '') return [];
        const { from, to } = hostKeyRange(search.hostKey);
        return rows(SELECT_HANDOVERS_BY_HOST_KEY, [from, to, limit]);
      }
      case 'reportId': {
        const text = search.text.trim().toLowerCase();
        if (text === '') return [];
        // A report named in full (any case) is an index look-up; only text that names none is
        // looked for inside report ids, newest referrals first (a scan of the referrals).
        const exact = await rows(SELECT_HANDOVERS_BY_REPORT_ID, [text, limit]);
        if (exact.length > 0) return exact;
        const pattern = `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
        return rows(SELECT_HANDOVERS_BY_REPORT_ID_PART, [pattern, limit, limit]);
      }
    }
  }

  async listAttempts(handoverId: string): Promise<AttemptRecord[]> {
    return (await this.db.all(SELECT_ATTEMPTS_OF_HANDOVER, [handoverId])).map(toAttempt);
  }

  async listAcks(handoverId: string): Promise<AckRecord[]> {
    return (await this.db.all(SELECT_ACKS_OF_HANDOVER, [handoverId])).map(toAck);
  }

  async countByStateAndDestination(): Promise<CountRow[]> {
    const rows = await this.db.all<{ state: string; destination: string | null; n: number | string }>(COUNT_BY_STATE_AND_DESTINATION);
    return rows.map((r) => ({ state: r.state as HandoverState, destination: r.destination as CountRow['destination'], count: Number(r.n) }));
  }

  async countOverdueByDestination(): Promise<{ destination: Destination; count: number }[]> {
    const rows = await this.db.all<{ destination: string; n: number | string }>(COUNT_OVERDUE_BY_DESTINATION);
    return rows.map((r) => ({ destination: r.destination as Destination, count: Number(r.n) }));
  }

  async listSuccessors(handoverId: string): Promise<HandoverRecord[]> {
    return (await this.db.all(SELECT_SUCCESSORS, [handoverId])).map(toHandover);
  }

  async summariseDestinationAttempts(since: number): Promise<DestinationAttemptSummary[]> {
    const rows = await this.db.all<Record<string, unknown>>(SUMMARISE_ATTEMPTS_BY_DESTINATION, [since, since]);
    const summaries: DestinationAttemptSummary[] = [];
    for (const r of rows) {
      const lastFailureAt = r.last_failure_at === null || r.last_failure_at === undefined ? null : Number(r.last_failure_at);
      const last = lastFailureAt === null ? undefined : await this.db.get<{ error_class: string | null }>(SELECT_LAST_FAILURE_CLASS, [r.destination]);
      summaries.push({
        destination: r.destination as Destination,
        lastSuccessAt: r.last_success_at === null || r.last_success_at === undefined ? null : Number(r.last_success_at),
        lastFailureAt,
        lastErrorClass: last?.error_class ?? null,
        recentAttempts: Number(r.recent_attempts ?? 0),
        recentFailures: Number(r.recent_failures ?? 0),
      });
    }
    return summaries;
  }

  async listTimings(range: { from?: number; to?: number } = {}): Promise<HandoverTiming[]> {
    const rows = await this.db.all<Record<string, unknown>>(SELECT_TIMINGS, [range.from ?? 0, range.to ?? Number.MAX_SAFE_INTEGER]);
    const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return rows.map((r) => ({
      state: String(r.state),
      destination: (r.destination as string | null) ?? null,
      country: (r.country as string | null) ?? null,
      startedAt: Number(r.started_at),
      deliveredAt: n(r.delivered_at),
      acknowledgedAt: n(r.acknowledged_at),
      contentRemovedAt: n(r.content_removed_at),
      closedAt: n(r.closed_at),
      outcome: (r.outcome as string | null) ?? null,
      overdue: r.overdue_at !== null && r.overdue_at !== undefined,
    }));
  }

  async listUrlLinks(handoverId: string): Promise<{ duplicates: HandoverRecord[]; reappearances: HandoverRecord[] }> {
    const rows = (await this.db.all(SELECT_URL_LINKS, [handoverId, handoverId])).map(toHandover);
    return { duplicates: rows.filter((h) => h.duplicateOf === handoverId), reappearances: rows.filter((h) => h.reappearanceOf === handoverId) };
  }

  async listUrlRepeats(range: { from?: number; to?: number } = {}): Promise<UrlRepeat[]> {
    const rows = await this.db.all<{
      duplicate_of: string | null;
      created_at: number | string;
      split_at: number | string | null;
      earlier_state: string | null;
    }>(SELECT_URL_REPEATS, [range.from ?? 0, range.to ?? Number.MAX_SAFE_INTEGER]);
    return rows.map((r) => ({
      kind: r.duplicate_of !== null ? 'duplicate' : 'reappearance',
      createdAt: Number(r.created_at),
      split: r.split_at !== null,
      earlierState: r.duplicate_of !== null ? null : ((r.earlier_state as HandoverState | null) ?? null),
    }));
  }
}
