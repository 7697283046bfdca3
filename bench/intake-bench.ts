/**
 * Intake throughput: referrals per second over loopback HTTP, with p50/p99 latency, against
 * the real app on a fresh store. Each request carries a new reportId, so every one writes a
 * referral, its handovers and their audit events. On SQLite it is measured in alternating
 * rounds with the bare baseline (bare-intake-bench.ts, intake-load.ts says why).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashKeySecret } from '../src/config/api-keys.js';
import { createApp } from '../src/http/app.js';
import { startBareIntake } from './bare-intake-bench.js';
import { benchConfig, benchContext, dropSchema, newSchemaName, openBenchStore, round, type BenchDatabase } from './bench-support.js';
import type { BenchFigure } from './figures.js';
import { loadIntake, summarise, warmUp, type IntakeRound, type IntakeTarget } from './intake-load.js';

const SECRET = 'bench-analyst-secret-0001';

/** The service on a fresh store: a SQLite file in a temporary directory, or a PostgreSQL schema of its own (dropped at close). */
async function startServiceIntake(postgres: boolean): Promise<IntakeTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-bench-'));
  const db: BenchDatabase = postgres ? { kind: 'postgres', schema: newSchemaName('intake') } : { kind: 'sqlite', file: join(dir, 'bench.db') };
  const config = benchConfig(db, {
    API_KEYS: `bench:analyst:${hashKeySecret(SECRET).toString('hex')}`,
    RATE_LIMIT_PER_MINUTE: '100000000',
  });
  const ctx = await benchContext(config, openBenchStore(db));
  await ctx.store.migrate();
  const server = createApp(ctx).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    headers: { authorization: `Bearer ${SECRET}` },
    reportPrefix: `BENCH-${Math.random().toString(36).slice(2, 8)}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await ctx.store.close();
      if (db.kind === 'postgres') await dropSchema(db.schema);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function intakeFigures(label: string, rounds: readonly IntakeRound[]): { perSecond: number; figures: BenchFigure[] } {
  const s = summarise(rounds);
  return {
    perSecond: s.perSecond,
    figures: [
      { name: `intake ${label}: referrals/s (2 URLs each)`, value: Math.round(s.perSecond), unit: 'req/s' },
      { name: `intake ${label}: latency p50 / p99 (worst round)`, value: s.p50, unit: `/ ${s.p99} ms` },
      { name: `intake ${label}: non-2xx answers`, value: s.non2xx, unit: 'count' },
    ],
  };
}

/** The service on SQLite against the bare baseline, in `rounds` alternating rounds of `secondsPerRound`. */
export async function benchIntakeAgainstBaseline(options: { rounds: number; secondsPerRound: number }): Promise<BenchFigure[]> {
  const service = await startServiceIntake(false);
  const bare = await startBareIntake();
  try {
    await warmUp(service);
    await warmUp(bare);
    const ours: IntakeRound[] = [];
    const baseline: IntakeRound[] = [];
    for (let i = 0; i < options.rounds; i++) {
      ours.push(await loadIntake(service, options.secondsPerRound));
      baseline.push(await loadIntake(bare, options.secondsPerRound));
    }
    const a = intakeFigures('SQLite', ours);
    const b = intakeFigures('bare baseline (express + SQLite, same settings, one row per body)', baseline);
    return [
      ...a.figures,
      ...b.figures,
      {
        name: `ratio: intake SQLite / bare baseline, ${options.rounds} alternating rounds (target ≥ 0.5)`,
        value: round(a.perSecond / b.perSecond, 3),
        unit: '×',
      },
      {
        name: 'ratio per round (lowest / highest)',
        value: round(Math.min(...ours.map((r, i) => r.ok / r.seconds / (baseline[i]!.ok / baseline[i]!.seconds))), 3),
        unit: `/ ${round(Math.max(...ours.map((r, i) => r.ok / r.seconds / (baseline[i]!.ok / baseline[i]!.seconds))), 3)} ×`,
      },
    ];
  } finally {
    await service.close();
    await bare.close();
  }
}

/** The service on PostgreSQL (the machine's, a schema of its own), warmed up, then one run. */
export async function benchPostgresIntake(seconds: number): Promise<BenchFigure[]> {
  const service = await startServiceIntake(true);
  try {
    await warmUp(service);
    return intakeFigures('PostgreSQL', [await loadIntake(service, seconds)]).figures;
  } finally {
    await service.close();
  }
}
