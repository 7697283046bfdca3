/**
 * One live case per URL (issue #15), in SQL. A handover carries its URL by holding the URL's
 * identity key in `live_url_key`, under a unique index: the database, not a check before the
 * write, decides which of two racing referrals makes the case. The other becomes a duplicate
 * entry linked to the winner. Every function here runs inside the caller's transaction and
 * returns the audit events to append (the caller appends them last, after its row locks).
 *
 * Lock order (PostgreSQL): a referral first takes an advisory lock per URL key in one global
 * order (see lockUrlKeysInOrder), then inserts, then locks any holder row; the audit events last.
 */
import type { AuditEventBody } from '../domain/audit-chain.js';
import { ConflictError } from '../domain/errors.js';
import { LIVE_STATES, OVER_STATES, type HandoverState } from '../domain/handover-states.js';
import { urlIdentityKey } from '../domain/url-identity.js';
import type { ContentType } from '../domain/referral.js';
import type { SqlRunner } from './sql-driver.js';

export type AuditInput = Omit<AuditEventBody, 'seq'>;

/** What became of one referred URL. */
export type UrlIntake =
  | { kind: 'case'; handoverId: string; reappearanceOf: string | null }
  | { kind: 'duplicate'; handoverId: string; duplicateOf: string };

export interface ReferredUrl {
  handoverId: string;
  referralId: string;
  reportId: string;
  position: number;
  url: string;
  /** The string the back office sent, when it differs from the serialised `url`. */
  reportedUrl: string | null;
  contentType: ContentType | null;
}

const OVER_IN = OVER_STATES.map((s) => `'${s}'`).join(', ');

/** The key used for a stored URL; a URL the parser refuses (never accepted) is its own key. */
export function keyOf(url: string): string {
  return urlIdentityKey(url) ?? url;
}

/** How many times intake looks again when the holder it found became over meanwhile. */
const HOLDER_LOOKUPS = 5;

/**
 * Inserts one referred URL: a new case in `locating` holding the URL's live key, or, when a
 * live handover already holds it, a `duplicate` entry linked to that handover. A new case whose
 * URL had an earlier case that is over is linked to it as a reappearance.
 */
export async function insertReferredUrl(tx: SqlRunner, forUpdate: string, u: ReferredUrl, actor: string, now: number): Promise<{ intake: UrlIntake; audit: AuditInput[] }> {
  const urlKey = keyOf(u.url);
  for (let lookup = 0; lookup < HOLDER_LOOKUPS; lookup++) {
    const earlier = await tx.get<{ id: string; state: string; referral_id: string }>(
      `SELECT id, state, referral_id FROM handovers WHERE url_key = ? AND state IN (${OVER_IN}) ORDER BY seq DESC LIMIT 1`,
      [urlKey],
    );
    // On PostgreSQL a racing insert of the same key waits here for the other transaction; when
    // that one commits, nothing is inserted and the holder is read below.
    const inserted = await tx.run(
      `INSERT INTO handovers (id, referral_id, position, url, reported_url, content_type, state, url_key, live_url_key, reappearance_of, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'locating', ?, ?, ?, ?, ?) ON CONFLICT (live_url_key) DO NOTHING`,
      [u.handoverId, u.referralId, u.position, u.url, u.reportedUrl, u.contentType, urlKey, urlKey, earlier?.id ?? null, now, now],
    );
    if (inserted === 1) {
      const audit: AuditInput[] = [
        {
          handoverId: u.handoverId,
          referralId: u.referralId,
          at: now,
          actor,
          kind: 'intake',
          fromState: null,
          toState: 'locating',
          reason: earlier ? `referred by the hotline; the URL's earlier case ${earlier.id} is over (${earlier.state}): a reappearance` : 'referred by the hotline',
          data: { reportId: u.reportId, position: u.position, ...(earlier ? { reappearanceOf: earlier.id } : {}) },
        },
      ];
      if (earlier) {
        audit.push({
          handoverId: earlier.id,
          referralId: earlier.referral_id,
          at: now,
          actor,
          kind: 'reappeared',
          fromState: earlier.state,
          toState: earlier.state,
          reason: `the URL was referred again after this case was over; new case ${u.handoverId}`,
          data: { reappearanceId: u.handoverId, reportId: u.reportId },
        });
      }
      return { intake: { kind: 'case', handoverId: u.handoverId, reappearanceOf: earlier?.id ?? null }, audit };
    }
    // Locked so the holder cannot become over before this transaction commits the link to it.
    const holder = await tx.get<{ id: string; state: string; referral_id: string }>(`SELECT id, state, referral_id FROM handovers WHERE live_url_key = ?${forUpdate}`, [urlKey]);
    if (!holder) continue; // it became over meanwhile: this URL is a case after all
    await tx.run(
      `INSERT INTO handovers (id, referral_id, position, url, reported_url, content_type, state, url_key, duplicate_of, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'duplicate', ?, ?, ?, ?)`,
      [u.handoverId, u.referralId, u.position, u.url, u.reportedUrl, u.contentType, urlKey, holder.id, now, now],
    );
    const audit: AuditInput[] = [
      {
        handoverId: u.handoverId,
        referralId: u.referralId,
        at: now,
        actor,
        kind: 'intake',
        fromState: null,
        toState: 'duplicate',
        reason: `referred by the hotline; the URL is already carried by handover ${holder.id} (${holder.state}): not sent again`,
        data: { reportId: u.reportId, position: u.position, duplicateOf: holder.id },
      },
      {
        handoverId: holder.id,
        referralId: holder.referral_id,
        at: now,
        actor,
        kind: 'duplicate_received',
        fromState: holder.state,
        toState: holder.state,
        reason: `the same URL was referred again (report ${u.reportId}); recorded as duplicate ${u.handoverId}`,
        data: { duplicateId: u.handoverId, reportId: u.reportId },
      },
    ];
    return { intake: { kind: 'duplicate', handoverId: u.handoverId, duplicateOf: holder.id }, audit };
  }
  throw new Error(`handover ${u.handoverId}: the URL's live case kept changing while it was referred`);
}

/**
 * PostgreSQL only: takes a transaction-scoped advisory lock per distinct URL key, in one global
 * order, before any insert. Without it, two referrals naming the same two URLs in opposite
 * orders could each wait on the other's uncommitted key (a deadlock); with it they queue. The
 * unique index, not these locks, is what keeps one live case per URL.
 */
async function lockUrlKeysInOrder(tx: SqlRunner, keys: string[]): Promise<void> {
  // One round trip: the aggregate takes the locks row by row as the sorted subquery yields them.
  await tx.get(
    'SELECT COUNT(pg_advisory_xact_lock(?, h)) AS locked FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(?::text[]) AS k ORDER BY h) AS ordered',
    [URL_KEY_LOCK_CLASS, keys],
  );
}

/** The advisory lock class of URL keys (the two-number form, apart from single-number locks). */
const URL_KEY_LOCK_CLASS = 15;

/** Inserts a referral's URLs in their order (insertion order is the listing order). */
export async function insertReferredUrls(
  tx: SqlRunner,
  db: { dialect: 'sqlite' | 'postgres'; forUpdate: string },
  urls: ReferredUrl[],
  actor: string,
  now: number,
): Promise<{ intakes: UrlIntake[]; audit: AuditInput[] }> {
  if (db.dialect === 'postgres') await lockUrlKeysInOrder(tx, urls.map((u) => keyOf(u.url)));
  const intakes: UrlIntake[] = [];
  const audit: AuditInput[] = [];
  for (const u of urls) {
    const result = await insertReferredUrl(tx, db.forUpdate, u, actor, now);
    intakes.push(result.intake);
    audit.push(...result.audit);
  }
  return { intakes, audit };
}

/** The handover holding a URL's live key, other than `exceptId`. */
async function liveHolder(tx: SqlRunner, urlKey: string, exceptId: string): Promise<string | null> {
  const row = await tx.get<{ id: string }>('SELECT id FROM handovers WHERE live_url_key = ? AND id <> ?', [urlKey, exceptId]);
  return row?.id ?? null;
}

/**
 * Keeps `live_url_key` in step with a state change, inside the transition's transaction:
 * cleared when the case becomes over; taken again when a failed case is sent once more. An
 * ordinary case refuses to go live while another handover carries its URL (that would send the
 * URL twice); a split case or a linked successor goes live without the key then.
 */
export async function followStateChange(
  tx: SqlRunner,
  h: { id: string; url: string; urlKey: string | null; state: HandoverState; parentId: string | null; splitAt: number | null },
  to: HandoverState,
): Promise<void> {
  const wasLive = LIVE_STATES.includes(h.state);
  const willBeLive = LIVE_STATES.includes(to);
  if (wasLive && !willBeLive) {
    await tx.run('UPDATE handovers SET live_url_key = NULL WHERE id = ?', [h.id]);
    return;
  }
  if (wasLive || !willBeLive) return;
  const urlKey = h.urlKey ?? keyOf(h.url);
  const holder = await liveHolder(tx, urlKey, h.id);
  if (holder === null) {
    await tx.run('UPDATE handovers SET url_key = ?, live_url_key = ? WHERE id = ?', [urlKey, urlKey, h.id]);
  } else if (h.parentId === null && h.splitAt === null) {
    throw urlAlreadyLive(h.id, holder);
  }
}

export function urlAlreadyLive(handoverId: string, holderId: string): ConflictError {
  return new ConflictError('url_already_live', `Handover ${handoverId} cannot go live again: handover ${holderId} now carries its URL.`, { handoverId: holderId });
}

/**
 * A supervisor's split (issue #15): the duplicate becomes a case of its own in `locating`,
 * because the two reports are about different things at one address. It takes the URL's live
 * key only when nobody holds it; the handover it duplicated keeps carrying the URL otherwise.
 */
export async function splitDuplicateRow(
  tx: SqlRunner,
  d: { id: string; referralId: string; url: string; urlKey: string | null; duplicateOf: string | null },
  input: { actor: string; reason: string; now: number },
): Promise<AuditInput[]> {
  const urlKey = d.urlKey ?? keyOf(d.url);
  const holder = await liveHolder(tx, urlKey, d.id);
  await tx.run(`UPDATE handovers SET state = 'locating', split_at = ?, updated_at = ?, url_key = ?, live_url_key = ? WHERE id = ?`, [
    input.now,
    input.now,
    urlKey,
    holder === null ? urlKey : null,
    d.id,
  ]);
  const audit: AuditInput[] = [
    { handoverId: d.id, referralId: d.referralId, at: input.now, actor: input.actor, kind: 'split', fromState: 'duplicate', toState: 'locating', reason: input.reason, data: { duplicateOf: d.duplicateOf } },
  ];
  if (d.duplicateOf) {
    const original = await tx.get<{ state: string; referral_id: string }>('SELECT state, referral_id FROM handovers WHERE id = ?', [d.duplicateOf]);
    if (original) {
      audit.push({ handoverId: d.duplicateOf, referralId: original.referral_id, at: input.now, actor: input.actor, kind: 'duplicate_split', fromState: original.state, toState: original.state, reason: input.reason, data: { splitId: d.id } });
    }
  }
  return audit;
}

/**
 * Inserts a linked successor (content moved, hosting changed): it carries the URL when nobody
 * else does (its parent closed first), and goes without the key while its parent still does.
 */
export async function insertLinkedRow(
  tx: SqlRunner,
  parent: { id: string; referralId: string; url: string; urlKey: string | null; contentType: ContentType | null },
  input: { id: string; position: number; now: number },
): Promise<void> {
  const urlKey = parent.urlKey ?? keyOf(parent.url);
  const values = [input.id, parent.referralId, input.position, parent.url, parent.contentType, parent.id, urlKey];
  const inserted = await tx.run(
    `INSERT INTO handovers (id, referral_id, position, url, content_type, state, parent_id, url_key, live_url_key, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'locating', ?, ?, ?, ?, ?) ON CONFLICT (live_url_key) DO NOTHING`,
    [...values, urlKey, input.now, input.now],
  );
  if (inserted === 1) return;
  await tx.run(
    `INSERT INTO handovers (id, referral_id, position, url, content_type, state, parent_id, url_key, live_url_key, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'locating', ?, ?, NULL, ?, ?)`,
    [...values, input.now, input.now],
  );
}

/**
 * Gives rows written before migration 0008 their keys. The oldest live handover of a URL takes
 * its live key; later live ones stay cases of their own (history is not rewritten).
 */
export async function backfillUrlKeys(run: (work: (tx: SqlRunner) => Promise<number>) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await run(async (tx) => {
      const rows = await tx.all<{ id: string; url: string; state: string }>('SELECT id, url, state FROM handovers WHERE url_key IS NULL ORDER BY seq LIMIT 500');
      for (const row of rows) {
        const urlKey = keyOf(row.url);
        const live = LIVE_STATES.includes(row.state as HandoverState) && (await tx.get('SELECT 1 AS taken FROM handovers WHERE live_url_key = ?', [urlKey])) === undefined;
        await tx.run('UPDATE handovers SET url_key = ?, live_url_key = ? WHERE id = ?', [urlKey, live ? urlKey : null, row.id]);
      }
      return rows.length;
    });
    total += done;
    if (done === 0) return total;
  }
}
