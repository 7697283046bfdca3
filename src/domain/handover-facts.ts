/**
 * What an audit event records about its handover row right after it, so `audit verify` can
 * tell whether the row still says what its trail implies. State, destination, the
 * destination's references, the ICCAM assignment step and the takedown clock's end and
 * escalation are kept in the clear (a mismatch names them); every other column an event may
 * change is folded into one digest.
 * `last_polled_at` is left out: noting that a destination was asked for news changes nothing
 * and writes no event. Pure.
 */
import type { RowFacts } from './audit-chain.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { LATER_HANDOVER_FIELDS, PATCHABLE_HANDOVER_FIELDS, type HandoverRecord } from './handover-record.js';

const CLEAR_FIELDS = ['state', 'destination', 'reference', 'secondaryReference'] as const;

type Patchable = (typeof PATCHABLE_HANDOVER_FIELDS)[number];
/**
 * Fields kept in the clear since a later time: facts recorded before lack them, and a row is
 * compared on each only against facts that hold it.
 */
const LATER_CLEAR_FIELDS = ['iccamAssignment', 'contentRemovedAt', 'removalOverdueAt'] as const;

/** Patchable fields outside the digest: the clear ones, the one the digest has never held, and the later ones (their own digest). */
type NotDigested = (typeof CLEAR_FIELDS)[number] | 'lastPolledAt' | (typeof LATER_CLEAR_FIELDS)[number] | (typeof LATER_HANDOVER_FIELDS)[number];
const NOT_DIGESTED: ReadonlySet<string> = new Set<NotDigested>([...CLEAR_FIELDS, 'lastPolledAt', ...LATER_CLEAR_FIELDS, ...LATER_HANDOVER_FIELDS]);

/**
 * Every column an event may change but the clear ones: the row's identity and timestamps and
 * the patchable fields. The set is what events have recorded from the start (changing it
 * would make every recorded event disagree with its row).
 */
const DIGESTED_FIELDS = [
  ...(['id', 'referralId', 'position', 'url', 'contentType', 'parentId', 'createdAt', 'updatedAt'] as const),
  ...PATCHABLE_HANDOVER_FIELDS.filter((f): f is Exclude<Patchable, NotDigested> => !NOT_DIGESTED.has(f)),
];

/** The handover fields the facts are computed from. */
export type HandoverFactSource = Pick<
  HandoverRecord,
  (typeof DIGESTED_FIELDS)[number] | (typeof CLEAR_FIELDS)[number] | (typeof LATER_CLEAR_FIELDS)[number] | (typeof LATER_HANDOVER_FIELDS)[number]
>;

export function handoverFacts(h: HandoverFactSource): RowFacts {
  const rest: Record<string, unknown> = {};
  for (const field of DIGESTED_FIELDS) rest[field] = h[field];
  // Events recorded so far hold absent evidence and decision as null: kept so, or they would not verify.
  rest.evidence = h.evidence ?? null;
  rest.decision = h.decision ?? null;
  return {
    state: h.state,
    destination: h.destination,
    reference: h.reference,
    secondaryReference: h.secondaryReference,
    digest: sha256Hex(canonicalJson(rest)),
    // In the clear rather than in the digest: the digest's fields are what every event recorded
    // so far holds, and those events must keep verifying.
    iccamAssignment: h.iccamAssignment ?? null,
    contentRemovedAt: h.contentRemovedAt ?? null,
    removalOverdueAt: h.removalOverdueAt ?? null,
    laterDigest: laterDigest(h),
  };
}

/** The columns added since, in a digest of their own (absent ones as their defaults). */
function laterDigest(h: HandoverFactSource): string {
  const later: Record<string, unknown> = {};
  for (const field of LATER_HANDOVER_FIELDS) later[field] = h[field] ?? (field === 'iccamAssignmentTries' ? 0 : null);
  return sha256Hex(canonicalJson(later));
}

/** The names of the clear fields that differ, then "other columns" when only the digest does. */
export function factDifferences(recorded: RowFacts, actual: RowFacts): string[] {
  const out: string[] = [];
  // Facts recorded before a field was held in the clear lack its key: nothing to compare it with.
  const compared = [...CLEAR_FIELDS, ...LATER_CLEAR_FIELDS.filter((key) => key in recorded)];
  for (const key of compared) {
    if (recorded[key] !== actual[key]) out.push(`${key} is ${JSON.stringify(actual[key])}, trail says ${JSON.stringify(recorded[key])}`);
  }
  // Likewise the later columns: compared only against facts that hold their digest.
  const laterDiffer = 'laterDigest' in recorded && recorded.laterDigest !== actual.laterDigest;
  if (out.length === 0 && (recorded.digest !== actual.digest || laterDiffer)) out.push('other columns differ from what the trail last recorded');
  return out;
}

/** What an intake event records of its referral's classification (the row holds it as JSON). */
export function referralClassificationHash(classification: unknown): string {
  return sha256Hex(canonicalJson(classification ?? null));
}
