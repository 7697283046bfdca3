/**
 * What replicas share besides the ledger: named job leases (one runner of an exclusive job),
 * the deployment-wide ICCAM call gate and ICCAM's lookup lists as last read (migration 0004),
 * when the last inbound ICCAM import began, and rate-limit counters that every replica counts
 * against.
 */
import {
  COUNT_RATE_LIMIT_HIT,
  INSERT_JOB_LEASE,
  INSERT_LOOKUP_LIST,
  lockIccamGate,
  lockJobLease,
  PRUNE_RATE_LIMIT_COUNTERS,
  RELEASE_ICCAM_GATE,
  RELEASE_JOB_LEASE,
  SELECT_ICCAM_IMPORT_MARK,
  SELECT_LOOKUP_LISTS,
  SELECT_RATE_LIMIT_HITS,
  TAKE_ICCAM_GATE,
  TAKE_JOB_LEASE,
  UPDATE_ICCAM_IMPORT_MARK,
  UPDATE_LOOKUP_LIST,
} from './coordination-queries.js';
import type { SqlDriver } from './sql-driver.js';
import type { IccamGateAttempt, StoredLookupLists } from './store.js';

export class CoordinationStore {
  constructor(private readonly db: SqlDriver) {}

  async acquireJobLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    try {
      return await this.tryAcquireJobLease(name, holder, now, ttlMs);
    } catch (error) {
      // Two processes creating the first lease row at once: the other one holds it.
      if (this.db.isUniqueViolation(error)) return false;
      throw error;
    }
  }

  private tryAcquireJobLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get<{ holder: string; expires_at: number | string }>(lockJobLease(this.db), [name]);
      if (!row) {
        await tx.run(INSERT_JOB_LEASE, [name, holder, now + ttlMs, now]);
        return true;
      }
      if (row.holder !== holder && Number(row.expires_at) > now) return false;
      await tx.run(TAKE_JOB_LEASE, [holder, now + ttlMs, now, name]);
      return true;
    });
  }

  async releaseJobLease(name: string, holder: string): Promise<void> {
    await this.db.run(RELEASE_JOB_LEASE, [name, holder]);
  }

  /**
   * Takes the gate when nobody holds it (or the holder's lease ran out: a killed process) and the
   * pause since the last call has passed. Otherwise says how long to wait before asking again.
   */
  acquireIccamGate(holder: string, now: number, ttlMs: number): Promise<IccamGateAttempt> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get<{ holder: string | null; expires_at: number | string; not_before: number | string }>(lockIccamGate(this.db));
      if (!row) throw new Error('iccam_gate row is missing: the store was not migrated');
      const expiresAt = Number(row.expires_at);
      const notBefore = Number(row.not_before);
      if (row.holder !== null && row.holder !== holder && expiresAt > now)
        return { acquired: false, waitMs: Math.max(1, Math.min(expiresAt - now, Math.max(notBefore - now, 5))) };
      if (notBefore > now) return { acquired: false, waitMs: notBefore - now };
      await tx.run(TAKE_ICCAM_GATE, [holder, now + ttlMs]);
      return { acquired: true, waitMs: 0 };
    });
  }

  /** Lets the gate go; the next call may start at `notBefore` at the earliest. Only the holder can. */
  async releaseIccamGate(holder: string, notBefore: number): Promise<boolean> {
    return (await this.db.run(RELEASE_ICCAM_GATE, [notBefore, holder])) > 0;
  }

  async saveIccamLookupLists(lists: Record<string, { id: number; name: string }[]>, now: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const [list, entries] of Object.entries(lists)) {
        const text = JSON.stringify(entries);
        const changed = await tx.run(UPDATE_LOOKUP_LIST, [text, now, list]);
        if (changed === 0) await tx.run(INSERT_LOOKUP_LIST, [list, text, now]);
      }
    });
  }

  async loadIccamLookupLists(): Promise<StoredLookupLists> {
    const rows = await this.db.all<{ list: string; entries: string; fetched_at: number | string }>(SELECT_LOOKUP_LISTS);
    const lists: StoredLookupLists['lists'] = {};
    let fetchedAt: number | null = null;
    for (const row of rows) {
      lists[row.list] = JSON.parse(row.entries) as { id: number; name: string }[];
      fetchedAt = fetchedAt === null ? Number(row.fetched_at) : Math.min(fetchedAt, Number(row.fetched_at));
    }
    return { lists, fetchedAt };
  }

  async readIccamImportMark(): Promise<number | null> {
    const row = await this.db.get<{ last_started_at: number | string | null }>(SELECT_ICCAM_IMPORT_MARK);
    return row?.last_started_at === null || row?.last_started_at === undefined ? null : Number(row.last_started_at);
  }

  async saveIccamImportMark(startedAt: number): Promise<void> {
    await this.db.run(UPDATE_ICCAM_IMPORT_MARK, [startedAt]);
  }

  async countRateLimitHit(key: string, windowStart: number): Promise<number> {
    const row = await this.db.get<{ hits: number | string }>(COUNT_RATE_LIMIT_HIT, [key, windowStart]);
    return Number(row?.hits ?? 1);
  }

  async readRateLimitHits(key: string, windowStart: number): Promise<number> {
    const row = await this.db.get<{ hits: number | string }>(SELECT_RATE_LIMIT_HITS, [key, windowStart]);
    return Number(row?.hits ?? 0);
  }

  pruneRateLimitCounters(before: number): Promise<number> {
    return this.db.run(PRUNE_RATE_LIMIT_COUNTERS, [before]);
  }
}
