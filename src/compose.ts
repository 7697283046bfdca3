/**
 * The composition root: the one place that builds the service from its config. It opens and
 * migrates the store, then builds the context, the locator, the destination adapters with their
 * circuit breakers, the dispatcher, every scheduled job (the reconciliation jobs included) and
 * the readiness checks, and hands them back frozen. The server (service.ts), the `referral`
 * commands, the bench, the demo and the tests all compose through here; tests and the bench
 * pass overrides (a ManualClock, a seeded random source, stand-in locator and destinations...).
 * Nothing runs at import time.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { v7 as uuidv7 } from 'uuid';
import type { Config } from './config/config.js';
import { POLICY_DIR } from './config/project-paths.js';
import { loadIccamNames } from './config/iccam-names-file.js';
import { loadRoutingPolicy } from './config/routing-policy-file.js';
import { checkConfiguredFiles, storeRefusal } from './config/startup-refusals.js';
import type { Context } from './context.js';
import { CircuitBreakers } from './domain/circuit-breaker.js';
import { systemClock } from './domain/clock.js';
import type { Destination } from './domain/decision.js';
import { createWakeups } from './domain/wakeup.js';
import { createConfiguredAdapters } from './delivery/configured-adapters.js';
import { isIccamAdapter } from './delivery/destinations/iccam-exchange.js';
import { Dispatcher, type Adapters } from './delivery/dispatcher.js';
import { JobRunner } from './jobs/job-runner.js';
import { reconciliationJobDefinitions } from './jobs/reconciliation-jobs.js';
import type { JobDefinition } from './jobs/scheduled-job.js';
import { serviceJobDefinitions, type JobParts } from './jobs/service-jobs.js';
import { createConfiguredLocator } from './locate/configured-locator.js';
import type { Locator } from './locate/locator.js';
import { createLogger } from './logging/logger.js';
import { createMetrics } from './metrics/metrics.js';
import { readinessChecks } from './readiness-checks.js';
import type { ReadinessProbe } from './services/readiness.js';
import { openStore } from './store/open-store.js';

/** What tests, the bench and the demo may put in place of the real thing. */
export interface ComposeOverrides extends Partial<Omit<Context, 'config'>> {
  locator?: Locator;
  adapters?: Adapters;
  /** Jobs besides the service's own (tests add probes of their own). */
  extraJobs?: (ctx: Context, parts: JobParts) => readonly JobDefinition[];
  /** In place of the built readiness checks. */
  readiness?: readonly ReadinessProbe[];
}

/** Everything the service is made of, built once; nothing in it is replaced afterwards. */
export interface Composed extends JobParts {
  readonly ctx: Context;
  readonly jobs: JobRunner;
  readonly readiness: readonly ReadinessProbe[];
  /** The migrations this composition applied to the store (none when it was up to date). */
  readonly migrationsApplied: readonly string[];
  /** Releases the adapters, the locator and the store (jobs and dispatcher are stopped first by the caller). */
  close(): Promise<void>;
}

function buildContext(config: Config, overrides: ComposeOverrides): Context {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const store =
    overrides.store ??
    openStore({
      url: config.database.url,
      poolSize: config.database.poolSize,
      statementTimeoutMs: config.database.statementTimeoutMs,
      onError: (error) => logger.warn('database connection lost', { component: 'store', error: error.message }),
    });
  return Object.freeze({
    config,
    logger,
    store,
    clock: overrides.clock ?? systemClock,
    random: overrides.random ?? Math.random,
    // Time-ordered UUIDs (RFC 9562 v7): ids of rows written together sit together in every index
    // keyed by them (handovers, referrals, audit chains), so a commit writes a few index pages
    // rather than one per row; random v4 ids cost intake about 15 % of its throughput (npm run bench).
    newId: overrides.newId ?? uuidv7,
    metrics: overrides.metrics ?? createMetrics({ defaultMetrics: true }),
    processId: overrides.processId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    wakeups: overrides.wakeups ?? createWakeups(),
    policy: overrides.policy ?? loadRoutingPolicy(POLICY_DIR, { homeCountry: config.homeCountry }),
  });
}

/**
 * Builds the service. A store that cannot be opened or migrated is refused in one line
 * (startup-refusals.ts); the store is closed again when anything after opening it fails.
 */
export async function compose(config: Config, overrides: ComposeOverrides = {}): Promise<Composed> {
  checkConfiguredFiles(config);
  let ctx: Context;
  try {
    ctx = buildContext(config, overrides);
  } catch (error) {
    throw storeRefusal(config.database.url, error) ?? error;
  }
  const closeStore = () => ctx.store.close().catch(() => undefined);
  let migrationsApplied: string[];
  try {
    migrationsApplied = await ctx.store.migrate();
  } catch (error) {
    await closeStore();
    throw storeRefusal(config.database.url, error) ?? error;
  }
  let locator: Locator;
  try {
    locator = overrides.locator ?? (await createConfiguredLocator(config, ctx.clock, ctx.logger));
  } catch (error) {
    await closeStore();
    throw error;
  }
  let adapters: Adapters;
  try {
    adapters =
      overrides.adapters ??
      createConfiguredAdapters(config, ctx.clock, ctx.logger, {
        store: ctx.store,
        gateHolder: `gate:${ctx.newId()}`,
        iccamNames: loadIccamNames(POLICY_DIR).names,
      });
  } catch (error) {
    await locator.close();
    await closeStore();
    throw error;
  }
  const iccam = isIccamAdapter(adapters.inhope) ? adapters.inhope : null;
  // The lookup lists as the store last had them (the seed until ICCAM has been read once).
  if (iccam) await iccam.vocabulary.load().catch(() => undefined);
  const breakers = new CircuitBreakers<Destination>(ctx.clock);
  const dispatcher = new Dispatcher(ctx, adapters, breakers, locator);
  const parts: JobParts = Object.freeze({ locator, adapters, breakers, dispatcher });
  const jobs = new JobRunner(ctx, [
    ...serviceJobDefinitions(ctx, parts),
    ...reconciliationJobDefinitions(ctx, parts),
    ...(overrides.extraJobs?.(ctx, parts) ?? []),
  ]);
  const readiness = overrides.readiness ?? readinessChecks(ctx, { locator, adapters, breakers, iccam });
  return Object.freeze({
    ctx,
    ...parts,
    jobs,
    readiness,
    migrationsApplied,
    close: async () => {
      for (const adapter of Object.values(adapters)) adapter.close();
      await locator.close();
      await ctx.store.close();
    },
  });
}
