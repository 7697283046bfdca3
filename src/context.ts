/**
 * What every part of the service receives: the config, logger, store, clock, randomness, ids,
 * metrics, this process's id, the wakeups and the routing policy. Types only: src/compose.ts
 * builds it, once, and nothing changes it afterwards; tests pass overrides to compose (a
 * ManualClock, a seeded Random, a store on a temporary file...).
 */
import type { Config } from './config/config.js';
import type { Clock, Random } from './domain/clock.js';
import type { RoutingPolicy } from './domain/routing/routing-policy.js';
import type { Wakeups } from './domain/wakeup.js';
import type { Logger } from './logging/logger.js';
import type { Metrics } from './metrics/metrics.js';
import type { Store } from './store/store.js';

export interface Context {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: Store;
  readonly clock: Clock;
  readonly random: Random;
  readonly newId: () => string;
  readonly metrics: Metrics;
  /** Identifies this process in leases and job locks. */
  readonly processId: string;
  readonly wakeups: Wakeups;
  readonly policy: RoutingPolicy;
}
