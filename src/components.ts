/**
 * The working parts built on the context: the locator, the destination adapters with their
 * circuit breakers, the dispatcher and the scheduled jobs. Tests override the locator and the
 * adapters with stand-ins; everything else is the real thing.
 */
import type { Context } from './context.js';
import { CircuitBreakers } from './domain/circuit-breaker.js';
import { DESTINATIONS, type Destination } from './domain/decision.js';
import type { HostingEvidence } from './domain/evidence.js';
import { createConfiguredAdapters } from './delivery/configured-adapters.js';
import { Dispatcher, type Adapters } from './delivery/dispatcher.js';
import { JobRunner, serviceJobDefinitions } from './jobs/service-jobs.js';
import { isIccamAdapter } from './delivery/destinations/iccam-exchange.js';
import type { JobDefinition } from './jobs/scheduled-job.js';

/** What the service needs of a locator beyond locating (readiness, reloads, shutdown). */
export interface ServiceLocator {
  locate(url: string): Promise<HostingEvidence>;
  readiness(): { geoipLoaded: boolean; asnLoaded: boolean; geoipIsOfflineDefault: boolean; geoipBuiltAt: string | null };
  refreshGeoip(): Promise<boolean>;
  close(): Promise<void>;
}

export interface Components {
  locator: ServiceLocator;
  adapters: Adapters;
  breakers: CircuitBreakers<Destination>;
  dispatcher: Dispatcher;
  jobs: JobRunner;
}

export interface ComponentOverrides {
  locator?: ServiceLocator;
  adapters?: Adapters;
  extraJobs?: (ctx: Context, parts: Omit<Components, 'jobs'>) => JobDefinition[];
}

export type LocatorFactory = (ctx: Context) => Promise<ServiceLocator>;

export async function createComponents(ctx: Context, createLocator: LocatorFactory, overrides: ComponentOverrides = {}): Promise<Components> {
  const locator = overrides.locator ?? (await createLocator(ctx));
  const adapters = overrides.adapters ?? createConfiguredAdapters(ctx.config, ctx.clock, ctx.logger, { store: ctx.store, gateHolder: `gate:${ctx.newId()}` });
  const iccam = isIccamAdapter(adapters.inhope) ? adapters.inhope : null;
  // The lookup lists as the store last had them (the seed until ICCAM has been read once).
  if (iccam) await iccam.vocabulary.load().catch(() => undefined);
  const breakers = new CircuitBreakers<Destination>(ctx.clock);
  const dispatcher = new Dispatcher(ctx, adapters, breakers, locator);
  const parts = { locator, adapters, breakers, dispatcher };
  const jobs = new JobRunner(ctx, serviceJobDefinitions(ctx, { ...parts, extra: overrides.extraJobs?.(ctx, parts) ?? [] }));

  ctx.probes.push(
    () => {
      const r = locator.readiness();
      return {
        name: 'geoip',
        ok: r.geoipLoaded,
        critical: true,
        detail: { ...r, ...(r.geoipIsOfflineDefault ? { warning: 'bundled ip-location-db data: frozen, with known errors; configure MaxMind databases for production' } : {}) },
      };
    },
    () => {
      const missing = DESTINATIONS.filter((d) => !adapters[d]);
      return {
        name: 'destinations',
        ok: missing.length === 0,
        // Handovers for an unconfigured destination wait in `routed`: reported, not fatal.
        critical: false,
        detail: Object.fromEntries(DESTINATIONS.map((d) => [d, adapters[d] ? { configured: true, circuit: breakers.for(d).state() } : { configured: false, note: 'handovers wait in routed until it is configured' }])),
      };
    },
  );
  if (iccam) {
    ctx.probes.push(async () => {
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
          lookupsReadAt: iccam.vocabulary.fetchedAt === null ? null : new Date(iccam.vocabulary.fetchedAt).toISOString(),
          ...(missing.length > 0 ? { missing, note: 'ICCAM no longer lists these names: deliveries to inhope wait' } : {}),
        },
      };
    });
  }
  return { ...parts, jobs };
}
