/**
 * Start-up refusals: what a correct-looking configuration can still get wrong on this machine
 * (a file that is not there, a database that cannot be reached, a port someone else holds).
 * Each becomes one ConfigError line naming the setting and the file or server, which the CLI
 * prints and exits 2 on, instead of a stack trace.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { ConfigError, coerceError, thrownCode } from '../domain/errors.js';
import type { Config } from './config.js';

/** Every file a setting names must exist and be readable before anything starts. */
export function checkConfiguredFiles(config: Config): void {
  const files: [string, string | null][] = [
    ['GEOIP_COUNTRY_DB', config.geoip.countryDb],
    ['GEOIP_ASN_DB', config.geoip.asnDb],
    ['DESTINATION_CA_FILE', config.destinations.caFile],
    ['ICCAM_CLIENT_CERT', config.destinations.inhope?.clientCertFile ?? null],
    ['ICCAM_CLIENT_KEY', config.destinations.inhope?.clientKeyFile ?? null],
  ];
  for (const [variable, file] of files) {
    if (file === null) continue;
    let problem: string | null = null;
    try {
      if (!statSync(file).isFile()) problem = 'is not a file';
      else accessSync(file, constants.R_OK);
    } catch (error) {
      const code = thrownCode(error);
      problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
    }
    if (problem) throw new ConfigError(variable, `names ${file}, which ${problem}`);
  }
}

/** host:port of a PostgreSQL URL, never its user or password. */
function postgresServer(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured server';
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);
/** PostgreSQL codes that mean "you may not come in": bad password, no such database or role. */
const NOT_ADMITTED = new Map([
  ['28P01', 'refused the password'],
  ['28000', 'refused the login'],
  ['3D000', 'has no such database'],
  ['42501', 'refused the permission'],
]);

/**
 * The store could not be opened or reached: a ConfigError naming DATABASE_URL and the file or
 * server, or null when the error is something else (then it is a bug, and keeps its stack).
 */
export function storeRefusal(databaseUrl: string, error: unknown): ConfigError | null {
  const code = thrownCode(error);
  if (code === undefined) return null;
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (
      code.startsWith('SQLITE_CANTOPEN') ||
      code.startsWith('SQLITE_NOTADB') ||
      code.startsWith('SQLITE_READONLY') ||
      code.startsWith('SQLITE_PERM') ||
      ['EACCES', 'ENOTDIR', 'EROFS', 'EEXIST', 'EISDIR', 'EPERM'].includes(code)
    ) {
      return new ConfigError('DATABASE_URL', `names SQLite file ${file}, which cannot be opened (${code})`);
    }
    return null;
  }
  if (UNREACHABLE.has(code)) return new ConfigError('DATABASE_URL', `names PostgreSQL at ${postgresServer(databaseUrl)}, which cannot be reached (${code})`);
  const notAdmitted = NOT_ADMITTED.get(code);
  if (notAdmitted) return new ConfigError('DATABASE_URL', `names PostgreSQL at ${postgresServer(databaseUrl)}, which ${notAdmitted} (${code})`);
  return null;
}

/** The listener could not bind: the port is taken, or HOST is not an address of this machine. */
export function listenRefusal(host: string, port: number, error: unknown): ConfigError {
  const code = thrownCode(error);
  if (code === 'EADDRINUSE') return new ConfigError('PORT', `${port} is already in use on ${host} (EADDRINUSE)`);
  if (code === 'EACCES') return new ConfigError('PORT', `${port} on ${host} needs privileges this process does not have (EACCES)`);
  return new ConfigError('HOST', `${host} cannot be listened on (${code ?? coerceError(error).message})`);
}
