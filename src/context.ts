/**
 * The shared context: builds logger, store, clock, metrics, ids, randomness, the routing policy
 * and the store's readiness probe from the config (components.ts builds the parts on top of it).
 * The HTTP app and the jobs receive the context; nothing happens at import time, and tests
 * pass overrides (a ManualClock, a seeded Random, a store on a temporary file...).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from './config/config.js';
import { POLICY_DIR } from './config/project-paths.js';
import { loadRoutingPolicy } from './config/routing-policy.js';
import type { RoutingPolicy } from './domain/routing/routing-policy.js';
import { systemClock, type Clock, type Random } from './domain/clock.js';
import { createLogger, type Logger } from './logging/logger.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { createWakeups, type Wakeups } from './jobs/wakeup.js';
import type { ReadinessProbe } from './services/readiness.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { coerceError } from './domain/errors.js';

export interface Context {
  config: Config;
  logger: Logger;
  store: Store;
  clock: Clock;
  random: Random;
  newId: () => string;
  metrics: Metrics;
  /** Identifies this process in leases and job locks. */
  processId: string;
  wakeups: Wakeups;
  policy: RoutingPolicy;
  /** Components add their readiness probes here while the service is composed. */
  probes: ReadinessProbe[];
}

export type ContextOverrides = Partial<Context>;

export function createContext(config: Config, overrides: ContextOverrides = {}): Context {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const store =
    overrides.store ??
    openStore({
      url: config.database.url,
      poolSize: config.database.poolSize,
      statementTimeoutMs: config.database.statementTimeoutMs,
      onError: (error) => logger.warn('database connection lost', { component: 'store', error: error.message }),
    });
  const probes: ReadinessProbe[] = [
    async () => {
      try {
        await store.ping();
        return { name: 'store', ok: true, critical: true, detail: store.dialect };
      } catch (error) {
        return { name: 'store', ok: false, critical: true, detail: coerceError(error).message };
      }
    },
  ];
  return {
    config,
    logger,
    store,
    clock: overrides.clock ?? systemClock,
    random: overrides.random ?? Math.random,
    newId: overrides.newId ?? randomUUID,
    metrics: overrides.metrics ?? createMetrics({ defaultMetrics: true }),
    processId: overrides.processId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    wakeups: overrides.wakeups ?? createWakeups(),
    probes: overrides.probes ?? probes,
    policy: overrides.policy ?? loadRoutingPolicy(POLICY_DIR, { homeCountry: config.homeCountry }),
  };
}
