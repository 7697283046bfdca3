/**
 * The real locator, configured from the service's settings (DNS, GeoIP, RDAP/WHOIS).
 */
import type { Config } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logging/logger.js';
import { createLocator, type Locator } from './locator.js';

export function createConfiguredLocator(config: Config, clock: Clock, logger: Logger): Promise<Locator> {
  return createLocator({
    dnsServers: config.dns.servers,
    dnsTimeoutMs: config.dns.timeoutMs,
    dnsTries: config.dns.tries,
    geoipCountryDb: config.geoip.countryDb,
    geoipAsnDb: config.geoip.asnDb,
    rdapBootstrapUrl: config.registry.rdapBootstrapUrl,
    rdapTimeoutMs: config.registry.timeoutMs,
    registryEnabled: config.registry.enabled,
    rdapFallbackUrl: config.registry.fallbackUrl,
    registryLocalTestMode: config.registry.localTestMode,
    publishedDataDir: config.publishedDataDir,
    clock,
    logger,
  });
}
