/**
 * The dispatcher: claims due `routed` handovers under a lease, sends each to its destination,
 * and records what happened. Exactly once as far as the destination can tell: every attempt
 * carries the same Idempotency-Key, a completion that no longer holds the lease changes nothing
 * (fencing), and a lease that expires returns the handover for another attempt (the reaper).
 */
import type { Locator } from '../locate/locator.js';
import type { Context } from '../context.js';
import { DEFAULT_RETRY_SCHEDULE, nextAttemptDelay, type RetrySchedule } from '../domain/backoff.js';
import type { CircuitBreakers } from '../domain/circuit-breaker.js';
import { DESTINATIONS, type Destination } from '../domain/decision.js';
import { LeaseLostError, coerceError } from '../domain/errors.js';
import type { HandoverRecord, NewAttempt } from '../store/store.js';
import type { DestinationAdapter } from './destinations/destination-adapter.js';
import { sendAttempt } from './deliver-attempt.js';
import { recheckStaleHosting } from './hosting-recheck.js';
import { closeMovedOn } from './close-moved-on.js';

export type Adapters = Partial<Record<Destination, DestinationAdapter>>;

export interface DispatchSummary {
  claimed: number;
  delivered: number;
  retried: number;
  failed: number;
  /** Sent, but whether the destination took it is unknown (ICCAM): now in needs_review. */
  unknown: number;
  leaseLost: number;
  rechecked: number;
  /** Destinations skipped this run and why (not configured, circuit open). */
  held: Partial<Record<Destination, string>>;
}

const ACTOR = 'system:dispatcher';

export class Dispatcher {
  private readonly log;
  readonly schedule: RetrySchedule;

  constructor(
    private readonly ctx: Context,
    private readonly adapters: Adapters,
    private readonly breakers: CircuitBreakers<Destination>,
    private readonly locator: Pick<Locator, 'locate'>,
  ) {
    this.log = ctx.logger.child({ component: 'dispatcher' });
    const d = ctx.config.delivery;
    this.schedule = { ...DEFAULT_RETRY_SCHEDULE, baseMs: d.retryBaseMs, capMs: d.retryMaxDelayMs, budgetMs: d.retryBudgetMs };
  }

  /** Deliveries under way, per destination: a hung destination must not hold up the other. */
  private readonly inFlight: Record<Destination, Set<Promise<void>>> = { police: new Set(), inhope: new Set() };

  /**
   * One pass: re-check stale hosting, then for every destination claim as many due handovers
   * as it has free delivery slots and start sending them. With `waitForDeliveries` (tests,
   * benchmarks) the pass returns when those attempts are recorded; the scheduled job does not
   * wait, so the next pass can fill slots that free up meanwhile.
   */
  async runOnce(options: { waitForDeliveries?: boolean } = {}): Promise<DispatchSummary> {
    const summary: DispatchSummary = { claimed: 0, delivered: 0, retried: 0, failed: 0, unknown: 0, leaseLost: 0, rechecked: 0, held: {} };
    summary.rechecked = await recheckStaleHosting(this.ctx, this.locator);
    const started = await Promise.all(DESTINATIONS.map((destination) => this.dispatchDestination(destination, summary)));
    if (options.waitForDeliveries ?? true) await Promise.all(started.flat());
    return summary;
  }

  /** Waits for every delivery under way (shutdown: their outcomes are recorded before the store closes). */
  async drain(): Promise<void> {
    await Promise.all(DESTINATIONS.flatMap((d) => [...this.inFlight[d]]));
  }

  private async dispatchDestination(destination: Destination, summary: DispatchSummary): Promise<Promise<void>[]> {
    const adapter = this.adapters[destination];
    if (!adapter) {
      // Not configured: its handovers wait in `routed`; /readyz says so.
      summary.held[destination] = 'not configured';
      return [];
    }
    const slots = this.ctx.config.destinations.concurrency[destination] - this.inFlight[destination].size;
    if (slots <= 0) {
      summary.held[destination] = 'all delivery slots busy';
      return [];
    }
    const breaker = this.breakers.for(destination);
    const admission = breaker.tryAcquire();
    this.ctx.metrics.circuitOpen.set({ destination }, breaker.state().state === 'open' ? 1 : 0);
    if (!admission.allowed) {
      summary.held[destination] = `circuit open until ${admission.retryAt.toISOString()}`;
      return [];
    }
    const token = this.ctx.newId();
    const claimed = await this.ctx.store.claimDue({
      destination,
      now: this.ctx.clock.now().getTime(),
      // Only what can be sent at once, so no claimed handover waits while its lease runs;
      // a trial after an outage sends one handover, not a batch.
      limit: admission.trial ? 1 : slots,
      leaseMs: this.ctx.config.delivery.leaseMs,
      token,
      actor: ACTOR,
    });
    summary.claimed += claimed.length;
    return claimed.map((handover) => {
      const delivery = this.deliverOne(adapter, handover, token, summary).catch((error: unknown) => {
        // The outcome could not be recorded (store down): the lease expires and the reaper
        // returns the handover, so it is sent again under the same Idempotency-Key.
        this.log.error('recording a delivery outcome failed', { handoverId: handover.id, error: coerceError(error).message });
      });
      this.inFlight[destination].add(delivery);
      void delivery.finally(() => this.inFlight[destination].delete(delivery));
      return delivery;
    });
  }

  private async deliverOne(adapter: DestinationAdapter, handover: HandoverRecord, token: string, summary: DispatchSummary): Promise<void> {
    const destination = adapter.destination;
    const { outcome, attemptNo, startedAt, finishedAt, attempt } = await sendAttempt(this.ctx, adapter, handover, {
      breaker: this.breakers.for(destination),
      claimToken: token,
      component: 'dispatcher',
      // ICCAM keeps duplicates: what was about to be sent is on record before it leaves, so a
      // lease that lapses before that moment is known never to have sent anything.
      ...(destination === 'inhope' ? { markSending: () => this.markSending(handover, token, handover.attemptCount + 1) } : {}),
    });

    const firstAttemptAt = handover.firstAttemptAt ?? startedAt;
    const common = { attemptCount: attemptNo, firstAttemptAt, leaseToken: null, leaseExpiresAt: null };
    // Every change below records the attempt with it, in its transaction.
    try {
      if (outcome.kind === 'internal_error') {
        // Ours, not the destination's: retrying would fail the same way; a person looks at it.
        await this.fail(
          handover,
          token,
          attempt,
          common,
          'internal_error',
          { attempt: attemptNo, errorClass: 'internal_error', error: outcome.error.name },
          finishedAt,
          `internal_error: ${outcome.error.message}`,
        );
        summary.failed++;
        return;
      }
      if (outcome.kind === 'delivered') {
        const delivered = await this.ctx.store.transition(handover.id, {
          to: 'delivered',
          actor: ACTOR,
          reason: outcome.duplicate ? 'the destination already had it (same Idempotency-Key)' : `accepted by ${destination}`,
          expectLeaseToken: token,
          set: {
            ...common,
            reference: outcome.reference,
            secondaryReference: outcome.secondaryReference ?? null,
            deliveredAt: finishedAt,
            nextAttemptAt: null,
            lastPolledAt: null,
          },
          data: { attempt: attemptNo, statusCode: outcome.statusCode, requestHash: outcome.requestHash },
          attempt,
          now: finishedAt,
        });
        summary.delivered++;
        if (outcome.closeAs === 'moved_on') await closeMovedOn(this.ctx, delivered, ACTOR);
        return;
      }
      if (outcome.kind === 'unknown') {
        // ICCAM may hold it already and keeps duplicates: a person decides (resolve, or route again).
        await this.ctx.store.transition(handover.id, {
          to: 'needs_review',
          actor: ACTOR,
          reason: `delivery_outcome_unknown: ${outcome.detail}`,
          expectLeaseToken: token,
          set: { ...common, nextAttemptAt: null, failureReason: 'delivery_outcome_unknown' },
          data: {
            attempt: attemptNo,
            statusCode: outcome.statusCode,
            errorClass: outcome.errorClass,
            reviewReason: 'delivery_outcome_unknown',
            requestHash: outcome.requestHash,
          },
          attempt,
          now: finishedAt,
        });
        summary.unknown++;
        return;
      }
      if (outcome.kind === 'failed') {
        await this.fail(
          handover,
          token,
          attempt,
          common,
          `${destination} refused it: ${outcome.detail}`,
          { attempt: attemptNo, statusCode: outcome.statusCode, errorClass: outcome.errorClass },
          finishedAt,
        );
        summary.failed++;
        return;
      }
      if (outcome.reviewAfterAttempts !== undefined && attemptNo >= outcome.reviewAfterAttempts) {
        // Refused too often to try again on its own: a person looks (ICCAM refused a reassignment).
        const reviewReason = outcome.reviewReason ?? outcome.errorClass;
        await this.ctx.store.transition(handover.id, {
          to: 'needs_review',
          actor: ACTOR,
          reason: `${reviewReason}: ${destination} refused it ${attemptNo} times (${outcome.errorClass}${outcome.statusCode ? ` ${outcome.statusCode}` : ''})`,
          expectLeaseToken: token,
          set: { ...common, nextAttemptAt: null, failureReason: reviewReason },
          data: { attempt: attemptNo, statusCode: outcome.statusCode, errorClass: outcome.errorClass, reviewReason },
          attempt,
          now: finishedAt,
        });
        summary.unknown++;
        return;
      }
      if (outcome.giveUpAfterMs !== undefined && finishedAt - firstAttemptAt >= outcome.giveUpAfterMs) {
        await this.fail(
          handover,
          token,
          attempt,
          common,
          `still ${outcome.errorClass} after ${Math.round(outcome.giveUpAfterMs / 60_000)} min of retries`,
          { attempt: attemptNo, statusCode: outcome.statusCode, errorClass: outcome.errorClass },
          finishedAt,
        );
        summary.failed++;
        return;
      }
      const next = nextAttemptDelay({
        attempt: attemptNo,
        firstAttemptAt: new Date(firstAttemptAt),
        now: new Date(finishedAt),
        retryAfterMs: outcome.retryAfterMs,
        random: this.ctx.random,
        schedule: this.schedule,
      });
      if (next.exhausted) {
        await this.fail(
          handover,
          token,
          attempt,
          common,
          `attempts exhausted (${next.reason}) after ${outcome.errorClass}`,
          { attempt: attemptNo, statusCode: outcome.statusCode, errorClass: outcome.errorClass },
          finishedAt,
        );
        summary.failed++;
        return;
      }
      await this.ctx.store.transition(handover.id, {
        to: 'routed',
        actor: ACTOR,
        reason: `retry later: ${outcome.errorClass}${outcome.statusCode ? ` (${outcome.statusCode})` : ''}`,
        expectLeaseToken: token,
        set: { ...common, nextAttemptAt: next.at.getTime() },
        data: { attempt: attemptNo, statusCode: outcome.statusCode, errorClass: outcome.errorClass, nextAttemptAt: next.at.toISOString() },
        attempt,
        now: finishedAt,
      });
      summary.retried++;
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      // Someone else holds it now; their attempt decides. Ours is still written down, alone.
      await this.ctx.store.recordAttempt(attempt);
      summary.leaseLost++;
      this.log.warn('lease lost before the outcome was recorded', { handoverId: handover.id, outcome: outcome.kind });
    }
  }

  /**
   * "About to send" (an ICCAM create): recorded under the claim's lease just before the request
   * leaves, inside ICCAM's pacing slot and after the login. A lease already lost refuses it, and
   * nothing is sent.
   */
  private async markSending(handover: HandoverRecord, token: string, attemptNo: number): Promise<void> {
    await this.ctx.store.annotate(handover.id, {
      actor: ACTOR,
      kind: 'about_to_send',
      reason: `attempt ${attemptNo}: the report leaves for ICCAM now`,
      expectLeaseToken: token,
      set: { sendingToken: token },
      data: { attempt: attemptNo },
      now: this.ctx.clock.now().getTime(),
    });
  }

  /** `failureReason` is the short reason kept on the handover; `reason` (the audit's) may say more. */
  private async fail(
    handover: HandoverRecord,
    token: string,
    attempt: NewAttempt,
    common: object,
    failureReason: string,
    data: object,
    now: number,
    reason = failureReason,
  ): Promise<void> {
    await this.ctx.store.transition(handover.id, {
      to: 'failed',
      actor: ACTOR,
      reason,
      expectLeaseToken: token,
      set: { ...common, failureReason, nextAttemptAt: null },
      data,
      attempt,
      now,
    });
  }
}
