/**
 * What the store keeps for ICCAM (migration 0004): the deployment-wide call gate and the
 * lookup lists as last read. Plain SQL over either driver; SqlStore exposes these.
 */
import type { SqlDriver } from './sql-driver.js';
import type { IccamGateAttempt, StoredLookupLists } from './store.js';

/**
 * Takes the gate when nobody holds it (or the holder's lease ran out: a killed process) and the
 * pause since the last call has passed. Otherwise says how long to wait before asking again.
 */
export function acquireIccamGate(db: SqlDriver, holder: string, now: number, ttlMs: number): Promise<IccamGateAttempt> {
  return db.transaction(async (tx) => {
    const row = await tx.get<{ holder: string | null; expires_at: number | string; not_before: number | string }>(
      `SELECT holder, expires_at, not_before FROM iccam_gate WHERE id = 1${db.forUpdate}`,
    );
    if (!row) throw new Error('iccam_gate row is missing: the store was not migrated');
    const expiresAt = Number(row.expires_at);
    const notBefore = Number(row.not_before);
    if (row.holder !== null && row.holder !== holder && expiresAt > now) return { acquired: false, waitMs: Math.max(1, Math.min(expiresAt - now, Math.max(notBefore - now, 5))) };
    if (notBefore > now) return { acquired: false, waitMs: notBefore - now };
    await tx.run('UPDATE iccam_gate SET holder = ?, expires_at = ? WHERE id = 1', [holder, now + ttlMs]);
    return { acquired: true, waitMs: 0 };
  });
}

/** Lets the gate go; the next call may start at `notBefore` at the earliest. Only the holder can. */
export async function releaseIccamGate(db: SqlDriver, holder: string, notBefore: number): Promise<boolean> {
  const changed = await db.run('UPDATE iccam_gate SET holder = NULL, expires_at = 0, not_before = ? WHERE id = 1 AND holder = ?', [notBefore, holder]);
  return changed > 0;
}

export async function saveIccamLookupLists(db: SqlDriver, lists: Record<string, { id: number; name: string }[]>, now: number): Promise<void> {
  await db.transaction(async (tx) => {
    for (const [list, entries] of Object.entries(lists)) {
      const text = JSON.stringify(entries);
      const changed = await tx.run('UPDATE iccam_lookup_lists SET entries = ?, fetched_at = ? WHERE list = ?', [text, now, list]);
      if (changed === 0) await tx.run('INSERT INTO iccam_lookup_lists (list, entries, fetched_at) VALUES (?, ?, ?)', [list, text, now]);
    }
  });
}

export async function loadIccamLookupLists(db: SqlDriver): Promise<StoredLookupLists> {
  const rows = await db.all<{ list: string; entries: string; fetched_at: number | string }>('SELECT list, entries, fetched_at FROM iccam_lookup_lists');
  const lists: StoredLookupLists['lists'] = {};
  let fetchedAt: number | null = null;
  for (const row of rows) {
    lists[row.list] = JSON.parse(row.entries) as { id: number; name: string }[];
    fetchedAt = fetchedAt === null ? Number(row.fetched_at) : Math.min(fetchedAt, Number(row.fetched_at));
  }
  return { lists, fetchedAt };
}
