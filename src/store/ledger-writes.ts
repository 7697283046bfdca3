/**
 * The ledger's changes: intake, transitions and notes, delivery claims, attempts and
 * acknowledgements. Its rules live here once: state changes checked against the state machine,
 * the audit event written in the same transaction, fencing by lease token, idempotent intake.
 *
 * Lock order, to stay free of deadlocks on PostgreSQL: handover rows first, audit events last
 * (each transaction ends by appending its audit events, all in one statement).
 */
import { ConflictError, InvalidTransitionError, LeaseLostError, NotFoundError } from '../domain/errors.js';
import { handoverFacts, referralClassificationHash } from '../domain/handover-facts.js';
import { canTransition, type HandoverState } from '../domain/handover-states.js';
import { isSameObservation, planObservation, type ObservationEffect, type ObservationRecord } from '../domain/observation.js';
import { chainHeadOf, type AuditAppend, type AuditStore, type ChainHead } from './audit-store.js';
import { readReferralWithHandovers } from './handover-reads.js';
import {
  COUNT_HANDOVERS_OF_REFERRAL,
  lockHandoverById,
  markPolled,
  patchHandover,
  referralColumnsOf,
  SELECT_INBOUND_CONTENT_IDS,
  SELECT_LIVE_HOLDER_OF_URL_OF,
  selectDueForClaim,
  withReferralColumns,
} from './handover-queries.js';
import { ackEventData, attemptEventData, toHandover, toReferral } from './handover-rows.js';
import { INSERT_ACK, INSERT_ATTEMPT, INSERT_REFERRAL, INSERT_WEBHOOK_RECEIPT, SELECT_REFERRAL_BY_REPORT_ID } from './ledger-queries.js';
import { SELECT_OBSERVATIONS_OF_HANDOVER } from './takedown-queries.js';
import type { SqlDriver, SqlRunner } from './sql-driver.js';
import type {
  AckRecord,
  Annotation,
  AttemptRecord,
  ClaimRequest,
  HandoverPatch,
  HandoverRecord,
  NewAck,
  NewAttempt,
  NewInboundReport,
  NewObservation,
  NewReferral,
  ReferralRecord,
  Transition,
} from './store.js';
import { followStateChange, insertLinkedRow, insertReferredUrls, splitDuplicateRow, urlAlreadyLive } from './url-claims.js';

/** A handover row as selected with its referral's columns (see toHandover). */
type HandoverRow = Record<string, unknown>;

export class LedgerWrites {
  constructor(
    private readonly db: SqlDriver,
    private readonly audit: AuditStore,
  ) {}

  // ---------------------------------------------------------------- intake

  async createReferral(input: NewReferral, actor: string, now: number) {
    try {
      return await this.db.transaction(async (tx) => {
        const existing = await readReferralWithHandovers(tx, input.reportId);
        if (existing) return { created: false, ...sameBodyOrConflict(existing, input) };
        const referralRow = await insertReferral(
          tx,
          { ...input, referredBy: input.referredBy ?? null, source: 'backoffice', partnerHotline: null, countryAssignmentDate: null },
          actor,
          now,
        );
        // One live case per URL (issue #15): a URL already carried becomes a duplicate entry.
        const claimed = await insertReferredUrls(
          tx,
          this.db,
          input.urls.map((u, position) => ({
            handoverId: u.handoverId,
            referralId: input.id,
            reportId: input.reportId,
            position,
            url: u.url,
            reportedUrl: u.reportedUrl ?? null,
            contentType: u.contentType,
          })),
          actor,
          now,
        );
        const newIds = new Set(input.urls.map((u) => u.handoverId));
        const classificationHash = referralClassificationHash(input.classification);
        const audit: AuditAppend[] = claimed.audit.map((event) =>
          event.kind === 'intake' && event.handoverId !== null && newIds.has(event.handoverId)
            ? {
                ...event,
                data: {
                  ...(event.data as object),
                  bodyHash: input.bodyHash,
                  classificationHash,
                  ...(input.referredBy ? { referredBy: input.referredBy } : {}),
                },
                row: null,
                newChain: true,
              }
            : { ...event, row: null },
        );
        // The answer is built from the rows as inserted (RETURNING), in listing order (position).
        const referral = toReferral(referralRow);
        const referralColumns = referralColumnsOf(referralRow);
        const handovers = claimed.intakes.map((intake) => toHandover(withReferralColumns(intake.row, referralColumns)));
        const byId = new Map(handovers.map((h) => [h.id, h]));
        // Events on earlier handovers (the case a duplicate joins, a reappearance's predecessor)
        // record those rows as they stand: linking to them changes none of their facts.
        for (const event of audit) event.row = handoverFacts(byId.get(event.handoverId!) ?? (await this.lockHandover(tx, event.handoverId!)));
        await this.audit.append(tx, audit);
        return { created: true, referral, handovers };
      });
    } catch (error) {
      // Two identical requests racing on PostgreSQL: the loser reads the winner's referral.
      // (Two referrals of one URL do not collide here: the URL's key is taken with ON CONFLICT.)
      if (!this.db.isUniqueViolation(error)) throw error;
      const existing = await readReferralWithHandovers(this.db, input.reportId);
      if (!existing) throw error;
      return { created: false, ...sameBodyOrConflict(existing, input) };
    }
  }

  async recordInboundReport(input: NewInboundReport, actor: string, now: number) {
    try {
      return await this.recordInboundOnce(input, actor, now);
    } catch (error) {
      // Two imports recording the same report at once (PostgreSQL): the loser finds the winner's rows.
      if (!this.db.isUniqueViolation(error)) throw error;
      return this.recordInboundOnce(input, actor, now);
    }
  }

  private recordInboundOnce(input: NewInboundReport, actor: string, now: number) {
    return this.db.transaction(async (tx) => {
      let existing = await readReferralWithHandovers(tx, input.reportId);
      if (existing && existing.referral.source !== 'iccam') {
        throw new ConflictError('referral_conflict', `Report ${input.reportId} was referred by the back office, not taken in from ICCAM.`, {
          referralId: existing.referral.id,
        });
      }
      let referral: ReferralRecord;
      let referralColumns: Record<string, unknown>;
      if (existing) {
        referral = existing.referral;
        referralColumns = referralColumnsOf((await tx.get<Record<string, unknown>>(SELECT_REFERRAL_BY_REPORT_ID, [input.reportId]))!);
      } else {
        const row = await insertReferral(tx, { ...input, id: input.referralId, referredBy: null, source: 'iccam' }, actor, now);
        referral = toReferral(row);
        referralColumns = referralColumnsOf(row);
      }
      const known = new Set(
        existing ? (await tx.all<{ inbound_content_id: string }>(SELECT_INBOUND_CONTENT_IDS, [referral.id])).map((r) => String(r.inbound_content_id)) : [],
      );
      const fresh = input.items.filter((item, i) => !known.has(item.contentId) && input.items.findIndex((o) => o.contentId === item.contentId) === i);
      const first = existing?.handovers.length ?? 0;
      const claimed = await insertReferredUrls(
        tx,
        this.db,
        fresh.map((item, i) => ({
          handoverId: item.handoverId,
          referralId: referral.id,
          reportId: referral.reportId,
          position: first + i,
          url: item.url,
          reportedUrl: item.reportedUrl,
          contentType: null,
          partner: {
            state: item.state,
            contentId: item.contentId,
            assessment: item.partnerAssessment,
            classification: item.classification,
            auditData: { source: 'iccam', contentId: item.contentId, ...item.auditData },
          },
        })),
        actor,
        now,
      );
      const newIds = new Set(fresh.map((item) => item.handoverId));
      const created = new Map(claimed.intakes.map((intake) => [intake.handoverId, toHandover(withReferralColumns(intake.row, referralColumns))]));
      const audit: AuditAppend[] = [];
      for (const event of claimed.audit) {
        const own = event.kind === 'intake' && event.handoverId !== null && newIds.has(event.handoverId);
        audit.push({
          ...event,
          row: handoverFacts(created.get(event.handoverId!) ?? (await this.lockHandover(tx, event.handoverId!))),
          ...(own ? { newChain: true } : {}),
        });
      }
      await this.audit.append(tx, audit);
      existing = await readReferralWithHandovers(tx, input.reportId);
      return { referral, handovers: existing!.handovers, recorded: fresh.map((item) => item.contentId) };
    });
  }

  // ---------------------------------------------------------------- changes

  private async lockHandoverRow(tx: SqlRunner, id: string): Promise<HandoverRow> {
    const row = await tx.get<HandoverRow>(lockHandoverById(this.db), [id]);
    if (!row) throw new NotFoundError(`Handover ${id}`);
    return row;
  }

  private async lockHandover(tx: SqlRunner, id: string): Promise<HandoverRecord> {
    return toHandover(await this.lockHandoverRow(tx, id));
  }

  /**
   * Writes one patch to rows this transaction has locked, in one statement, and returns each row
   * as it now stands with its audit chain's head (in the order given), both from the UPDATE
   * itself. The referral's columns come from the locked read: a referral is never changed after
   * intake.
   */
  private async writePatches(
    tx: SqlRunner,
    locked: readonly HandoverRow[],
    state: HandoverState,
    patch: HandoverPatch | undefined,
    now: number,
  ): Promise<{ result: HandoverRecord; head: ChainHead }[]> {
    const update = patchHandover(
      locked.map((l) => String(l.id)),
      state,
      patch,
      now,
    );
    const byId = new Map((await tx.all<HandoverRow>(update.sql, update.params)).map((u) => [String(u.id), u]));
    return locked.map((l) => {
      const updated = byId.get(String(l.id));
      if (!updated) throw new NotFoundError(`Handover ${String(l.id)}`);
      return { result: toHandover(withReferralColumns(updated, l)), head: chainHeadOf(updated) };
    });
  }

  private async writePatch(
    tx: SqlRunner,
    locked: HandoverRow,
    state: HandoverState,
    patch: HandoverPatch | undefined,
    now: number,
  ): Promise<{ result: HandoverRecord; head: ChainHead }> {
    return (await this.writePatches(tx, [locked], state, patch, now))[0]!;
  }

  async transition(handoverId: string, change: Transition): Promise<HandoverRecord> {
    try {
      return await this.transitionOnce(handoverId, change);
    } catch (error) {
      // A failed case sent again while another replica's referral made a new case of its URL
      // in the same instant: the unique key refused it.
      if (!this.db.isUniqueViolation(error)) throw error;
      const holder = await this.db.get<{ id: string }>(SELECT_LIVE_HOLDER_OF_URL_OF, [handoverId]);
      throw urlAlreadyLive(handoverId, holder?.id ?? 'unknown');
    }
  }

  private transitionOnce(handoverId: string, change: Transition): Promise<HandoverRecord> {
    return this.db.transaction(async (tx) => {
      const locked = await this.lockHandoverRow(tx, handoverId);
      const current = toHandover(locked);
      checkExpectations(current, change.expectState, change.expectLeaseToken);
      if (change.expectUpdatedAt !== undefined && current.updatedAt !== change.expectUpdatedAt) {
        throw new InvalidTransitionError(`Handover ${handoverId} changed since it was read; look at it again.`, {
          state: current.state,
          updatedAt: current.updatedAt,
        });
      }
      if (!canTransition(current.state, change.to)) {
        throw new InvalidTransitionError(`A handover cannot go from ${current.state} to ${change.to}.`, { from: current.state, to: change.to });
      }
      if (current.state === 'duplicate') {
        throw new InvalidTransitionError(`Handover ${handoverId} is a duplicate; only a supervisor's split makes it a case.`, { state: current.state });
      }
      // The attempt this change records comes first in the chain (it happened before the change).
      const audit: AuditAppend[] = change.attempt ? [await insertAttempt(tx, { ...change.attempt, handoverId }, current)] : [];
      await followStateChange(tx, current, change.to);
      const { result, head } = await this.writePatch(tx, locked, change.to, change.set, change.now);
      audit.push({
        handoverId,
        referralId: current.referralId,
        at: change.now,
        actor: change.actor,
        kind: change.kind ?? 'transition',
        fromState: current.state,
        toState: change.to,
        reason: change.reason,
        data: change.data ?? null,
        row: handoverFacts(result),
        head,
      });
      if (change.ack) audit.push(acknowledgementEvent((await insertAck(tx, { ...change.ack, handoverId })).record, result));
      await this.audit.append(tx, audit);
      return result;
    });
  }

  async annotate(handoverId: string, note: Annotation): Promise<HandoverRecord> {
    return this.db.transaction(async (tx) => {
      const locked = await this.lockHandoverRow(tx, handoverId);
      const current = toHandover(locked);
      checkExpectations(current, note.expectState, note.expectLeaseToken);
      const { result, head } = await this.writePatch(tx, locked, current.state, note.set, note.now);
      await this.audit.append(tx, [
        {
          handoverId,
          referralId: current.referralId,
          at: note.now,
          actor: note.actor,
          kind: note.kind,
          fromState: current.state,
          toState: current.state,
          reason: note.reason,
          data: note.data ?? null,
          row: handoverFacts(result),
          head,
        },
      ]);
      return result;
    });
  }

  async recordObservation(handoverId: string, o: NewObservation): Promise<{ handover: HandoverRecord; effect: ObservationEffect }> {
    return this.db.transaction(async (tx) => {
      const locked = await this.lockHandoverRow(tx, handoverId);
      const current = toHandover(locked);
      const observedAt = new Date(o.observedAt).toISOString();
      // Read with the row locked: two identical observations racing record one.
      const seen = await tx.all<{ data: unknown }>(SELECT_OBSERVATIONS_OF_HANDOVER, [handoverId]);
      if (seen.some((r) => isSameObservation(r.data === null ? null : JSON.parse(String(r.data)), o.kind, observedAt))) {
        return { handover: current, effect: 'unchanged' as const };
      }
      const plan = planObservation(current, o.kind, o.observedAt, o.now);
      if (plan.to !== current.state) {
        if (!canTransition(current.state, plan.to)) {
          throw new InvalidTransitionError(`A handover cannot go from ${current.state} to ${plan.to}.`, { from: current.state, to: plan.to });
        }
        await followStateChange(tx, current, plan.to);
      }
      const { result, head } = await this.writePatch(tx, locked, plan.to, plan.set, o.now);
      const data: ObservationRecord = { kind: o.kind, observedAt, note: o.note, observedBy: o.observedBy, effect: plan.effect };
      await this.audit.append(tx, [
        {
          handoverId,
          referralId: current.referralId,
          at: o.now,
          actor: o.actor,
          kind: 'observation',
          fromState: current.state,
          toState: plan.to,
          reason: `${o.observedBy} saw the content ${o.kind === 'online' ? 'still online' : o.kind} at ${observedAt}`,
          data,
          row: handoverFacts(result),
          head,
        },
      ]);
      return { handover: result, effect: plan.effect };
    });
  }

  async createLinkedHandover(parentId: string, input: { id: string; actor: string; reason: string; now: number }): Promise<HandoverRecord> {
    return this.db.transaction(async (tx) => {
      const parent = await this.lockHandover(tx, parentId);
      const siblings = await tx.get<{ n: number | string }>(COUNT_HANDOVERS_OF_REFERRAL, [parent.referralId]);
      await insertLinkedRow(tx, parent, { id: input.id, position: Number(siblings?.n ?? 0), now: input.now });
      const result = await this.lockHandover(tx, input.id);
      await this.audit.append(tx, [
        {
          handoverId: input.id,
          referralId: parent.referralId,
          at: input.now,
          actor: input.actor,
          kind: 'linked',
          fromState: null,
          toState: 'locating',
          reason: input.reason,
          data: { parentId },
          row: handoverFacts(result),
          newChain: true,
        },
        {
          handoverId: parentId,
          referralId: parent.referralId,
          at: input.now,
          actor: input.actor,
          kind: 'successor',
          fromState: parent.state,
          toState: parent.state,
          reason: input.reason,
          data: { successorId: input.id },
          row: handoverFacts(parent),
        },
      ]);
      return result;
    });
  }

  async splitDuplicate(handoverId: string, input: { actor: string; reason: string; now: number }): Promise<HandoverRecord> {
    return this.db.transaction(async (tx) => {
      const current = await this.lockHandover(tx, handoverId);
      checkExpectations(current, 'duplicate');
      const events = await splitDuplicateRow(tx, current, input);
      const result = await this.lockHandover(tx, handoverId);
      const audit: AuditAppend[] = [];
      for (const event of events) {
        audit.push({ ...event, row: handoverFacts(event.handoverId === handoverId ? result : await this.lockHandover(tx, event.handoverId!)) });
      }
      await this.audit.append(tx, audit);
      return result;
    });
  }

  // ---------------------------------------------------------------- delivery

  async claimDue(request: ClaimRequest): Promise<HandoverRecord[]> {
    return this.db.transaction(async (tx) => {
      // The rows come locked (those another claimer holds passed over), whole.
      const rows = await tx.all<HandoverRow>(selectDueForClaim(this.db), [request.destination, request.now, request.limit]);
      if (rows.length === 0) return [];
      // One UPDATE for them all, returning the rows: each event records exactly what its row now holds.
      const updated = await this.writePatches(
        tx,
        rows,
        'delivering',
        { leaseToken: request.token, leaseExpiresAt: request.now + request.leaseMs },
        request.now,
      );
      const audit: AuditAppend[] = rows.map((locked, i) => {
        const current = toHandover(locked);
        const { result: after, head } = updated[i]!;
        return {
          handoverId: current.id,
          referralId: current.referralId,
          at: request.now,
          actor: request.actor,
          kind: 'transition',
          fromState: 'routed',
          toState: 'delivering',
          reason: 'claimed for a delivery attempt',
          data: { attempt: current.attemptCount + 1 },
          row: handoverFacts(after),
          head,
        };
      });
      await this.audit.append(tx, audit);
      return updated.map((u) => u.result);
    });
  }

  /** The attempt row and its event in the handover's chain (request hash, response digest). */
  async recordAttempt(a: NewAttempt): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await this.lockHandover(tx, a.handoverId);
      await this.audit.append(tx, [await insertAttempt(tx, a, current)]);
    });
  }

  // ---------------------------------------------------------------- acknowledgements

  async markPolled(handoverIds: readonly string[], now: number): Promise<void> {
    if (handoverIds.length === 0) return;
    // Best effort, and never waiting: rows another transaction holds are skipped (asked again
    // next interval), and the rest are locked in one order, so two pollers cannot deadlock.
    const update = markPolled(this.db, handoverIds, now);
    await this.db.run(update.sql, update.params);
  }

  async claimPolls(handoverIds: readonly string[], now: number, polledBefore: number): Promise<string[]> {
    if (handoverIds.length === 0) return [];
    const update = markPolled(this.db, handoverIds, now, polledBefore);
    return (await this.db.all<{ id: string }>(update.sql, update.params)).map((r) => r.id);
  }

  /** The acknowledgement row and its event: in the handover's chain, or the unattached one. */
  async recordAck(ack: NewAck, audit?: { actor: string; kind: string; reason: string | null; now: number }): Promise<void> {
    await this.db.transaction(async (tx) => {
      const handoverRow = ack.handoverId ? await tx.get(lockHandoverById(this.db), [ack.handoverId]) : undefined;
      const handover = handoverRow ? toHandover(handoverRow) : null;
      // With a handover, sent once it is locked: the chain head it returns is the chain's last word.
      const { record, head } = await insertAck(tx, ack);
      if (!audit) {
        // The unattached chain has no row to lock: the audit store orders and reads it itself.
        await this.audit.append(tx, [{ ...acknowledgementEvent(record, handover), ...(handover ? { head } : {}) }]);
        return;
      }
      await this.audit.append(tx, [
        {
          handoverId: handover?.id ?? null,
          referralId: handover?.referralId ?? null,
          fromState: handover?.state ?? null,
          toState: handover?.state ?? null,
          row: handover ? handoverFacts(handover) : null,
          ...(handover ? { head } : {}),
          at: audit.now,
          actor: audit.actor,
          kind: audit.kind,
          reason: audit.reason,
          data: {
            destination: ack.destination,
            status: ack.status,
            source: ack.source,
            claimedHandoverId: ack.handoverId,
            acknowledgement: ackEventData(record),
          },
        },
      ]);
    });
  }

  async rememberWebhookId(destination: string, webhookId: string, now: number): Promise<boolean> {
    try {
      await this.db.run(INSERT_WEBHOOK_RECEIPT, [destination, webhookId, now]);
      return true;
    } catch (error) {
      if (this.db.isUniqueViolation(error)) return false;
      throw error;
    }
  }
}

/** The referral's row, as inserted (intake answers from it: no read-back). */
async function insertReferral(
  tx: SqlRunner,
  r: Pick<
    ReferralRecord,
    'id' | 'reportId' | 'bodyHash' | 'classification' | 'reportedAt' | 'referredBy' | 'source' | 'partnerHotline' | 'countryAssignmentDate'
  >,
  actor: string,
  now: number,
): Promise<Record<string, unknown>> {
  const row = await tx.get<Record<string, unknown>>(INSERT_REFERRAL, [
    r.id,
    r.reportId,
    r.bodyHash,
    JSON.stringify(r.classification),
    r.reportedAt,
    r.referredBy,
    now,
    actor,
    r.source,
    r.partnerHotline,
    r.countryAssignmentDate,
  ]);
  return row!;
}

/**
 * Inserts the attempt (its handover locked, so the chain head it returns is the chain's last
 * word) and gives its event, on the handover as it stood while the attempt was made.
 */
async function insertAttempt(tx: SqlRunner, a: NewAttempt, current: HandoverRecord): Promise<AuditAppend> {
  const inserted = await tx.get<{ id: number | string; head_seq: unknown; head_hash: unknown }>(INSERT_ATTEMPT, [
    a.handoverId,
    a.attemptNo,
    a.destination,
    a.claimToken,
    a.startedAt,
    a.finishedAt,
    a.durationMs,
    a.outcome,
    a.statusCode,
    a.errorClass,
    a.requestHash,
    a.responseDigest,
    a.detail,
  ]);
  const attempt: AttemptRecord = { id: Number(inserted!.id), ...a };
  return {
    handoverId: a.handoverId,
    referralId: current.referralId,
    at: a.finishedAt ?? a.startedAt,
    actor: 'system:delivery',
    kind: 'attempt',
    fromState: current.state,
    toState: current.state,
    reason: `attempt ${a.attemptNo}: ${a.outcome}${a.statusCode === null ? '' : ` (${a.statusCode})`}`,
    data: { attempt: attemptEventData(attempt) },
    row: handoverFacts(current),
    head: chainHeadOf(inserted!),
  };
}

/** Inserts the acknowledgement; with the head of its handover's chain (see INSERT_ACK). */
async function insertAck(tx: SqlRunner, ack: NewAck): Promise<{ record: AckRecord; head: ChainHead }> {
  const inserted = await tx.get<{ id: number | string; head_seq: unknown; head_hash: unknown }>(INSERT_ACK, [
    ack.handoverId,
    ack.destination,
    ack.source,
    ack.status,
    ack.reference,
    ack.reason,
    ack.applied ? 1 : 0,
    ack.note,
    ack.webhookId,
    ack.receivedAt,
  ]);
  return { record: { id: Number(inserted!.id), ...ack }, head: chainHeadOf(inserted!) };
}

/** An acknowledgement's event: in its handover's chain (the row as it stands), or the unattached one. */
function acknowledgementEvent(record: AckRecord, handover: HandoverRecord | null): AuditAppend {
  return {
    handoverId: handover?.id ?? null,
    referralId: handover?.referralId ?? null,
    fromState: handover?.state ?? null,
    toState: handover?.state ?? null,
    row: handover ? handoverFacts(handover) : null,
    at: record.receivedAt,
    actor: `system:ack-${record.source}`,
    kind: 'acknowledgement',
    reason: `${record.destination} ${record.source}: ${record.status}`,
    data: { acknowledgement: ackEventData(record) },
  };
}

function sameBodyOrConflict(existing: { referral: ReferralRecord; handovers: HandoverRecord[] }, input: NewReferral) {
  if (existing.referral.bodyHash !== input.bodyHash) {
    throw new ConflictError('referral_conflict', `Report ${input.reportId} was already referred with a different body.`, { referralId: existing.referral.id });
  }
  return existing;
}

function checkExpectations(current: HandoverRecord, expectState: Transition['expectState'], expectLeaseToken?: string): void {
  if (expectLeaseToken !== undefined && (current.state !== 'delivering' || current.leaseToken !== expectLeaseToken)) {
    throw new LeaseLostError(current.id);
  }
  if (expectState !== undefined) {
    const allowed = typeof expectState === 'string' ? [expectState] : expectState;
    if (!allowed.includes(current.state)) {
      throw new InvalidTransitionError(`Handover ${current.id} is ${current.state}, not ${allowed.join(' or ')}.`, { state: current.state });
    }
  }
}
