/**
 * Builds the destination adapters the configuration names. A destination without
 * configuration gets no adapter: its handovers wait in `routed` and /readyz says so.
 */
import type { Config } from '../config/config.js';
import type { IccamAcceptedNames } from '../domain/iccam-words.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logging/logger.js';
import type { Store } from '../store/store.js';
import { createIccamAdapter } from './destinations/iccam-exchange.js';
import { LocalIccamGate, StoreIccamGate } from './destinations/iccam-gate.js';
import { IccamVocabulary } from './destinations/iccam-vocabulary.js';
import { createPoliceAdapter } from './destinations/police-export.js';
import type { Adapters } from './dispatcher.js';

export interface IccamDeploymentParts {
  /** The store that holds the deployment-wide ICCAM gate and lookup lists. */
  store: Store;
  /** This process's name at the gate (unique per process). */
  gateHolder: string;
  /** The names each of our words accepts in ICCAM's lookup lists (config/iccam-names.json). */
  iccamNames?: IccamAcceptedNames;
}

export function createConfiguredAdapters(config: Config, clock: Clock, logger: Logger, deployment?: IccamDeploymentParts): Adapters {
  const d = config.destinations;
  const tls = d.caFile ? { caFile: d.caFile } : {};
  const adapters: Adapters = {};
  if (d.police) {
    adapters.police = createPoliceAdapter({ baseUrl: d.police.baseUrl, token: d.police.token, timeoutMs: d.timeoutMs, clock, logger, ...tls });
  }
  if (d.inhope) {
    const i = d.inhope;
    adapters.inhope = createIccamAdapter({
      baseUrl: i.baseUrl,
      username: i.username,
      password: i.password,
      analystName: i.analystName,
      timeoutMs: i.timeoutMs,
      clock,
      logger,
      ...tls,
      ...(i.caFile ? { caFile: i.caFile } : {}),
      ...(i.clientCertFile && i.clientKeyFile ? { clientCertFile: i.clientCertFile, clientKeyFile: i.clientKeyFile } : {}),
      ...(i.clientKeyPassphrase ? { clientKeyPassphrase: i.clientKeyPassphrase } : {}),
      gate: deployment
        ? // The lease outlives one call's deadline, so a holder killed mid-call frees it soon after.
          new StoreIccamGate({ store: deployment.store, holder: deployment.gateHolder, minIntervalMs: i.minIntervalMs, leaseMs: i.timeoutMs + 5_000 })
        : new LocalIccamGate(i.minIntervalMs),
      vocabulary: new IccamVocabulary(deployment?.store, deployment?.iccamNames),
      loginPauseMs: i.loginPauseMs,
      notReadyRetryMs: i.notReadyRetryMs,
      contentTypes: i.contentTypes,
      paymentMethods: i.paymentMethods,
    });
  }
  return adapters;
}
