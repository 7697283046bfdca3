/**
 * The takedown clock (contract §3 `GET /v1/stats/takedown`): how fast content comes down, per
 * destination, country, network or source, against the marks of TAKEDOWN_TARGETS.
 *
 * One definition, used by the API, the console and its CSV:
 * - the clock **starts** when the case was referred to us (for content that came in through
 *   ICCAM: when ICCAM assigned it to us);
 * - it **stops** for each step when the handover reached it: delivered (the destination accepted
 *   it), acknowledged (the destination took the case), removed (the content was known to be down:
 *   the police export's `contentRemovedAt`, the date of ICCAM's Removed or Unavailable action, or
 *   the back office's observation of `removed` or `unavailable`);
 * - `within` a mark: the share of the group's referred handovers that reached the step at most
 *   that long after the start; `openPast` a mark: how many have not reached it, are still live
 *   (not closed, failed or cancelled) and started longer ago than the mark.
 * Duplicates (a URL already in hand) are not cases of their own and are not counted.
 * Pure: the store counts and ranks in SQL; this module shapes the answer.
 */
import type { TakedownMark } from './takedown-targets.js';

export const TAKEDOWN_GROUPINGS = ['destination', 'country', 'network', 'source'] as const;
export type TakedownGrouping = (typeof TAKEDOWN_GROUPINGS)[number];

export const TAKEDOWN_STEPS = ['delivered', 'acknowledged', 'removed'] as const;
export type TakedownStep = (typeof TAKEDOWN_STEPS)[number];

/** What the store counts for one step of one group: raw counts, one per mark. */
export interface StepCounts {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
  /** Per mark, in the order of the marks: how many reached the step within it. */
  within: number[];
  /** Per mark: how many have not reached it, are still live, and started longer ago than the mark. */
  openPast: number[];
}

/** One group as the store reads it; `bucket` is the start of its week or month when asked per period. */
export interface TakedownGroupCounts {
  key: string | null;
  bucket: number | null;
  referred: number;
  steps: Record<TakedownStep, StepCounts>;
  /** Of the referred: how many are in each situation a yearly report also counts. */
  extra: TakedownExtraCounts;
}

interface TakedownExtraCounts {
  /** Reports of a URL already in hand (counted with the case that carries it). */
  duplicates: number;
  /** New cases of a URL whose earlier case was over. */
  reappearances: number;
  failed: number;
  needsReview: number;
  /** Flagged past the last mark with the content not known to be down (whatever came after). */
  removalOverdue: number;
  /** Flagged for a missing acknowledgement. */
  ackOverdue: number;
  /** Closed by the destination with no removal time known (e.g. a police case closed without contentRemovedAt). */
  closedWithoutRemoval: number;
}

export interface TakedownStepFigures {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
  within: Record<string, number>;
  openPast: Record<string, number>;
}

export interface TakedownGroupFigures {
  key: string | null;
  referred: number;
  delivered: TakedownStepFigures;
  acknowledged: TakedownStepFigures;
  removed: TakedownStepFigures;
}

/** The answer of `GET /v1/stats/takedown`, exactly as contract §3 gives it. */
export interface TakedownFigures {
  groupBy: TakedownGrouping;
  targets: string[];
  groups: TakedownGroupFigures[];
}

/** A share of `referred`, from 0 to 1 (0 for an empty group). */
export function share(n: number, referred: number): number {
  return referred === 0 ? 0 : n / referred;
}

function stepFigures(counts: StepCounts, referred: number, marks: readonly TakedownMark[]): TakedownStepFigures {
  return {
    count: counts.count,
    medianMs: counts.medianMs,
    p90Ms: counts.p90Ms,
    within: Object.fromEntries(marks.map((m, i) => [m.label, share(counts.within[i] ?? 0, referred)])),
    openPast: Object.fromEntries(marks.map((m, i) => [m.label, counts.openPast[i] ?? 0])),
  };
}

export function groupFigures(group: TakedownGroupCounts, marks: readonly TakedownMark[]): TakedownGroupFigures {
  return {
    key: group.key,
    referred: group.referred,
    delivered: stepFigures(group.steps.delivered, group.referred, marks),
    acknowledged: stepFigures(group.steps.acknowledged, group.referred, marks),
    removed: stepFigures(group.steps.removed, group.referred, marks),
  };
}

/** The contract's answer from the store's counts, groups in the store's order. */
export function takedownFigures(groupBy: TakedownGrouping, groups: readonly TakedownGroupCounts[], marks: readonly TakedownMark[]): TakedownFigures {
  return { groupBy, targets: marks.map((m) => m.label), groups: groups.map((g) => groupFigures(g, marks)) };
}

/**
 * When a reported removal time ends the clock: as the destination or the back office gave it,
 * unless it cannot be read or lies in the future (a clock running ahead), then now.
 */
export function removalTime(reported: string | number | null | undefined, now: number): number {
  const at = typeof reported === 'number' ? reported : typeof reported === 'string' ? Date.parse(reported) : Number.NaN;
  return Number.isFinite(at) && at <= now ? at : now;
}
