/**
 * One live case per URL (issue #15), in SQL. A handover carries its URL by holding the URL's
 * identity key in `live_url_key`, under a unique index: the database, not a check before the
 * write, decides which of two racing referrals makes the case. The other becomes a duplicate
 * entry linked to the winner. Every function here runs inside the caller's transaction and
 * returns the audit events to append (the caller appends them last, after its row locks).
 *
 * Lock order (PostgreSQL): a referral first locks its URL keys in one global order (the driver's
 * lockUrlKeysInOrder), then inserts, then locks any holder row; the audit events last.
 */
import type { AuditEventBody } from '../domain/audit-chain.js';
import { ConflictError } from '../domain/errors.js';
import { LIVE_STATES, type HandoverState } from '../domain/handover-states.js';
import { urlHostSearchKey } from '../domain/host-search-key.js';
import { urlIdentityKey } from '../domain/url-identity.js';
import type { PartnerAssessment } from '../domain/inbound.js';
import type { Classification, ContentType } from '../domain/referral.js';
import type { RowLocking, SqlRunner } from './sql-driver.js';
import {
  DROP_LIVE_URL_KEY,
  INSERT_CASE_TAKING_URL,
  INSERT_DUPLICATE,
  INSERT_SUCCESSOR_TAKING_URL,
  INSERT_SUCCESSOR_WITHOUT_URL,
  lockLiveHolderOfUrl,
  SELECT_LATEST_OVER_CASE_OF_URL,
  SELECT_LIVE_KEY_TAKEN,
  SELECT_OTHER_LIVE_HOLDER,
  SELECT_STATE_AND_REFERRAL,
  SELECT_HOST_UNKEYED_PAGE,
  SELECT_UNKEYED_PAGE,
  SELECT_URL_KEY_KNOWN,
  SET_HOST_KEY,
  SET_URL_KEYS,
  SPLIT_DUPLICATE,
} from './url-claim-queries.js';

export type AuditInput = Omit<AuditEventBody, 'seq'>;

/** A handovers row as the database returned it (without its referral's columns). */
type InsertedHandoverRow = Record<string, unknown>;

/** What became of one referred URL, with its row as inserted. */
export type UrlIntake = ({ kind: 'case'; reappearanceOf: string | null } | { kind: 'duplicate'; duplicateOf: string }) & {
  handoverId: string;
  row: InsertedHandoverRow;
};

export interface ReferredUrl {
  handoverId: string;
  referralId: string;
  reportId: string;
  position: number;
  url: string;
  /** The string the back office sent, when it differs from the serialised `url`. */
  reportedUrl: string | null;
  contentType: ContentType | null;
  /** A partner item (ICCAM): where it starts, its content id, ICCAM's assessment, its own classification. */
  partner?: {
    state: 'locating' | 'awaiting_assessment';
    contentId: string;
    assessment: PartnerAssessment | null;
    classification: Classification | null;
    /** Said in its intake event (ids and names only). */
    auditData: Record<string, unknown>;
  };
}

/** The key used for a stored URL; a URL the parser refuses (never accepted) is its own key. */
function keyOf(url: string): string {
  return urlIdentityKey(url) ?? url;
}

/** The columns a referred URL's row starts with, whether a case or a duplicate (see the INSERTs). */
function rowOf(u: ReferredUrl, urlKey: string): unknown[] {
  const p = u.partner;
  return [
    u.handoverId,
    u.referralId,
    u.position,
    u.url,
    u.reportedUrl,
    u.contentType,
    urlKey,
    urlHostSearchKey(u.url),
    p?.contentId ?? null,
    p?.assessment ? JSON.stringify(p.assessment) : null,
    p?.classification ? JSON.stringify(p.classification) : null,
  ];
}

/** How many times intake looks again when the holder it found became over meanwhile. */
const HOLDER_LOOKUPS = 5;

/**
 * Inserts one referred URL: a new case in `locating` holding the URL's live key, or, when a
 * live handover already holds it, a `duplicate` entry linked to that handover. A new case whose
 * URL had an earlier case that is over is linked to it as a reappearance.
 */
async function insertReferredUrl(
  tx: SqlRunner,
  locking: RowLocking,
  u: ReferredUrl,
  actor: string,
  now: number,
): Promise<{ intake: UrlIntake; audit: AuditInput[] }> {
  const urlKey = keyOf(u.url);
  // A URL never carried before has no earlier case, now or on a later look (this transaction
  // holds the URL's key lock on PostgreSQL; SQLite has one writer).
  let known = (await tx.get(SELECT_URL_KEY_KNOWN, [urlKey])) !== undefined;
  for (let lookup = 0; lookup < HOLDER_LOOKUPS; lookup++) {
    const earlier = known ? await tx.get<{ id: string; state: string; referral_id: string }>(SELECT_LATEST_OVER_CASE_OF_URL, [urlKey]) : undefined;
    // On PostgreSQL a racing insert of the same key waits here for the other transaction; when
    // that one commits, nothing is inserted and the holder is read below.
    const state = u.partner?.state ?? 'locating';
    const inserted = await tx.get<InsertedHandoverRow>(INSERT_CASE_TAKING_URL, [...rowOf(u, urlKey), state, urlKey, earlier?.id ?? null, now, now]);
    if (inserted) {
      const by = u.partner ? 'handed to us by a partner hotline through ICCAM' : 'referred by the hotline';
      const audit = intakeEvents(
        u,
        actor,
        now,
        {
          toState: state,
          reason: earlier ? `${by}; the URL's earlier case ${earlier.id} is over (${earlier.state}): a reappearance` : by,
          data: earlier ? { reappearanceOf: earlier.id } : {},
        },
        earlier && {
          row: earlier,
          kind: 'reappeared',
          reason: `the URL was referred again after this case was over; new case ${u.handoverId}`,
          data: { reappearanceId: u.handoverId },
        },
      );
      return { intake: { kind: 'case', handoverId: u.handoverId, reappearanceOf: earlier?.id ?? null, row: inserted }, audit };
    }
    // Locked so the holder cannot become over before this transaction commits the link to it.
    const holder = await tx.get<{ id: string; state: string; referral_id: string }>(lockLiveHolderOfUrl(locking), [urlKey]);
    if (!holder) {
      known = true; // it became over meanwhile: this URL is a case after all, after that one
      continue;
    }
    const row = await tx.get<InsertedHandoverRow>(INSERT_DUPLICATE, [...rowOf(u, urlKey), holder.id, now, now]);
    const audit = intakeEvents(
      u,
      actor,
      now,
      {
        toState: 'duplicate',
        reason: `${u.partner ? 'handed to us by a partner hotline through ICCAM' : 'referred by the hotline'}; the URL is already carried by handover ${holder.id} (${holder.state}): not sent again`,
        data: { duplicateOf: holder.id },
      },
      {
        row: holder,
        kind: 'duplicate_received',
        reason: `the same URL was referred again (report ${u.reportId}); recorded as duplicate ${u.handoverId}`,
        data: { duplicateId: u.handoverId },
      },
    );
    return { intake: { kind: 'duplicate', handoverId: u.handoverId, duplicateOf: holder.id, row: row! }, audit };
  }
  throw new Error(`handover ${u.handoverId}: the URL's live case kept changing while it was referred`);
}

/**
 * Inserts a referral's URLs in their order (insertion order is the listing order), after
 * locking their keys in one global order (RowLocking.lockUrlKeysInOrder: no deadlock between
 * two referrals naming the same URLs in opposite orders).
 */
export async function insertReferredUrls(
  tx: SqlRunner,
  locking: RowLocking,
  urls: ReferredUrl[],
  actor: string,
  now: number,
): Promise<{ intakes: UrlIntake[]; audit: AuditInput[] }> {
  await locking.lockUrlKeysInOrder(
    tx,
    urls.map((u) => keyOf(u.url)),
  );
  const intakes: UrlIntake[] = [];
  const audit: AuditInput[] = [];
  for (const u of urls) {
    const result = await insertReferredUrl(tx, locking, u, actor, now);
    intakes.push(result.intake);
    audit.push(...result.audit);
  }
  return { intakes, audit };
}

/** The handover holding a URL's live key, other than `exceptId`. */
async function liveHolder(tx: SqlRunner, urlKey: string, exceptId: string): Promise<string | null> {
  const row = await tx.get<{ id: string }>(SELECT_OTHER_LIVE_HOLDER, [urlKey, exceptId]);
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
    await tx.run(DROP_LIVE_URL_KEY, [h.id]);
    return;
  }
  if (wasLive || !willBeLive) return;
  const urlKey = h.urlKey ?? keyOf(h.url);
  const holder = await liveHolder(tx, urlKey, h.id);
  if (holder === null) {
    await tx.run(SET_URL_KEYS, [urlKey, urlKey, h.id]);
  } else if (h.parentId === null && h.splitAt === null) {
    throw urlAlreadyLive(h.id, holder);
  }
}

export function urlAlreadyLive(handoverId: string, holderId: string): ConflictError {
  return new ConflictError('url_already_live', `Handover ${handoverId} cannot go live again: handover ${holderId} now carries its URL.`, {
    handoverId: holderId,
  });
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
  await tx.run(SPLIT_DUPLICATE, [input.now, input.now, urlKey, holder === null ? urlKey : null, d.id]);
  const audit: AuditInput[] = [
    {
      handoverId: d.id,
      referralId: d.referralId,
      at: input.now,
      actor: input.actor,
      kind: 'split',
      fromState: 'duplicate',
      toState: 'locating',
      reason: input.reason,
      data: { duplicateOf: d.duplicateOf },
    },
  ];
  if (d.duplicateOf) {
    const original = await tx.get<{ state: string; referral_id: string }>(SELECT_STATE_AND_REFERRAL, [d.duplicateOf]);
    if (original) {
      audit.push({
        handoverId: d.duplicateOf,
        referralId: original.referral_id,
        at: input.now,
        actor: input.actor,
        kind: 'duplicate_split',
        fromState: original.state,
        toState: original.state,
        reason: input.reason,
        data: { splitId: d.id },
      });
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
  const values = [input.id, parent.referralId, input.position, parent.url, parent.contentType, parent.id, urlKey, urlHostSearchKey(parent.url)];
  const inserted = await tx.run(INSERT_SUCCESSOR_TAKING_URL, [...values, urlKey, input.now, input.now]);
  if (inserted === 1) return;
  await tx.run(INSERT_SUCCESSOR_WITHOUT_URL, [...values, input.now, input.now]);
}

/**
 * Gives rows written before migration 0008 their keys. The oldest live handover of a URL takes
 * its live key; later live ones stay cases of their own (history is not rewritten).
 */
export async function backfillUrlKeys(run: (work: (tx: SqlRunner) => Promise<number>) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await run(async (tx) => {
      const rows = await tx.all<{ id: string; url: string; state: string }>(SELECT_UNKEYED_PAGE);
      for (const row of rows) {
        const urlKey = keyOf(row.url);
        const live = LIVE_STATES.includes(row.state as HandoverState) && (await tx.get(SELECT_LIVE_KEY_TAKEN, [urlKey])) === undefined;
        await tx.run(SET_URL_KEYS, [urlKey, live ? urlKey : null, row.id]);
      }
      return rows.length;
    });
    total += done;
    if (done === 0) return total;
  }
}

/** Gives rows written before migration 0012 their host search keys (the console's search by host). */
export async function backfillHostKeys(run: (work: (tx: SqlRunner) => Promise<number>) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await run(async (tx) => {
      const rows = await tx.all<{ id: string; url: string }>(SELECT_HOST_UNKEYED_PAGE);
      for (const row of rows) await tx.run(SET_HOST_KEY, [urlHostSearchKey(row.url), row.id]);
      return rows.length;
    });
    total += done;
    if (done === 0) return total;
  }
}

/**
 * The events of one referred URL: its own intake event, and a note on the other handover of
 * the same URL it links to (the earlier case it reappears after, or the live one it duplicates).
 */
function intakeEvents(
  u: ReferredUrl,
  actor: string,
  now: number,
  own: { toState: 'locating' | 'awaiting_assessment' | 'duplicate'; reason: string; data: Record<string, unknown> },
  other: { row: { id: string; state: string; referral_id: string }; kind: string; reason: string; data: Record<string, unknown> } | null | undefined,
): AuditInput[] {
  const events: AuditInput[] = [
    {
      handoverId: u.handoverId,
      referralId: u.referralId,
      at: now,
      actor,
      kind: 'intake',
      fromState: null,
      toState: own.toState,
      reason: own.reason,
      data: { reportId: u.reportId, position: u.position, ...(u.partner?.auditData ?? {}), ...own.data },
    },
  ];
  if (other) {
    events.push({
      handoverId: other.row.id,
      referralId: other.row.referral_id,
      at: now,
      actor,
      kind: other.kind,
      fromState: other.row.state,
      toState: other.row.state,
      reason: other.reason,
      data: { ...other.data, reportId: u.reportId },
    });
  }
  return events;
}
