/**
 * The checks behind GET /readyz, built once by the composition root from the parts it built:
 * the store, GeoIP (loaded, and its age), the destinations with their circuits, and ICCAM's
 * lookup lists when ICCAM is configured.
 */
import type { Context } from './context.js';
import type { CircuitBreakers } from './domain/circuit-breaker.js';
import { DESTINATIONS, type Destination } from './domain/decision.js';
import { coerceError } from './domain/errors.js';
import type { Adapters } from './delivery/dispatcher.js';
import type { IccamAdapter } from './delivery/destinations/iccam-exchange.js';
import { geoipAgeProbe } from './jobs/geoip-refresh.js';
import type { Locator } from './locate/locator.js';
import type { ReadinessProbe } from './services/readiness.js';

export interface ReadinessParts {
  readonly locator: Locator;
  readonly adapters: Adapters;
  readonly breakers: CircuitBreakers<Destination>;
  readonly iccam: IccamAdapter | null;
}

export function readinessChecks(ctx: Context, parts: ReadinessParts): readonly ReadinessProbe[] {
  const { store } = ctx;
  const { locator, adapters, breakers, iccam } = parts;
  const checks: ReadinessProbe[] = [
    async () => {
      try {
        await store.ping();
        return { name: 'store', ok: true, critical: true, detail: store.dialect };
      } catch (error) {
        return { name: 'store', ok: false, critical: true, detail: coerceError(error).message };
      }
    },
    () => {
      const r = locator.readiness();
      return {
        name: 'geoip',
        ok: r.geoipLoaded,
        critical: true,
        detail: {
          ...r,
          ...(r.geoipIsOfflineDefault ? { warning: 'bundled ip-location-db data: frozen, with known errors; configure MaxMind databases for production' } : {}),
        },
      };
    },
    () => {
      const missing = DESTINATIONS.filter((d) => !adapters[d]);
      return {
        name: 'destinations',
        ok: missing.length === 0,
        // Handovers for an unconfigured destination wait in `routed`: reported, not fatal.
        critical: false,
        detail: Object.fromEntries(
          DESTINATIONS.map((d) => [
            d,
            adapters[d]
              ? { configured: true, circuit: breakers.for(d).state() }
              : { configured: false, note: 'handovers wait in routed until it is configured' },
          ]),
        ),
      };
    },
  ];
  if (iccam) {
    checks.push(async () => {
      // Another replica may have read the lists since: what the store holds is the truth.
      await iccam.vocabulary.loadIfOlderThan(10_000);
      const missing = iccam.vocabulary.missing;
      return {
        name: 'inhope',
        ok: missing.length === 0,
        // Only ICCAM deliveries wait (and say why here); the police export goes on.
        critical: false,
        detail: {
          lookups: iccam.vocabulary.source,
          lookupsAsOf: iccam.vocabulary.asOf,
          ...(missing.length > 0
            ? {
                missing,
                // What ICCAM lists instead, per list: the name to add to the word in config/iccam-names.json.
                unmatched: iccam.vocabulary.unmatched,
                note: 'ICCAM lists none of the accepted names of these words (config/iccam-names.json): deliveries to inhope wait',
              }
            : {}),
        },
      };
    });
  }
  checks.push(geoipAgeProbe(ctx, locator));
  return Object.freeze(checks);
}
