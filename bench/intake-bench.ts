/**
 * Intake throughput: referrals per second over loopback HTTP, with p50/p99 latency, against
 * the real app on a fresh store. Each request carries a new reportId, so every one writes a
 * referral, its handovers and their audit events.
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intakeLoad, referralBody } from './intake-load.js';
import { hashKeySecret } from '../src/config/api-keys.js';
import { createApp } from '../src/http/app.js';
import { benchConfig, benchContext, dropSchema, newSchemaName, openBenchStore, type BenchDatabase } from './bench-support.js';
import type { BenchFigure } from './figures.js';

const SECRET = 'bench-analyst-secret-0001';

/**
 * `postgres: true` runs on the machine's PostgreSQL in a schema of its own, dropped afterwards;
 * otherwise on a SQLite file in a temporary directory.
 */
export async function benchIntake(options: { label: string; postgres?: boolean; durationSeconds?: number; connections?: number }): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-bench-'));
  const db: BenchDatabase = options.postgres ? { kind: 'postgres', schema: newSchemaName('intake') } : { kind: 'sqlite', file: join(dir, 'bench.db') };
  const config = benchConfig(db, {
    API_KEYS: `bench:analyst:${hashKeySecret(SECRET).toString('hex')}`,
    RATE_LIMIT_PER_MINUTE: '100000000',
  });
  const ctx = await benchContext(config, openBenchStore(db));
  await ctx.store.migrate();
  const app = createApp(ctx);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  let n = 0;
  const run = Math.random().toString(36).slice(2, 8);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    ...intakeLoad(options.durationSeconds ?? 10, options.connections),
    requests: [
      {
        method: 'POST',
        path: '/v1/referrals',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
        setupRequest: (req) => ({
          ...req,
          body: referralBody(`BENCH-${run}-${++n}`, n),
        }),
      },
    ],
  });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await ctx.store.close();
  if (db.kind === 'postgres') await dropSchema(db.schema);
  rmSync(dir, { recursive: true, force: true });
  const ok = result['2xx'];
  return [
    { name: `intake ${options.label}: referrals/s (2 URLs each)`, value: Math.round(ok / result.duration), unit: 'req/s' },
    { name: `intake ${options.label}: latency p50`, value: result.latency.p50, unit: 'ms' },
    { name: `intake ${options.label}: latency p99`, value: result.latency.p99, unit: 'ms' },
    { name: `intake ${options.label}: non-2xx answers`, value: result.non2xx + result.errors, unit: 'count' },
  ];
}
