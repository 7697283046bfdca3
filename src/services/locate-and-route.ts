/**
 * Locating a handover: gather the hosting evidence, decide the route (a pure function of the
 * evidence and the policy), and record both with the transition they lead to. A DNS failure
 * that may pass (timeout, SERVFAIL) leaves the handover in `locating` for another try with
 * backoff; after LOCATE_GIVE_UP_AFTER_MS it goes to a supervisor with the reason.
 */
import type { Locator } from '../locate/locator.js';
import type { Context } from '../context.js';
import type { RoutingDecision } from '../domain/decision.js';
import type { DnsOutcome, HostingEvidence } from '../domain/evidence.js';
import { decideRoute } from '../domain/routing/decide-route.js';
import { InvalidTransitionError } from '../domain/errors.js';
import type { HandoverRecord } from '../store/store.js';

/** DNS outcomes that say "ask again later" rather than "this host does not exist". */
const TRANSIENT_DNS: ReadonlySet<DnsOutcome> = new Set(['timeout', 'servfail', 'refused', 'error']);

export function isTransientFailure(evidence: HostingEvidence): boolean {
  return evidence.hostKind === 'domain' && TRANSIENT_DNS.has(evidence.dns.outcome);
}

/** Backoff between locate attempts: 30 s doubling to 30 min. */
export function locateRetryDelayMs(attempts: number): number {
  return Math.min(30 * 60_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

export type LocateResult = 'routed' | 'needs_review' | 'retry_later' | 'skipped';

const ACTOR = 'system:locator';

function decisionFields(evidence: HostingEvidence, decision: RoutingDecision, now: number) {
  return {
    evidence,
    decision,
    destination: decision.destination,
    country: decision.country,
    targetHotline: decision.targetHotline,
    assignedCountry: decision.assignedCountry,
    locatedAt: now,
  };
}

function auditData(decision: RoutingDecision) {
  return {
    rule: decision.rule,
    destination: decision.destination,
    country: decision.country,
    confidence: decision.confidence,
    reviewReasons: decision.reviewReasons,
  };
}

/** Applies evidence to a handover in `locating`. */
export async function applyEvidence(ctx: Context, handover: HandoverRecord, evidence: HostingEvidence): Promise<LocateResult> {
  const now = ctx.clock.now();
  const at = now.getTime();
  try {
    if (isTransientFailure(evidence)) {
      const attempts = handover.locateAttempts + 1;
      if (at - handover.createdAt < ctx.config.locating.giveUpAfterMs) {
        await ctx.store.annotate(handover.id, {
          actor: ACTOR,
          kind: 'locate_retry',
          reason: `DNS ${evidence.dns.outcome}: will try again`,
          expectState: 'locating',
          set: { locateAttempts: attempts, nextAttemptAt: at + locateRetryDelayMs(attempts), evidence },
          data: { dnsOutcome: evidence.dns.outcome, attempts },
          now: at,
        });
        return 'retry_later';
      }
    }
    const decision = decideRoute(evidence, ctx.policy, now);
    if (decision.destination === null) {
      await ctx.store.transition(handover.id, {
        to: 'needs_review',
        actor: ACTOR,
        reason: decision.reviewReasons.join(', ') || 'no safe automatic decision',
        expectState: 'locating',
        set: { ...decisionFields(evidence, decision, at), locateAttempts: handover.locateAttempts + 1, nextAttemptAt: null },
        data: auditData(decision),
        now: at,
      });
      ctx.metrics.locateRuns.inc({ outcome: 'needs_review' });
      return 'needs_review';
    }
    await ctx.store.transition(handover.id, {
      to: 'routed',
      actor: ACTOR,
      reason: `rule ${decision.rule}`,
      expectState: 'locating',
      set: { ...decisionFields(evidence, decision, at), locateAttempts: handover.locateAttempts + 1, nextAttemptAt: at, attemptCount: 0, firstAttemptAt: null },
      data: auditData(decision),
      now: at,
    });
    ctx.metrics.locateRuns.inc({ outcome: 'routed' });
    ctx.wakeups.dispatch.notify();
    return 'routed';
  } catch (error) {
    // Another process (or a supervisor) moved it meanwhile: their change stands.
    if (error instanceof InvalidTransitionError) return 'skipped';
    throw error;
  }
}

export async function locateAndRoute(ctx: Context, locator: Pick<Locator, 'locate'>, handover: HandoverRecord): Promise<LocateResult> {
  const located = await locator.locate(handover.url);
  // The raw string the back office sent stays in the evidence when it differs from the stored URL.
  const evidence = handover.reportedUrl ? { ...located, reportedUrl: handover.reportedUrl } : located;
  return applyEvidence(ctx, handover, evidence);
}
