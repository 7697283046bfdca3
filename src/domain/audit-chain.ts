/**
 * The audit trail is append-only and tamper-evident: every event carries the hash of the one
 * before it (one chain across the whole store, ordered by `seq`), so editing, removing or
 * reordering any event breaks every hash after it. Pure: the store supplies the events.
 */
import { canonicalJson, sha256Hex } from './canonical-json.js';

/** The chain starts from a fixed value so an empty prefix is also checked. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEventBody {
  seq: number;
  handoverId: string | null;
  referralId: string | null;
  /** Epoch milliseconds. */
  at: number;
  /** Who: "key:<name>" for a person or integration, "system:<job>" for the service itself. */
  actor: string;
  /** What happened: "transition", "intake", "override", "ack_refused", ... */
  kind: string;
  fromState: string | null;
  toState: string | null;
  reason: string | null;
  data: unknown;
}

export interface AuditEvent extends AuditEventBody {
  prevHash: string;
  hash: string;
}

export function hashAuditEvent(prevHash: string, body: AuditEventBody): string {
  return sha256Hex(
    prevHash +
      canonicalJson({
        seq: body.seq,
        handoverId: body.handoverId,
        referralId: body.referralId,
        at: body.at,
        actor: body.actor,
        kind: body.kind,
        fromState: body.fromState,
        toState: body.toState,
        reason: body.reason,
        data: body.data ?? null,
      }),
  );
}

export function sealAuditEvent(prevHash: string, body: AuditEventBody): AuditEvent {
  return { ...body, prevHash, hash: hashAuditEvent(prevHash, body) };
}

export type AuditVerification =
  | { ok: true; events: number; headHash: string }
  | { ok: false; events: number; brokenAtSeq: number; problem: 'hash_mismatch' | 'chain_break' | 'sequence_gap' };

/**
 * Checks a whole chain in `seq` order. `expectedHead`, when given, also catches events removed
 * from the end (the store keeps the head hash apart from the events).
 */
export function verifyAuditChain(events: Iterable<AuditEvent>, expectedHead?: { seq: number; hash: string }): AuditVerification {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (const event of events) {
    count++;
    if (event.seq !== expectedSeq) return { ok: false, events: count, brokenAtSeq: event.seq, problem: 'sequence_gap' };
    if (event.prevHash !== prevHash) return { ok: false, events: count, brokenAtSeq: event.seq, problem: 'chain_break' };
    if (hashAuditEvent(prevHash, event) !== event.hash) return { ok: false, events: count, brokenAtSeq: event.seq, problem: 'hash_mismatch' };
    prevHash = event.hash;
    expectedSeq++;
  }
  if (expectedHead && (expectedHead.seq !== expectedSeq - 1 || expectedHead.hash !== prevHash)) {
    return { ok: false, events: count, brokenAtSeq: expectedSeq, problem: 'chain_break' };
  }
  return { ok: true, events: count, headHash: prevHash };
}
