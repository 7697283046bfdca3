/**
 * Both destination stand-ins on 127.0.0.1 with real adapters pointed at them, sharing the
 * test's clock: what workflow tests need to see handovers reach a destination.
 *
 * ICCAM's pacing runs on the wall clock on both sides (a short interval keeps tests quick), and
 * its not-ready window after a login is off here, because the business clock is a ManualClock
 * that a workflow test may never move; test/destinations/iccam-exchange.test.ts covers it.
 */
import type { Adapters } from '../../src/delivery/dispatcher.js';
import { createIccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { LocalIccamGate, type IccamGate } from '../../src/delivery/destinations/iccam-gate.js';
import { IccamVocabulary } from '../../src/delivery/destinations/iccam-vocabulary.js';
import { createPoliceAdapter } from '../../src/delivery/destinations/police-export.js';
import type { ManualClock } from '../../src/domain/clock.js';
import type { Store } from '../../src/store/store.js';
import { startIccamStandin, type IccamStandin, type IccamStandinOptions } from '../../scripts/sandbox/iccam-standin.js';
import { startPoliceStandin, type PoliceStandin, type PoliceStandinOptions } from '../../scripts/sandbox/police-standin.js';

export const TEST_ICCAM_INTERVAL_MS = 20;

export interface StandinDestinations {
  police: PoliceStandin;
  iccam: IccamStandin;
  /** Fresh adapters for the stand-ins (each call makes new ones). */
  adapters(options?: { store?: Store; gate?: IccamGate }): Adapters;
  close(): Promise<void>;
}

export async function startStandinDestinations(
  clock: ManualClock,
  options: {
    police?: Omit<PoliceStandinOptions, 'token' | 'now'>;
    iccam?: Omit<IccamStandinOptions, 'username' | 'password' | 'now'>;
    timeoutMs?: number;
  } = {},
): Promise<StandinDestinations> {
  const now = () => clock.now();
  const police = await startPoliceStandin({ token: 'police-token', now, ...options.police });
  const iccam = await startIccamStandin({
    username: 'u',
    password: 'p',
    now,
    pacingNow: () => Date.now(),
    minIntervalMs: TEST_ICCAM_INTERVAL_MS,
    notReadyAfterLoginMs: 0,
    ...options.iccam,
  });
  const made: Adapters[] = [];
  return {
    police,
    iccam,
    adapters: (o = {}) => {
      const timeoutMs = options.timeoutMs ?? 2_000;
      const a: Adapters = {
        police: createPoliceAdapter({ baseUrl: police.url, token: 'police-token', timeoutMs, clock }),
        inhope: createIccamAdapter({
          baseUrl: iccam.url,
          username: 'u',
          password: 'p',
          timeoutMs,
          clock,
          gate: o.gate ?? new LocalIccamGate(TEST_ICCAM_INTERVAL_MS),
          loginPauseMs: 0,
          vocabulary: new IccamVocabulary(o.store),
        }),
      };
      made.push(a);
      return a;
    },
    close: async () => {
      for (const a of made) for (const adapter of Object.values(a)) adapter.close();
      await Promise.all([police.close(), iccam.close()]);
    },
  };
}
