/**
 * What the back office saw of reported content (contract §3 observations, `referral observe`):
 * removed, unavailable, or still online, and when. This service never looks itself. A removal on
 * a case the destination holds closes it with that outcome and ends its takedown clock; the same
 * observation twice changes nothing; every observation is an audit event naming who saw it.
 */
import { ValidationError } from '../domain/errors.js';
import type { ObservationEffect, ObservationKind } from '../domain/observation.js';
import type { HandoverRecord, Store } from '../store/store.js';

/** How far ahead of our clock an observation's time may be (clocks differ a little), no further. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface ObservationInput {
  kind: ObservationKind;
  /** Epoch ms. */
  observedAt: number;
  note?: string | null;
  /** Who saw it, as the back office names them; the caller when absent. */
  observedBy?: string | null;
}

export async function recordObservation(
  deps: { store: Store; now: number },
  handoverId: string,
  input: ObservationInput,
  actor: string,
): Promise<{ handover: HandoverRecord; effect: ObservationEffect }> {
  if (!Number.isFinite(input.observedAt) || input.observedAt > deps.now + FUTURE_TOLERANCE_MS) {
    throw new ValidationError('observedAt lies in the future: an observation says what was seen.', [
      { path: 'observedAt', code: 'in_future', message: 'no later than now' },
    ]);
  }
  return deps.store.recordObservation(handoverId, {
    kind: input.kind,
    observedAt: input.observedAt,
    note: input.note?.trim() || null,
    observedBy: input.observedBy?.trim() || actor,
    actor,
    now: deps.now,
  });
}
