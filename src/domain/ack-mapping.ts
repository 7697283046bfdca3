/**
 * What a destination's status means for a handover (contract §4). Pure: the reconciler (which
 * polls the destinations) and the callback endpoint (which the destinations call) both turn
 * what they heard into an AckObservation here, so the two paths cannot disagree.
 */
import type { Destination } from './decision.js';

/**
 * What the handover should do:
 * - `none`: nothing new (still received / no action yet, or a status we do not know);
 * - `acknowledge`: the destination took the case (`delivered` → `acknowledged`);
 * - `close`: the outcome is known (→ `closed`);
 * - `fail`: rejected, or not illegal where it is hosted (→ `failed`, with the reason);
 * - `moved`: closed with outcome `moved`; the caller opens a new, linked handover to locate again.
 */
type AckEffect = 'none' | 'acknowledge' | 'close' | 'fail' | 'moved';

type AckOutcome = 'removed' | 'unavailable' | 'moved' | 'closed' | 'not_illegal' | 'rejected';

export interface AckObservation {
  destination: Destination;
  /** The destination's own word: a police status, or an ICCAM action type ('no-action' when none). */
  status: string;
  effect: AckEffect;
  /** The destination's reference for the case, when it gave one (police case number, ICCAM report id). */
  reference?: string | null;
  reason?: string | null;
  /** When the destination says it happened (ISO 8601 as received); null when it did not say. */
  at?: string | null;
  outcome?: AckOutcome | null;
  /**
   * When the destination says the content came down (ISO 8601 as received): the police export's
   * contentRemovedAt, the date of ICCAM's Removed or Unavailable action. It ends the takedown clock.
   */
  removedAt?: string | null;
}

const POLICE_STATUSES = ['received', 'registered', 'rejected', 'closed'] as const;
type PoliceStatus = (typeof POLICE_STATUSES)[number];

const ICCAM_ACTION_TYPES = ['LEA', 'ISP', 'CR', 'CU', 'MO', 'NI'] as const;
type IccamActionType = (typeof ICCAM_ACTION_TYPES)[number];

export interface IccamAction {
  type: string;
  date?: string | null;
  reason?: string | null;
}

/** Status reported by mapIccamActions when the content has no (known) action yet. */
const ICCAM_NO_ACTION = 'no-action';

export interface PoliceStatusExtra {
  caseNumber?: string | null;
  reason?: string | null;
  at?: string | null;
  /** When the police say the content was taken down (status answer or callback). */
  contentRemovedAt?: string | null;
}

const POLICE_EFFECTS: Record<PoliceStatus, { effect: AckEffect; outcome: AckOutcome | null }> = {
  received: { effect: 'none', outcome: null },
  registered: { effect: 'acknowledge', outcome: null },
  closed: { effect: 'close', outcome: 'closed' },
  rejected: { effect: 'fail', outcome: 'rejected' },
};

export function mapPoliceStatus(status: string, extra: PoliceStatusExtra = {}): AckObservation {
  const known = isPoliceStatus(status) ? POLICE_EFFECTS[status] : null;
  const removedAt = extra.contentRemovedAt ?? null;
  // Content known to be down closes the case as removed, whatever step the police case is at;
  // a rejection stays a rejection (its removal time is still recorded).
  const removal = known !== null && removedAt !== null && known.effect !== 'fail';
  return {
    destination: 'police',
    status,
    // An unknown status changes nothing: better to wait than to guess at a case's fate.
    effect: removal ? 'close' : (known?.effect ?? 'none'),
    reference: extra.caseNumber ?? null,
    reason: extra.reason ?? (known ? null : 'unknown police status'),
    at: extra.at ?? null,
    outcome: removal ? 'removed' : (known?.outcome ?? null),
    removedAt: known !== null ? removedAt : null,
  };
}

/**
 * Strength of each ICCAM action: the strongest one present decides. A final verdict (not
 * illegal, moved, removed/unavailable) outranks the acknowledgement that usually precedes it.
 */
const ICCAM_RANK: Record<IccamActionType, { rank: number; effect: AckEffect; outcome: AckOutcome | null }> = {
  NI: { rank: 5, effect: 'fail', outcome: 'not_illegal' },
  MO: { rank: 4, effect: 'moved', outcome: 'moved' },
  CR: { rank: 3, effect: 'close', outcome: 'removed' },
  CU: { rank: 3, effect: 'close', outcome: 'unavailable' },
  LEA: { rank: 1, effect: 'acknowledge', outcome: null },
  ISP: { rank: 1, effect: 'acknowledge', outcome: null },
};

/**
 * Reduce an ICCAM content record's action list to one observation. Among actions of equal
 * strength the earliest wins (contract: "the first LEA or ISP action is the acknowledgement").
 * Unknown action types are ignored.
 */
export function mapIccamActions(actions: readonly IccamAction[] | null | undefined, reference?: string | null): AckObservation {
  let best: { action: IccamAction; type: IccamActionType; index: number } | null = null;
  for (const [index, action] of (actions ?? []).entries()) {
    const type = normaliseIccamType(action.type);
    if (type === null) continue;
    const stronger = best === null || ICCAM_RANK[type].rank > ICCAM_RANK[best.type].rank;
    const earlierTie = best !== null && ICCAM_RANK[type].rank === ICCAM_RANK[best.type].rank && isEarlier(action, index, best.action, best.index);
    if (stronger || earlierTie) best = { action, type, index };
  }
  if (best === null) {
    return { destination: 'inhope', status: ICCAM_NO_ACTION, effect: 'none', reference: reference ?? null, reason: null, at: null, outcome: null };
  }
  const chosen = best;
  const meaning = ICCAM_RANK[chosen.type];
  return {
    destination: 'inhope',
    status: chosen.type,
    effect: meaning.effect,
    reference: reference ?? null,
    reason: chosen.action.reason ?? null,
    at: chosen.action.date ?? null,
    outcome: meaning.outcome,
    // Removed or Unavailable: the action's date ends the takedown clock.
    removedAt: meaning.outcome === 'removed' || meaning.outcome === 'unavailable' ? (chosen.action.date ?? null) : null,
  };
}

/** One status word as a callback delivers it (`status` in that destination's vocabulary). */
export function mapDestinationStatus(
  destination: Destination,
  status: string,
  extra: { reference?: string | null; reason?: string | null; at?: string | null; contentRemovedAt?: string | null } = {},
): AckObservation {
  if (destination === 'police') {
    return mapPoliceStatus(status, {
      caseNumber: extra.reference ?? null,
      reason: extra.reason ?? null,
      at: extra.at ?? null,
      contentRemovedAt: extra.contentRemovedAt ?? null,
    });
  }
  return mapIccamActions([{ type: status, date: extra.at ?? null, reason: extra.reason ?? null }], extra.reference ?? null);
}

/** Whether `status` belongs to that destination's vocabulary (callbacks with anything else are refused). */
export function isKnownStatus(destination: Destination, status: string): boolean {
  return destination === 'police' ? isPoliceStatus(status) : (ICCAM_ACTION_TYPES as readonly string[]).includes(status);
}

function isPoliceStatus(status: string): status is PoliceStatus {
  return (POLICE_STATUSES as readonly string[]).includes(status);
}

function normaliseIccamType(type: unknown): IccamActionType | null {
  if (typeof type !== 'string') return null;
  const upper = type.trim().toUpperCase();
  return (ICCAM_ACTION_TYPES as readonly string[]).includes(upper) ? (upper as IccamActionType) : null;
}

/** Earlier by date when both dates parse; otherwise by position in the list. */
function isEarlier(a: IccamAction, aIndex: number, b: IccamAction, bIndex: number): boolean {
  const at = a.date ? Date.parse(a.date) : NaN;
  const bt = b.date ? Date.parse(b.date) : NaN;
  if (!Number.isNaN(at) && !Number.isNaN(bt) && at !== bt) return at < bt;
  return aIndex < bIndex;
}
