import { describe, expect, it } from 'vitest';
import { ConfigError } from '../domain/errors.js';
import { loadConfig, suggestSetting, unknownSettings } from './config.js';

const HASH = 'a'.repeat(64);

/** Runs loadConfig and returns the ConfigError it throws (fails the test if it does not). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('runs on one machine with no other service when nothing is set', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({
      port: 8080,
      host: '127.0.0.1',
      rateLimitPerMinute: 600,
      shutdownGraceMs: 10_000,
      authFailuresPerMinute: 30,
      callbacksPerMinute: 600,
      openPerMinute: 600,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      trustProxy: false,
    });
    expect(config.database.url).toBe('sqlite:var/referrals.db');
    expect(config.apiKeys).toEqual([]);
    expect(config.homeCountry).toBe('BE');
    expect(config.geoip).toMatchObject({ countryDb: null, asnDb: null });
    expect(config.dns.servers).toBeNull();
    expect(config.registry).toMatchObject({ enabled: true, rdapBootstrapUrl: null, localTestMode: false });
    expect(config.destinations.police).toBeNull();
    expect(config.destinations.inhope).toBeNull();
    expect(config.ackSecrets).toEqual({ police: [], inhope: [] });
    expect(config.schedules.enabled).toBe(true);
    expect(config.logLevel).toBe('info');
    // About three days of retries (contract §4).
    expect(config.delivery.retryBudgetMs).toBe(3 * 24 * 3_600_000);
    // The takedown clock's marks (contract §5): a day, two and a half days, a week.
    expect(config.takedownTargets.map((m) => [m.label, m.ms])).toEqual([
      ['24h', 86_400_000],
      ['60h', 216_000_000],
      ['7d', 604_800_000],
    ]);
  });

  it('treats an empty value as not set', () => {
    expect(loadConfig({ PORT: '', HOME_COUNTRY: '', DATABASE_URL: '' })).toMatchObject({
      http: { port: 8080 },
      homeCountry: 'BE',
      database: { url: 'sqlite:var/referrals.db' },
    });
  });

  it('reads what is set', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://hrr@db.example:5432/hrr',
      HOME_COUNTRY: 'NL',
      DNS_SERVERS: '127.0.0.1:5353, ::1',
      POLICE_EXPORT_URL: 'https://police.example/api',
      POLICE_EXPORT_TOKEN: 'tok',
      ICCAM_URL: 'https://iccam.example',
      ICCAM_USERNAME: 'cf',
      ICCAM_PASSWORD: 'pw',
      JOBS_ENABLED: 'false',
      API_KEYS: `alice:analyst:${HASH}`,
      ACK_SECRETS: 'police:whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=, police:next-secret-for-rotation,inhope:iccam-callback-secret',
    });
    expect(config.http.port).toBe(0);
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.database.url).toBe('postgres://hrr@db.example:5432/hrr');
    expect(config.homeCountry).toBe('NL');
    expect(config.dns.servers).toEqual(['127.0.0.1:5353', '::1']);
    expect(config.destinations.police).toEqual({ baseUrl: 'https://police.example/api', token: 'tok' });
    expect(config.destinations.inhope).toMatchObject({ baseUrl: 'https://iccam.example', username: 'cf', password: 'pw', clientCertFile: null });
    expect(config.schedules.enabled).toBe(false);
    expect(config.apiKeys.map((k) => [k.name, k.role])).toEqual([['alice', 'analyst']]);
    // Several secrets per destination: rotation.
    expect(config.ackSecrets).toEqual({ police: ['whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=', 'next-secret-for-rotation'], inhope: ['iccam-callback-secret'] });
  });

  it('names every analyst ICCAM hears of after the ICCAM user unless ICCAM_ANALYST_NAME says otherwise, and gives ICCAM its own timeout', () => {
    const iccam = { ICCAM_URL: 'https://iccam.example/api/v3/', ICCAM_USERNAME: 'cf-api', ICCAM_PASSWORD: 'pw' };
    expect(loadConfig(iccam).destinations.inhope).toMatchObject({ analystName: 'cf-api', timeoutMs: 60_000, import: { enabled: false, intervalMs: 60_000 } });
    expect(
      loadConfig({ ...iccam, ICCAM_ANALYST_NAME: 'Child Focus', ICCAM_TIMEOUT_MS: '90000', ICCAM_IMPORT: 'on', ICCAM_IMPORT_INTERVAL_MS: '30000' }).destinations
        .inhope,
    ).toMatchObject({ analystName: 'Child Focus', timeoutMs: 90_000, import: { enabled: true, intervalMs: 30_000 } });
  });

  it('is frozen all the way down', () => {
    const config = loadConfig({ API_KEYS: `alice:analyst:${HASH}`, DNS_SERVERS: '127.0.0.1' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(Object.isFrozen(config.apiKeys)).toBe(true);
    expect(Object.isFrozen(config.apiKeys[0])).toBe(true);
    expect(Object.isFrozen(config.dns.servers)).toBe(true);
    expect(Object.isFrozen(config.ackSecrets.police)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(config.http.port).toBe(8080);
  });
});

describe('loadConfig refuses a malformed setting with one line naming it', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['a port that is not a number', { PORT: 'abc' }, 'PORT'],
    ['a port out of range', { PORT: '70000' }, 'PORT'],
    ['a database that is neither sqlite nor postgres', { DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    ['a home country that is no ISO 3166 country', { HOME_COUNTRY: 'XX' }, 'HOME_COUNTRY'],
    ['a home country of three letters', { HOME_COUNTRY: 'BEL' }, 'HOME_COUNTRY'],
    ['an API key entry with two parts', { API_KEYS: 'alice:analyst' }, 'API_KEYS'],
    ['an API key with an unknown role', { API_KEYS: `alice:admin:${HASH}` }, 'API_KEYS'],
    ['an API key whose hash is not SHA-256 hex', { API_KEYS: 'alice:analyst:abc123' }, 'API_KEYS'],
    ['an ack secret for an unknown destination', { ACK_SECRETS: 'europol:whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=' }, 'ACK_SECRETS'],
    ['an ack secret without a destination', { ACK_SECRETS: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=' }, 'ACK_SECRETS'],
    ['an ack secret whose whsec_ part is not base64', { ACK_SECRETS: 'police:whsec_not*base64*at*all' }, 'ACK_SECRETS'],
    ['an ack secret that is too short', { ACK_SECRETS: 'police:short' }, 'ACK_SECRETS'],
    ['a police URL without its token', { POLICE_EXPORT_URL: 'https://police.example' }, 'POLICE_EXPORT_TOKEN'],
    ['a police token without its URL', { POLICE_EXPORT_TOKEN: 'tok' }, 'POLICE_EXPORT_URL'],
    ['an ICCAM URL without credentials', { ICCAM_URL: 'https://iccam.example', ICCAM_USERNAME: 'cf' }, 'ICCAM_PASSWORD'],
    ['a client certificate without its key', { ICCAM_CLIENT_CERT: '/etc/hrr/client.pem' }, 'ICCAM_CLIENT_KEY'],
    ['the ICCAM import on without ICCAM', { ICCAM_IMPORT: 'on' }, 'ICCAM_IMPORT'],
    ['an ICCAM import switch that is neither on nor off', { ICCAM_IMPORT: 'yes' }, 'ICCAM_IMPORT'],
    ['an ICCAM import interval under a second', { ICCAM_IMPORT_INTERVAL_MS: '200' }, 'ICCAM_IMPORT_INTERVAL_MS'],
    ['a destination URL that is not http(s)', { POLICE_EXPORT_URL: 'ftp://police.example', POLICE_EXPORT_TOKEN: 'tok' }, 'POLICE_EXPORT_URL'],
    ['a DNS server that is not an address', { DNS_SERVERS: 'dns.example' }, 'DNS_SERVERS'],
    ['an unknown log level', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    ['a boolean that is not one', { JOBS_ENABLED: 'maybe' }, 'JOBS_ENABLED'],
    ['a cron expression that is not one', { SCHEDULE_DISPATCH: 'every minute' }, 'SCHEDULE_DISPATCH'],
    ['a rate limit of zero', { RATE_LIMIT_PER_MINUTE: '0' }, 'RATE_LIMIT_PER_MINUTE'],
    ['a failed-authentication limit of zero', { AUTH_FAILURES_PER_MINUTE: '0' }, 'AUTH_FAILURES_PER_MINUTE'],
    ['a callback limit that is not a number', { CALLBACKS_PER_MINUTE: 'lots' }, 'CALLBACKS_PER_MINUTE'],
    ['a proxy setting that is not one', { TRUST_PROXY: 'the load balancer' }, 'TRUST_PROXY'],
    ['takedown marks out of order', { TAKEDOWN_TARGETS: '7d,24h' }, 'TAKEDOWN_TARGETS'],
    ['a takedown mark without a unit', { TAKEDOWN_TARGETS: '24' }, 'TAKEDOWN_TARGETS'],
  ];
  for (const [name, env, variable] of cases) {
    it(`${name} → ${variable}`, () => {
      const error = configError(env);
      expect(error.code).toBe('config_invalid');
      expect(error.variable).toBe(variable);
      expect(error.message).toContain(variable);
      expect(error.message.startsWith('Configuration error: ')).toBe(true);
      expect(error.message).not.toContain('\n');
    });
  }

  it('never repeats a secret value in the message', () => {
    const error = configError({ POLICE_EXPORT_TOKEN: 'very-secret-token-value' });
    expect(error.message).not.toContain('very-secret-token-value');
  });
});

describe('unknownSettings', () => {
  it('names variables that look like ours but are not read, and ignores everything else', () => {
    expect(unknownSettings({ POLICE_EXPORT_ULR: 'x', SCHEDULE_DISPATH: 'y', POLICE_EXPORT_URL: 'z', PATH: '/bin', NODE_ENV: 'test', HOME: '/root' })).toEqual([
      'POLICE_EXPORT_ULR',
      'SCHEDULE_DISPATH',
    ]);
  });
});

describe('HOME_COUNTRY', () => {
  it('is checked against ISO 3166-1 in any case', () => {
    expect(loadConfig({ HOME_COUNTRY: 'be' }).homeCountry).toBe('BE');
    expect(loadConfig({ HOME_COUNTRY: 'Nl' }).homeCountry).toBe('NL');
    for (const code of ['XX', 'xx', 'EU', 'UK', 'ZZ']) expect(configError({ HOME_COUNTRY: code }).variable).toBe('HOME_COUNTRY');
  });
});

describe('TRUST_PROXY', () => {
  it('becomes express trust proxy: off by default, a hop count, a preset or addresses', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).http.trustProxy).toBe('loopback');
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.0.0.2' }).http.trustProxy).toBe('10.0.0.1, 10.0.0.2');
  });
});

describe('suggestSetting', () => {
  it('names the setting a typo most likely meant, and nothing for a name far from all of them', () => {
    expect(suggestSetting('POLICE_EXPORT_ULR')).toBe('POLICE_EXPORT_URL');
    expect(suggestSetting('SCHEDULE_DISPATH')).toBe('SCHEDULE_DISPATCH');
    expect(suggestSetting('ICCAM_PASWORD')).toBe('ICCAM_PASSWORD');
    expect(suggestSetting('POLICE_SOMETHING_ELSE_ENTIRELY')).toBeNull();
  });
});
