/**
 * The audit trail is append-only and tamper-evident. Since migration 0006 every handover has
 * its own hash chain: each event carries the hash of the previous event of the same handover
 * (its `chain`, numbered by `chainSeq` from 1), so writers of different handovers never wait
 * for one another, and editing, removing or reordering an event breaks its chain. Events that
 * belong to no handover (a callback naming an unknown one) have a chain of their own.
 *
 * Events written before 0006 form one global chain ordered by `seq` (the legacy segment); the
 * first signed checkpoint seals it. Pure: the store supplies the events.
 */
import { hash } from 'node:crypto';
import { canonicalJson, sha256Hex } from './canonical-json.js';

/** Every chain starts from a fixed value so an empty prefix is also checked. */
export const GENESIS_HASH = '0'.repeat(64);

/** The chain of events that belong to no handover. */
export const UNATTACHED_CHAIN = 'unattached';

/** What an event says a handover row holds right after it (see handover-facts.ts). */
export interface RowFacts {
  state: string;
  destination: string | null;
  reference: string | null;
  secondaryReference: string | null;
  /** SHA-256 over every other column that only events change. */
  digest: string;
  /**
   * The ICCAM assignment step, in the clear. Recorded since events began to hold it (issue #11's
   * "everything the record claims"); facts recorded before lack the key, and a row is compared
   * on it only against facts that hold it.
   */
  iccamAssignment?: string | null;
  /**
   * When the content was known to be down, and when the case was found past the last takedown
   * mark: held in the clear like iccamAssignment, and compared only against facts that hold them.
   */
  contentRemovedAt?: number | null;
  removalOverdueAt?: number | null;
  /**
   * A digest of the columns added after `digest` was fixed (the ICCAM inbound ones among them);
   * facts recorded before lack the key, and a row is compared on it only against facts that hold it.
   */
  laterDigest?: string;
}

export interface AuditEventBody {
  seq: number;
  handoverId: string | null;
  referralId: string | null;
  /** Epoch milliseconds. */
  at: number;
  /** Who: "key:<name>" for a person or integration, "system:<job>" for the service itself. */
  actor: string;
  /** What happened: "transition", "intake", "override", "ack_refused", "attempt", ... */
  kind: string;
  fromState: string | null;
  toState: string | null;
  reason: string | null;
  data: unknown;
}

export interface AuditEvent extends AuditEventBody {
  /** The chain the event links into; null for a legacy (pre-0006) event. */
  chain?: string | null;
  /** Position in its chain, from 1; null for a legacy event. */
  chainSeq?: number | null;
  /** The handover row right after the event; null for legacy and unattached events. */
  row?: RowFacts | null;
  prevHash: string;
  hash: string;
}

/** A chained event before the database gives it its global `seq`. */
export interface ChainedEventBody extends Omit<AuditEventBody, 'seq'> {
  chain: string;
  chainSeq: number;
  row: RowFacts | null;
}

/** The hash of a chained event: its previous hash and everything it says, but not `seq`. */
export function hashChainedEvent(prevHash: string, body: ChainedEventBody): string {
  // The same bytes as sha256Hex(prevHash + json), one-shot: verify hashes every event.
  return hash('sha256', prevHash + chainedEventJson(body), 'hex');
}

const str = (v: string | null) => (v === null || v === undefined ? 'null' : JSON.stringify(v));
const ROW_KEYS = 'destination,digest,reference,secondaryReference,state';
const ROW_KEYS_WITH_ASSIGNMENT = 'destination,digest,iccamAssignment,reference,secondaryReference,state';
/** The facts events record today: the clear fields added since, and the later columns' digest. */
const ROW_KEYS_CURRENT = 'contentRemovedAt,destination,digest,iccamAssignment,laterDigest,reference,removalOverdueAt,secondaryReference,state';
const num = (v: number | null | undefined) => (v === null || v === undefined ? 'null' : JSON.stringify(v));

/**
 * canonicalJson of the hashed fields, written out in sorted key order by hand: verify hashes
 * every event of the trail, and the generic sort is most of its time. A test holds the two equal.
 */
export function chainedEventJson(body: ChainedEventBody): string {
  const row = body.row ?? null;
  const keys = row === null ? null : Object.keys(row).sort().join(',');
  const rowJson =
    row === null
      ? 'null'
      : keys === ROW_KEYS
        ? `{"destination":${str(row.destination)},"digest":${str(row.digest)},"reference":${str(row.reference)},"secondaryReference":${str(row.secondaryReference)},"state":${str(row.state)}}`
        : keys === ROW_KEYS_WITH_ASSIGNMENT
          ? `{"destination":${str(row.destination)},"digest":${str(row.digest)},"iccamAssignment":${str(row.iccamAssignment ?? null)},"reference":${str(row.reference)},"secondaryReference":${str(row.secondaryReference)},"state":${str(row.state)}}`
          : keys === ROW_KEYS_CURRENT
            ? `{"contentRemovedAt":${num(row.contentRemovedAt)},"destination":${str(row.destination)},"digest":${str(row.digest)},"iccamAssignment":${str(row.iccamAssignment ?? null)},"laterDigest":${str(row.laterDigest ?? null)},"reference":${str(row.reference)},"removalOverdueAt":${num(row.removalOverdueAt)},"secondaryReference":${str(row.secondaryReference)},"state":${str(row.state)}}`
            : canonicalJson(row);
  const data = body.data === null || body.data === undefined ? 'null' : canonicalJson(body.data);
  return (
    `{"actor":${str(body.actor)},"at":${JSON.stringify(body.at)},"chain":${str(body.chain)},"chainSeq":${JSON.stringify(body.chainSeq)},"data":${data},` +
    `"fromState":${str(body.fromState)},"handoverId":${str(body.handoverId)},"kind":${str(body.kind)},"reason":${str(body.reason)},"referralId":${str(body.referralId)},` +
    `"row":${rowJson},"toState":${str(body.toState)},"v":2}`
  );
}

/** The same fields through the generic canonical JSON (the reference the fast one is tested against). */
export function chainedEventJsonReference(body: ChainedEventBody): string {
  return canonicalJson({
    v: 2,
    chain: body.chain,
    chainSeq: body.chainSeq,
    handoverId: body.handoverId,
    referralId: body.referralId,
    at: body.at,
    actor: body.actor,
    kind: body.kind,
    fromState: body.fromState,
    toState: body.toState,
    reason: body.reason,
    data: body.data ?? null,
    row: body.row ?? null,
  });
}

export function sealChainedEvent(prevHash: string, body: ChainedEventBody): ChainedEventBody & { prevHash: string; hash: string } {
  return { ...body, prevHash, hash: hashChainedEvent(prevHash, body) };
}

/**
 * What a checkpoint's Merkle tree holds for one event: its global position, its chain position
 * and its hash (which covers everything else). Reordering events across chains changes it.
 */
export function checkpointEntry(event: Pick<AuditEvent, 'seq' | 'chain' | 'chainSeq' | 'hash'>): string {
  // canonicalJson({ seq, chain, chainSeq, hash }), keys in sorted order.
  return `{"chain":${str(event.chain ?? null)},"chainSeq":${JSON.stringify(event.chainSeq ?? null)},"hash":${JSON.stringify(event.hash)},"seq":${JSON.stringify(event.seq)}}`;
}

// ------------------------------------------------------------------ the legacy global chain

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

export type AuditProblemKind =
  | 'hash_mismatch'
  | 'chain_break'
  | 'sequence_gap'
  | 'row_mismatch'
  | 'record_mismatch'
  | 'checkpoint_invalid'
  | 'checkpoint_mismatch'
  | 'checkpoint_file_mismatch'
  | 'rolled_back';

export interface AuditProblem {
  problem: AuditProblemKind;
  /** Where: "event 42", "handover <id>", "checkpoint 3", "checkpoint file line 7"... */
  where: string;
  detail: string;
  /** The global seq of the first event concerned, when there is one. */
  seq?: number;
}

export type AuditVerification =
  | { ok: true; events: number; headHash: string; checkpoints?: number; problems?: [] }
  | { ok: false; events: number; brokenAtSeq: number; problem: AuditProblemKind; checkpoints?: number; problems?: AuditProblem[] };

/**
 * Checks the legacy global chain in `seq` order. `expectedHead`, when given, also catches
 * events removed from the end (the store kept the head hash apart from the events).
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
