/**
 * What the benchmarks share: the PostgreSQL server and a fresh schema per run (dropped
 * afterwards), a quiet service context on an explicit store, seeding handovers through the
 * store, and timing helpers. Nothing here is used by the service itself.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config/config.js';
import { compose, type Composed, type ComposeOverrides } from '../src/compose.js';
import type { Context } from '../src/context.js';
import { createLogger } from '../src/logging/logger.js';
import { createMetrics } from '../src/metrics/metrics.js';
import { applyEvidence } from '../src/services/locate-and-route.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { TableLocator } from '../test/support/table-locator.js';

/** The machine's PostgreSQL (trust auth); BENCH_DATABASE_URL points elsewhere. */
export const BENCH_POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function newSchemaName(prefix: string): string {
  return `bench_${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Where a benchmark's store lives: a SQLite file, or a schema of its own on PostgreSQL. */
export type BenchDatabase = { kind: 'sqlite'; file: string } | { kind: 'postgres'; schema: string };

function databaseUrl(db: BenchDatabase): string {
  return db.kind === 'sqlite' ? `sqlite:${db.file}` : BENCH_POSTGRES_URL;
}

export function openBenchStore(db: BenchDatabase, poolSize = 10): Store {
  return openStore({ url: databaseUrl(db), poolSize, statementTimeoutMs: 30_000, ...(db.kind === 'postgres' ? { schema: db.schema } : {}) });
}

/** The real config parser with jobs off, and whatever a benchmark sets on top. */
export function benchConfig(db: BenchDatabase, env: Record<string, string> = {}): Config {
  return loadConfig({ DATABASE_URL: databaseUrl(db), JOBS_ENABLED: 'false', REGISTRY_LOOKUPS: 'false', ...env });
}

/** The real service composed with logs off, on an explicit store (PostgreSQL schemas need one), stand-in locator, no destinations unless given. */
export function benchCompose(config: Config, store: Store, overrides: ComposeOverrides = {}): Promise<Composed> {
  return compose(config, {
    store,
    logger: createLogger({ level: 'error', silent: true }),
    metrics: createMetrics(),
    locator: benchLocator(),
    adapters: {},
    ...overrides,
  });
}

/** Its context alone (seeding, intake). */
export async function benchContext(config: Config, store: Store, processId?: string): Promise<Context> {
  return (await benchCompose(config, store, processId ? { processId } : {})).ctx;
}

/** Hosts the seeded handovers point at: half go to the police, half to ICCAM (NL). */
const BENCH_HOSTS = { police: 'be-host.bench.test', inhope: 'nl-host.bench.test' } as const;

export function benchLocator(): TableLocator {
  return new TableLocator({ [BENCH_HOSTS.police]: { geo: 'BE' }, [BENCH_HOSTS.inhope]: { geo: 'NL' } });
}

const CLASSIFICATION = { category: 'baseline', ageGroup: 'prepubescent' } as const;

/**
 * Creates `count` handovers through the store, `perReferral` URLs to a referral, left in
 * `locating` (the cheapest way to grow the table: one transaction per referral).
 */
export async function seedReferrals(ctx: Context, count: number, options: { perReferral?: number; tag?: string; startAt?: number } = {}): Promise<string[]> {
  const per = options.perReferral ?? 100;
  const tag = options.tag ?? randomBytes(3).toString('hex');
  const ids: string[] = [];
  const now = ctx.clock.now().getTime();
  for (let made = 0, r = options.startAt ?? 0; made < count; r += 1) {
    const n = Math.min(per, count - made);
    const urls = Array.from({ length: n }, (_, i) => {
      const host = (made + i) % 2 === 0 ? BENCH_HOSTS.police : BENCH_HOSTS.inhope;
      return { handoverId: ctx.newId(), url: `https://${host}/${tag}/${r}/${i}.jpg`, contentType: 'image' as const };
    });
    await ctx.store.createReferral(
      { id: ctx.newId(), reportId: `BENCH-${tag}-${r}`, bodyHash: `seed-${tag}-${r}`, classification: CLASSIFICATION, reportedAt: null, urls },
      'key:bench',
      now,
    );
    ids.push(...urls.map((u) => u.handoverId));
    made += n;
  }
  return ids;
}

/** Seeds `count` handovers and routes each on table evidence, through the real workflow. */
export async function seedRouted(ctx: Context, count: number, options: { perReferral?: number; tag?: string } = {}): Promise<string[]> {
  const ids = await seedReferrals(ctx, count, { perReferral: options.perReferral ?? 10, ...(options.tag ? { tag: options.tag } : {}) });
  const locator = benchLocator();
  for (const id of ids) {
    const handover = (await ctx.store.getHandover(id))!;
    const outcome = await applyEvidence(ctx, handover, await locator.locate(handover.url));
    if (outcome !== 'routed') throw new Error(`seeded handover ${id} was not routed (${outcome})`);
  }
  return ids;
}

export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return NaN;
  const i = Math.min(sortedAscending.length - 1, Math.max(0, Math.ceil((p / 100) * sortedAscending.length) - 1));
  return sortedAscending[i]!;
}

export const round = (value: number, digits = 0) => Number(value.toFixed(digits));
