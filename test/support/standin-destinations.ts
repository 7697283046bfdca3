/**
 * Both destination stand-ins on 127.0.0.1 with real adapters pointed at them, sharing the
 * test's clock: what workflow tests need to see handovers reach a destination.
 */
import type { Adapters } from '../../src/delivery/dispatcher.js';
import { createIccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { createPoliceAdapter } from '../../src/delivery/destinations/police-export.js';
import type { ManualClock } from '../../src/domain/clock.js';
import { startIccamStandin, type IccamStandin, type IccamStandinOptions } from '../../scripts/sandbox/iccam-standin.js';
import { startPoliceStandin, type PoliceStandin, type PoliceStandinOptions } from '../../scripts/sandbox/police-standin.js';

export interface StandinDestinations {
  police: PoliceStandin;
  iccam: IccamStandin;
  /** Fresh adapters for the stand-ins (each call makes new ones). */
  adapters(): Adapters;
  close(): Promise<void>;
}

export async function startStandinDestinations(
  clock: ManualClock,
  options: { police?: Omit<PoliceStandinOptions, 'token' | 'now'>; iccam?: Omit<IccamStandinOptions, 'username' | 'password' | 'now'>; timeoutMs?: number } = {},
): Promise<StandinDestinations> {
  const now = () => clock.now();
  const police = await startPoliceStandin({ token: 'police-token', now, ...options.police });
  const iccam = await startIccamStandin({ username: 'u', password: 'p', now, ...options.iccam });
  const made: Adapters[] = [];
  return {
    police,
    iccam,
    adapters: () => {
      const timeoutMs = options.timeoutMs ?? 2_000;
      const a: Adapters = {
        police: createPoliceAdapter({ baseUrl: police.url, token: 'police-token', timeoutMs, clock }),
        inhope: createIccamAdapter({ baseUrl: iccam.url, username: 'u', password: 'p', timeoutMs, clock }),
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
