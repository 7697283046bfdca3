/** Shared bits for the locator tests: a silent logger and fixture paths. */
import { fileURLToPath } from 'node:url';
import winston from 'winston';

export const silentLogger = winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });

export const RDAP_FIXTURES = fileURLToPath(new URL('./fixtures/rdap/', import.meta.url));
export const GEOIP_FIXTURES = fileURLToPath(new URL('../fixtures/geoip/', import.meta.url));
