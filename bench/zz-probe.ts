import { performance } from 'node:perf_hooks';
import { createComponents } from '../src/components.js';
import { pollAcknowledgements } from '../src/delivery/ack-poller.js';
import { createIccamAdapter } from '../src/delivery/destinations/iccam-exchange.js';
import { createPoliceAdapter } from '../src/delivery/destinations/police-export.js';
import { systemClock } from '../src/domain/clock.js';
import { startIccamStandin } from '../scripts/sandbox/iccam-standin.js';
import { startPoliceStandin } from '../scripts/sandbox/police-standin.js';
import { benchConfig, benchContext, benchLocator, openBenchStore, seedRouted, newSchemaName, dropSchema, type BenchDatabase } from './bench-support.js';
const kind = process.argv[2] ?? 'sqlite';
const db: BenchDatabase = kind === 'sqlite' ? { kind: 'sqlite', file: `/tmp/zz-probe-${Date.now()}.db` } : { kind: 'postgres', schema: newSchemaName('probe') };
const police = await startPoliceStandin({ token: 'bench-police', behaviour: { ackAfterMs: 0 } });
const iccam = await startIccamStandin({ username: 'bench', password: 'bench', behaviour: { ackAfterMs: 0 } });
const config = benchConfig(db, { POLICE_CONCURRENCY: '8', INHOPE_CONCURRENCY: '8' });
const ctx = benchContext(config, openBenchStore(db));
await ctx.store.migrate();
let t = performance.now();
await seedRouted(ctx, 200);
console.log('seed 200', performance.now() - t);
const locator = benchLocator();
const parts = await createComponents(ctx, async () => locator, { locator, adapters: {
  police: createPoliceAdapter({ baseUrl: police.url, token: 'bench-police', timeoutMs: 10_000, clock: systemClock }),
  inhope: createIccamAdapter({ baseUrl: iccam.url, username: 'bench', password: 'bench', timeoutMs: 10_000, clock: systemClock }) } });
for (let i = 0; i < 6; i++) {
  t = performance.now(); const s = await parts.dispatcher.runOnce(); const d = performance.now() - t;
  t = performance.now(); const p = await pollAcknowledgements(ctx, parts.adapters, { intervalMs: 60000, limit: 64 }); const e = performance.now() - t;
  console.log('dispatch', s.claimed, s.delivered, d.toFixed(1), 'poll', p.asked, p.applied, e.toFixed(1));
}
// raw op timings
t = performance.now(); for (let i = 0; i < 50; i++) await ctx.store.getHandover('x'); console.log('getHandover', (performance.now() - t) / 50);
t = performance.now(); for (let i = 0; i < 50; i++) await ctx.store.markPolled(['x'], 1); console.log('markPolled', (performance.now() - t) / 50);
await ctx.store.close(); await police.close(); await iccam.close();
if (db.kind === 'postgres') await dropSchema(db.schema);
