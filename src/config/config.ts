/**
 * Configuration (contract §5), read once at start-up into one typed, frozen object. A missing
 * or malformed setting stops start-up with one line naming it (ConfigError). Nothing else in
 * the code base reads process.env.
 */
import { distance } from 'fastest-levenshtein';
import countries from 'i18n-iso-countries';
import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import { DESTINATIONS, type Destination } from '../domain/decision.js';
import { coerceError, ConfigError } from '../domain/errors.js';
import { DEFAULT_TAKEDOWN_TARGETS, parseTakedownTargets, type TakedownMark } from '../domain/takedown-targets.js';
import { decodeWebhookSecret } from '../domain/webhook-signature.js';
import { parseApiKeyEntries, type ApiKeyEntry } from './api-keys.js';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const duration = z.coerce.number().int().nonnegative();
const url = z.url({ protocol: /^https?$/ });
// Checked against the ISO 3166-1 list (i18n-iso-countries), in any case: `be` is BE, `XX` is no country.
const countryCode = z
  .string()
  .transform((v) => v.trim().toUpperCase())
  .refine((v) => /^[A-Z]{2}$/.test(v) && countries.isValid(v), 'must be an ISO 3166-1 alpha-2 country code, e.g. BE');
const cron = z.string().refine((v) => validateCron(v), 'must be a cron expression (5 or 6 fields)');
const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean),
);
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every variable the service reads, with its default; the order is the order of .env.example. */
const VARIABLES = {
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:PATH or postgres://...')
    .default('sqlite:var/referrals.db'),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(15_000),
  API_KEYS: z.string().default(''),
  HOME_COUNTRY: countryCode.default('BE'),
  GEOIP_COUNTRY_DB: z.string().min(1).optional(),
  GEOIP_ASN_DB: z.string().min(1).optional(),
  GEOIP_MAX_AGE_DAYS: positiveInt.default(45),
  DNS_SERVERS: csv.pipe(z.array(z.string().regex(/^[0-9a-fA-F.:[\]]+$/, 'must be ip[:port] entries'))).optional(),
  DNS_TIMEOUT_MS: positiveInt.default(2_000),
  DNS_TRIES: positiveInt.default(2),
  RDAP_BOOTSTRAP_URL: url.optional(),
  RDAP_TIMEOUT_MS: positiveInt.default(5_000),
  RDAP_FALLBACK_URL: z.union([z.literal(''), url]).default('https://rdap.arin.net/registry/'),
  PUBLISHED_DATA_DIR: z.string().default('var/published-data'),
  REGISTRY_LOOKUPS: bool.default(true),
  RDAP_LOCAL_TEST_MODE: bool.default(false),
  POLICE_EXPORT_URL: url.optional(),
  POLICE_EXPORT_TOKEN: z.string().min(1).optional(),
  ICCAM_URL: url.optional(),
  ICCAM_USERNAME: z.string().min(1).optional(),
  ICCAM_PASSWORD: z.string().min(1).optional(),
  ICCAM_ANALYST_NAME: z.string().trim().min(1).max(200).optional(),
  ICCAM_TIMEOUT_MS: positiveInt.default(60_000),
  ICCAM_CLIENT_CERT: z.string().min(1).optional(),
  ICCAM_CLIENT_KEY: z.string().min(1).optional(),
  ICCAM_CLIENT_KEY_PASSPHRASE: z.string().min(1).optional(),
  ICCAM_CA: z.string().min(1).optional(),
  ICCAM_MIN_INTERVAL_MS: positiveInt.default(1_000),
  ICCAM_LOGIN_PAUSE_MS: nonNegativeInt.default(2_000),
  ICCAM_POLL_DELIVERED_MS: positiveInt.default(3_600_000),
  ICCAM_POLL_ACKNOWLEDGED_MS: positiveInt.default(21_600_000),
  ICCAM_NOT_READY_RETRY_MS: positiveInt.default(3 * 3_600_000),
  ICCAM_CONTENT_TYPE_MEDIA: positiveInt.default(1),
  ICCAM_CONTENT_TYPE_WEBSITE: positiveInt.default(2),
  ICCAM_PAYMENT_METHODS: csv
    .pipe(z.array(z.string().regex(/^[1-9][0-9]*$/, 'must be ICCAM payment method ids')).min(1))
    .transform((ids) => ids.map(Number))
    .default([1]),
  SCHEDULE_ICCAM_POLL: cron.default('*/30 * * * * *'),
  SCHEDULE_ICCAM_LOOKUPS: cron.default('0 4 * * *'),
  ICCAM_IMPORT: z.enum(['on', 'off']).default('off'),
  ICCAM_IMPORT_INTERVAL_MS: z.coerce.number().int().min(1_000, 'must be at least 1000 (ms)').default(60_000),
  DESTINATION_CA_FILE: z.string().min(1).optional(),
  DESTINATION_TIMEOUT_MS: positiveInt.default(15_000),
  POLICE_CONCURRENCY: positiveInt.default(4),
  INHOPE_CONCURRENCY: positiveInt.default(1),
  ACK_SECRETS: z.string().default(''),
  AUDIT_SIGNING_KEY_FILE: z.string().min(1).default('var/audit-signing.key'),
  AUDIT_CHECKPOINT_FILE: z.string().min(1).default('var/audit-checkpoints.jsonl'),
  RETRY_BASE_MS: positiveInt.default(30_000),
  RETRY_MAX_DELAY_MS: positiveInt.default(6 * 3_600_000),
  RETRY_BUDGET_MS: positiveInt.default(3 * 24 * 3_600_000),
  LEASE_MS: positiveInt.default(120_000),
  RECHECK_HOSTING_AFTER_MS: duration.default(6 * 3_600_000),
  LOCATE_GIVE_UP_AFTER_MS: positiveInt.default(24 * 3_600_000),
  OVERDUE_POLICE_MS: positiveInt.default(2 * 24 * 3_600_000),
  OVERDUE_INHOPE_MS: positiveInt.default(3 * 24 * 3_600_000),
  OVERDUE_RESEND_FACTOR: z.coerce.number().min(1, 'must be 1 or more').default(2),
  STILL_ONLINE_AFTER_MS: positiveInt.default(7 * 24 * 3_600_000),
  TAKEDOWN_TARGETS: z.string().default(DEFAULT_TAKEDOWN_TARGETS),
  ACK_POLL_INTERVAL_MS: positiveInt.default(60_000),
  SCHEDULE_DISPATCH: cron.default('*/5 * * * * *'),
  SCHEDULE_LOCATE: cron.default('*/5 * * * * *'),
  SCHEDULE_ACK_POLL: cron.default('*/30 * * * * *'),
  SCHEDULE_RECONCILE: cron.default('*/5 * * * *'),
  SCHEDULE_GEOIP_REFRESH: cron.default('0 * * * *'),
  SCHEDULE_DAILY_SUMMARY: cron.default('0 6 * * *'),
  SCHEDULE_AUDIT_CHECKPOINT: cron.default('* * * * *'),
  JOBS_ENABLED: bool.default(true),
  RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
  AUTH_FAILURES_PER_MINUTE: positiveInt.default(30),
  CALLBACKS_PER_MINUTE: positiveInt.default(600),
  OPEN_RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
  HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
  TRUST_PROXY: z
    .string()
    .regex(
      /^(false|true|loopback|linklocal|uniquelocal|\d+|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/,
      'must be false, loopback, a hop count or proxy addresses (comma-separated)',
    )
    .default('false'),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
  CONSOLE_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CONSOLE_IDLE_MINUTES: positiveInt.default(30),
  CONSOLE_SESSION_HOURS: positiveInt.default(12),
  CONSOLE_SIGN_IN_PER_MINUTE: positiveInt.default(10),
} as const;

/** Prefixes of our settings: an unknown variable with one of these is most likely a typo. */
const OUR_PREFIXES = [...new Set(Object.keys(VARIABLES).map((name) => name.split('_')[0]!))];

/** Variables that look like ours but are not read (e.g. POLICE_EXPORT_ULR), for a start-up warning. */
export function unknownSettings(env: Record<string, string | undefined>): string[] {
  return Object.keys(env)
    .filter((name) => OUR_PREFIXES.some((prefix) => name.startsWith(`${prefix}_`)) && !(name in VARIABLES))
    .sort();
}

/**
 * The setting an unknown name most likely meant (POLICE_EXPORT_ULR → POLICE_EXPORT_URL): the
 * closest name within a few edits, or null.
 */
export function suggestSetting(name: string): string | null {
  let best: { name: string; edits: number } | null = null;
  for (const known of Object.keys(VARIABLES)) {
    const edits = distance(name, known);
    if (!best || edits < best.edits) best = { name: known, edits };
  }
  return best && best.edits <= Math.max(2, Math.floor(name.length / 5)) ? best.name : null;
}

type Variables = { [K in keyof typeof VARIABLES]: z.output<(typeof VARIABLES)[K]> };
export const CONFIG_VARIABLES = Object.keys(VARIABLES) as (keyof typeof VARIABLES)[];

interface IccamSettings {
  baseUrl: string;
  username: string;
  password: string;
  /** The analyst name on everything sent to ICCAM (ICCAM_ANALYST_NAME, else the ICCAM user). */
  analystName: string;
  /** One ICCAM call's whole exchange (ICCAM_TIMEOUT_MS). */
  timeoutMs: number;
  /** Inbound (contract §4): take in what ICCAM assigns to the home country, every intervalMs. */
  import: { enabled: boolean; intervalMs: number };
  clientCertFile: string | null;
  clientKeyFile: string | null;
  clientKeyPassphrase: string | null;
  caFile: string | null;
  /** Pacing: one call at a time for the whole deployment, at least this far apart. */
  minIntervalMs: number;
  /** ICCAM is not ready at once after a login (SCARt waits about 2 s). */
  loginPauseMs: number;
  pollDeliveredMs: number;
  pollAcknowledgedMs: number;
  /** A 400 "not in correct state" is retried this long (from the first attempt). */
  notReadyRetryMs: number;
  /** Contract §4 (open): ICCAM's content type ids. */
  contentTypes: { media: number; website: number };
  paymentMethods: number[];
}

interface DestinationSettings {
  police: { baseUrl: string; token: string } | null;
  inhope: IccamSettings | null;
  caFile: string | null;
  timeoutMs: number;
  concurrency: Record<Destination, number>;
  overdueMs: Record<Destination, number>;
  /** Delivered this long ago and never answered: sent once more (OVERDUE_RESEND_FACTOR × overdueMs). */
  resendAfterMs: Record<Destination, number>;
}

export interface Config {
  http: {
    port: number;
    host: string;
    rateLimitPerMinute: number;
    shutdownGraceMs: number;
    /** Failed API-key checks per client address per minute, across all replicas. */
    authFailuresPerMinute: number;
    /** Callbacks per client address per minute on /v1/acks, across all replicas. */
    callbacksPerMinute: number;
    /** Requests per client address per minute on the routes open without a key (probes, metrics, the console's doors), per replica. */
    openPerMinute: number;
    /** How long a client may take to send a request's headers, and the whole request. */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    /** express `trust proxy`: false, or which proxies' X-Forwarded-* headers to believe. */
    trustProxy: boolean | number | string;
  };
  database: { url: string; poolSize: number; statementTimeoutMs: number };
  apiKeys: readonly ApiKeyEntry[];
  homeCountry: string;
  geoip: { countryDb: string | null; asnDb: string | null; maxAgeDays: number };
  dns: { servers: string[] | null; timeoutMs: number; tries: number };
  registry: {
    enabled: boolean;
    rdapBootstrapUrl: string | null;
    timeoutMs: number;
    fallbackUrl: string | null;
    /** Admit http and loopback registry URLs: the local stand-ins of the tests and the demo only. */
    localTestMode: boolean;
  };
  /** Where `referral data update` writes published data (CDN lists, RDAP bootstrap); null: bundled copies only. */
  publishedDataDir: string | null;
  destinations: DestinationSettings;
  ackSecrets: Readonly<Record<Destination, readonly string[]>>;
  delivery: { retryBaseMs: number; retryMaxDelayMs: number; retryBudgetMs: number; leaseMs: number; recheckHostingAfterMs: number };
  locating: { giveUpAfterMs: number };
  stillOnlineAfterMs: number;
  /** The takedown clock's marks, shortest first; past the last one a case is overdue for removal. */
  takedownTargets: readonly TakedownMark[];
  /** A delivered case is asked for news at most this often (acknowledged ones ten times less). */
  ackPollIntervalMs: number;
  schedules: {
    enabled: boolean;
    dispatch: string;
    locate: string;
    ackPoll: string;
    reconcile: string;
    geoipRefresh: string;
    dailySummary: string;
    auditCheckpoint: string;
    iccamPoll: string;
    iccamLookups: string;
  };
  /** Checkpoint signing key (never in the database) and the copy of checkpoints outside it. */
  audit: { signingKeyFile: string; checkpointFile: string };
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  /**
   * The web console (contract §3, `/console/`). Without a session secret every start makes a
   * random one: sessions then end at restart and are not shared between replicas.
   */
  console: { sessionSecret: string | null; idleMs: number; maxSessionMs: number; signInPerMinute: number };
}

function readVariables(env: Record<string, string | undefined>): Variables {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(VARIABLES)) {
    const raw = env[name];
    // An empty value means "not set", as in most .env conventions.
    const result = (schema as z.ZodType).safeParse(raw === '' ? undefined : raw);
    if (!result.success) {
      const problem = result.error.issues[0]?.message ?? 'is invalid';
      throw new ConfigError(name, raw === undefined ? `is required (${problem})` : `is malformed: ${problem}`);
    }
    out[name] = result.data;
  }
  return out as Variables;
}

/** Both-or-neither settings: a half-configured destination is an error, not a silent gap. */
function requireTogether(v: Variables, names: (keyof Variables)[]): boolean {
  const set = names.filter((n) => v[n] !== undefined);
  if (set.length === 0) return false;
  const missing = names.find((n) => v[n] === undefined);
  if (missing) throw new ConfigError(missing, `is required when ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set`);
  return true;
}

function parseAckSecrets(raw: string): Record<Destination, string[]> {
  const secrets: Record<Destination, string[]> = { police: [], inhope: [] };
  for (const entry of raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf(':');
    const destination = entry.slice(0, at) as Destination;
    const secret = entry.slice(at + 1);
    if (at < 1 || !DESTINATIONS.includes(destination) || secret.length < 16) {
      throw new ConfigError('ACK_SECRETS', 'is malformed: entries are destination:secret (police or inhope, secret of 16+ characters)');
    }
    try {
      decodeWebhookSecret(secret);
    } catch (error) {
      throw new ConfigError('ACK_SECRETS', `is malformed: ${coerceError(error).message}`);
    }
    secrets[destination].push(secret); // several per destination: secret rotation
  }
  return secrets;
}

function readTakedownTargets(raw: string): TakedownMark[] {
  try {
    return parseTakedownTargets(raw);
  } catch (error) {
    throw new ConfigError('TAKEDOWN_TARGETS', `is malformed: ${coerceError(error).message}`);
  }
}

function parseTrustProxy(raw: string): boolean | number | string {
  if (raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const v = readVariables(env);
  const hasPolice = requireTogether(v, ['POLICE_EXPORT_URL', 'POLICE_EXPORT_TOKEN']);
  const hasIccam = requireTogether(v, ['ICCAM_URL', 'ICCAM_USERNAME', 'ICCAM_PASSWORD']);
  requireTogether(v, ['ICCAM_CLIENT_CERT', 'ICCAM_CLIENT_KEY']);
  if (v.ICCAM_IMPORT === 'on' && !hasIccam)
    throw new ConfigError('ICCAM_IMPORT', 'is on, but ICCAM is not configured (ICCAM_URL, ICCAM_USERNAME, ICCAM_PASSWORD)');
  let apiKeys: ApiKeyEntry[];
  try {
    apiKeys = parseApiKeyEntries(v.API_KEYS);
  } catch (error) {
    throw new ConfigError('API_KEYS', `is malformed: ${coerceError(error).message}`);
  }
  const config: Config = {
    http: {
      port: v.PORT,
      host: v.HOST,
      rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE,
      shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
      authFailuresPerMinute: v.AUTH_FAILURES_PER_MINUTE,
      callbacksPerMinute: v.CALLBACKS_PER_MINUTE,
      openPerMinute: v.OPEN_RATE_LIMIT_PER_MINUTE,
      headersTimeoutMs: v.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: v.HTTP_REQUEST_TIMEOUT_MS,
      trustProxy: parseTrustProxy(v.TRUST_PROXY),
    },
    database: { url: v.DATABASE_URL, poolSize: v.DATABASE_POOL_SIZE, statementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_MS },
    apiKeys,
    homeCountry: v.HOME_COUNTRY,
    geoip: { countryDb: v.GEOIP_COUNTRY_DB ?? null, asnDb: v.GEOIP_ASN_DB ?? null, maxAgeDays: v.GEOIP_MAX_AGE_DAYS },
    dns: { servers: v.DNS_SERVERS ?? null, timeoutMs: v.DNS_TIMEOUT_MS, tries: v.DNS_TRIES },
    registry: {
      enabled: v.REGISTRY_LOOKUPS,
      rdapBootstrapUrl: v.RDAP_BOOTSTRAP_URL ?? null,
      timeoutMs: v.RDAP_TIMEOUT_MS,
      fallbackUrl: v.RDAP_FALLBACK_URL === '' ? null : v.RDAP_FALLBACK_URL,
      localTestMode: v.RDAP_LOCAL_TEST_MODE,
    },
    publishedDataDir: v.PUBLISHED_DATA_DIR === '' ? null : v.PUBLISHED_DATA_DIR,
    destinations: {
      police: hasPolice ? { baseUrl: v.POLICE_EXPORT_URL!, token: v.POLICE_EXPORT_TOKEN! } : null,
      inhope: hasIccam
        ? {
            baseUrl: v.ICCAM_URL!,
            username: v.ICCAM_USERNAME!,
            password: v.ICCAM_PASSWORD!,
            analystName: v.ICCAM_ANALYST_NAME ?? v.ICCAM_USERNAME!,
            timeoutMs: v.ICCAM_TIMEOUT_MS,
            import: { enabled: v.ICCAM_IMPORT === 'on', intervalMs: v.ICCAM_IMPORT_INTERVAL_MS },
            clientCertFile: v.ICCAM_CLIENT_CERT ?? null,
            clientKeyFile: v.ICCAM_CLIENT_KEY ?? null,
            clientKeyPassphrase: v.ICCAM_CLIENT_KEY_PASSPHRASE ?? null,
            caFile: v.ICCAM_CA ?? null,
            minIntervalMs: v.ICCAM_MIN_INTERVAL_MS,
            loginPauseMs: v.ICCAM_LOGIN_PAUSE_MS,
            pollDeliveredMs: v.ICCAM_POLL_DELIVERED_MS,
            pollAcknowledgedMs: v.ICCAM_POLL_ACKNOWLEDGED_MS,
            notReadyRetryMs: v.ICCAM_NOT_READY_RETRY_MS,
            contentTypes: { media: v.ICCAM_CONTENT_TYPE_MEDIA, website: v.ICCAM_CONTENT_TYPE_WEBSITE },
            paymentMethods: v.ICCAM_PAYMENT_METHODS,
          }
        : null,
      caFile: v.DESTINATION_CA_FILE ?? null,
      timeoutMs: v.DESTINATION_TIMEOUT_MS,
      concurrency: { police: v.POLICE_CONCURRENCY, inhope: v.INHOPE_CONCURRENCY },
      overdueMs: { police: v.OVERDUE_POLICE_MS, inhope: v.OVERDUE_INHOPE_MS },
      resendAfterMs: { police: Math.round(v.OVERDUE_POLICE_MS * v.OVERDUE_RESEND_FACTOR), inhope: Math.round(v.OVERDUE_INHOPE_MS * v.OVERDUE_RESEND_FACTOR) },
    },
    ackSecrets: parseAckSecrets(v.ACK_SECRETS),
    delivery: {
      retryBaseMs: v.RETRY_BASE_MS,
      retryMaxDelayMs: v.RETRY_MAX_DELAY_MS,
      retryBudgetMs: v.RETRY_BUDGET_MS,
      leaseMs: v.LEASE_MS,
      recheckHostingAfterMs: v.RECHECK_HOSTING_AFTER_MS,
    },
    locating: { giveUpAfterMs: v.LOCATE_GIVE_UP_AFTER_MS },
    stillOnlineAfterMs: v.STILL_ONLINE_AFTER_MS,
    takedownTargets: readTakedownTargets(v.TAKEDOWN_TARGETS),
    ackPollIntervalMs: v.ACK_POLL_INTERVAL_MS,
    schedules: {
      enabled: v.JOBS_ENABLED,
      dispatch: v.SCHEDULE_DISPATCH,
      locate: v.SCHEDULE_LOCATE,
      ackPoll: v.SCHEDULE_ACK_POLL,
      reconcile: v.SCHEDULE_RECONCILE,
      geoipRefresh: v.SCHEDULE_GEOIP_REFRESH,
      dailySummary: v.SCHEDULE_DAILY_SUMMARY,
      auditCheckpoint: v.SCHEDULE_AUDIT_CHECKPOINT,
      iccamPoll: v.SCHEDULE_ICCAM_POLL,
      iccamLookups: v.SCHEDULE_ICCAM_LOOKUPS,
    },
    audit: { signingKeyFile: v.AUDIT_SIGNING_KEY_FILE, checkpointFile: v.AUDIT_CHECKPOINT_FILE },
    logLevel: v.LOG_LEVEL,
    console: {
      sessionSecret: v.CONSOLE_SESSION_SECRET ?? null,
      idleMs: v.CONSOLE_IDLE_MINUTES * 60_000,
      maxSessionMs: v.CONSOLE_SESSION_HOURS * 3_600_000,
      signInPerMinute: v.CONSOLE_SIGN_IN_PER_MINUTE,
    },
  };
  return deepFreeze(config);
}
