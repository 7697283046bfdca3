/**
 * What an audit event records about its handover row right after it, so `audit verify` can
 * tell whether the row still says what its trail implies. State, destination and the
 * destination's references are kept in the clear (a mismatch names them); every other column
 * an event may change is folded into one digest. `last_polled_at` is left out: noting that a
 * destination was asked for news changes nothing and writes no event. Pure.
 */
import type { RowFacts } from './audit-chain.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';

/** The handover fields the facts are computed from (a HandoverRecord has them all). */
export interface HandoverFactSource {
  id: string;
  referralId: string;
  position: number;
  url: string;
  contentType: string | null;
  state: string;
  destination: string | null;
  country: string | null;
  targetHotline: string | null;
  assignedCountry: string | null;
  evidence: unknown;
  decision: unknown;
  locatedAt: number | null;
  locateAttempts: number;
  nextAttemptAt: number | null;
  attemptCount: number;
  firstAttemptAt: number | null;
  leaseToken: string | null;
  leaseExpiresAt: number | null;
  reference: string | null;
  secondaryReference: string | null;
  deliveredAt: number | null;
  acknowledgedAt: number | null;
  closedAt: number | null;
  outcome: string | null;
  failureReason: string | null;
  overdueAt: number | null;
  resentAt: number | null;
  recheckedAt: number | null;
  parentId: string | null;
  createdAt: number;
  updatedAt: number;
}

export function handoverFacts(h: HandoverFactSource): RowFacts {
  const rest = {
    id: h.id,
    referralId: h.referralId,
    position: h.position,
    url: h.url,
    contentType: h.contentType,
    country: h.country,
    targetHotline: h.targetHotline,
    assignedCountry: h.assignedCountry,
    evidence: h.evidence ?? null,
    decision: h.decision ?? null,
    locatedAt: h.locatedAt,
    locateAttempts: h.locateAttempts,
    nextAttemptAt: h.nextAttemptAt,
    attemptCount: h.attemptCount,
    firstAttemptAt: h.firstAttemptAt,
    leaseToken: h.leaseToken,
    leaseExpiresAt: h.leaseExpiresAt,
    deliveredAt: h.deliveredAt,
    acknowledgedAt: h.acknowledgedAt,
    closedAt: h.closedAt,
    outcome: h.outcome,
    failureReason: h.failureReason,
    overdueAt: h.overdueAt,
    resentAt: h.resentAt,
    recheckedAt: h.recheckedAt,
    parentId: h.parentId,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
  };
  return { state: h.state, destination: h.destination, reference: h.reference, secondaryReference: h.secondaryReference, digest: sha256Hex(canonicalJson(rest)) };
}

/** The names of the clear fields that differ, then "other columns" when only the digest does. */
export function factDifferences(recorded: RowFacts, actual: RowFacts): string[] {
  const out: string[] = [];
  for (const key of ['state', 'destination', 'reference', 'secondaryReference'] as const) {
    if (recorded[key] !== actual[key]) out.push(`${key} is ${JSON.stringify(actual[key])}, trail says ${JSON.stringify(recorded[key])}`);
  }
  if (out.length === 0 && recorded.digest !== actual.digest) out.push('other columns differ from what the trail last recorded');
  return out;
}

/** What an intake event records of its referral's classification (the row holds it as JSON). */
export function referralClassificationHash(classification: unknown): string {
  return sha256Hex(canonicalJson(classification ?? null));
}
