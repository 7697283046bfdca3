/**
 * Builds the destination adapters the configuration names. A destination without
 * configuration gets no adapter: its handovers wait in `routed` and /readyz says so.
 */
import type { Config } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logging/logger.js';
import { createIccamAdapter } from './destinations/iccam-exchange.js';
import { createPoliceAdapter } from './destinations/police-export.js';
import type { Adapters } from './dispatcher.js';

export function createConfiguredAdapters(config: Config, clock: Clock, logger: Logger): Adapters {
  const d = config.destinations;
  const tls = d.caFile ? { caFile: d.caFile } : {};
  const adapters: Adapters = {};
  if (d.police) {
    adapters.police = createPoliceAdapter({ baseUrl: d.police.baseUrl, token: d.police.token, timeoutMs: d.timeoutMs, clock, logger, ...tls });
  }
  if (d.inhope) {
    adapters.inhope = createIccamAdapter({
      baseUrl: d.inhope.baseUrl,
      username: d.inhope.username,
      password: d.inhope.password,
      timeoutMs: d.timeoutMs,
      clock,
      logger,
      ...tls,
      ...(d.inhope.clientCertFile && d.inhope.clientKeyFile ? { clientCertFile: d.inhope.clientCertFile, clientKeyFile: d.inhope.clientKeyFile } : {}),
    });
  }
  return adapters;
}
