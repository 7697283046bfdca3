/**
 * Growth: does the service slow down as the ledger grows? One SQLite store grown to each
 * size in turn (seeded through the store, 100 URLs to a referral); at each size, 200 intakes,
 * 200 claims (of 200 freshly routed handovers), cursor pages at the start and the end of the
 * table, and the statistics read (which loads every handover's timings).
 */
import { performance } from 'node:perf_hooks';
import type { Context } from '../src/context.js';
import { submitReferral } from '../src/services/intake.js';
import type { BenchFigure } from './figures.js';
import { benchConfig, benchContext, openBenchStore, percentile, round, seedReferrals, seedRouted } from './bench-support.js';

const CLASSIFICATION = { category: 'baseline', ageGroup: 'prepubescent' } as const;

async function sample(times: number, work: (i: number) => Promise<unknown>): Promise<{ mean: number; p99: number }> {
  const ms: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    await work(i);
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return { mean: ms.reduce((a, b) => a + b, 0) / ms.length, p99: percentile(ms, 99) };
}

async function measureAt(ctx: Context, size: number, tag: string): Promise<BenchFigure[]> {
  const label = size >= 1000 ? `${size / 1000}k` : String(size);
  let lastSeq = 0;
  const intake = await sample(200, async (i) => {
    const { handovers } = await submitReferral(
      ctx,
      {
        reportId: `GROWTH-${tag}-${i}`,
        urls: [{ url: `https://a-${i}.growth.test/x.jpg`, contentType: 'image' }, { url: `https://b-${i}.growth.test/y` }],
        classification: CLASSIFICATION,
      },
      'key:bench',
    );
    lastSeq = Math.max(lastSeq, ...handovers.map((h) => h.seq));
  });
  await seedRouted(ctx, 200, { tag: `${tag}-routed` });
  const now = ctx.clock.now().getTime();
  const claim = await sample(200, async (i) => {
    const claimed = await ctx.store.claimDue({
      destination: i % 2 === 0 ? 'police' : 'inhope',
      now,
      limit: 1,
      leaseMs: 60_000,
      token: `bench-${tag}-${i}`,
      actor: 'system:bench',
    });
    if (claimed.length !== 1) throw new Error('growth: a claim found nothing due');
  });
  const endPage = await sample(100, () => ctx.store.listHandovers({ afterSeq: lastSeq - 60, limit: 50 }));
  const firstPage = await sample(100, () => ctx.store.listHandovers({ limit: 50 }));
  const statsRead = await sample(3, () => ctx.store.listTimings());
  return [
    { name: `growth ${label}: intake (2 URLs) mean`, value: round(intake.mean, 2), unit: 'ms' },
    { name: `growth ${label}: intake p99`, value: round(intake.p99, 2), unit: 'ms' },
    { name: `growth ${label}: claim 1 due handover mean`, value: round(claim.mean, 2), unit: 'ms' },
    { name: `growth ${label}: claim p99`, value: round(claim.p99, 2), unit: 'ms' },
    { name: `growth ${label}: cursor page of 50, first page`, value: round(firstPage.mean, 3), unit: 'ms' },
    { name: `growth ${label}: cursor page of 50, end of table`, value: round(endPage.mean, 3), unit: 'ms' },
    { name: `growth ${label}: stats read (listTimings, all rows)`, value: round(statsRead.mean, 1), unit: 'ms' },
  ];
}

/** Grows one SQLite file through `sizes`; returns the figures and leaves the file for others. */
export async function benchGrowth(options: { file: string; sizes: readonly number[] }): Promise<{ figures: BenchFigure[]; handovers: number }> {
  const db = { kind: 'sqlite', file: options.file } as const;
  const ctx = await benchContext(benchConfig(db), openBenchStore(db));
  await ctx.store.migrate();
  const figures: BenchFigure[] = [];
  let held = 0;
  try {
    for (const [n, size] of options.sizes.entries()) {
      const started = performance.now();
      if (size > held) await seedReferrals(ctx, size - held, { perReferral: 100, tag: `g${n}` });
      const seededMs = performance.now() - started;
      figures.push({ name: `growth: seeding to ${size} handovers (100 per referral)`, value: round(seededMs / 1000, 1), unit: 's' });
      figures.push(...(await measureAt(ctx, size, `m${n}`)));
      // Measuring added its own rows (intakes, routed and claimed handovers).
      held = (await ctx.store.countByStateAndDestination()).reduce((sum, c) => sum + c.count, 0);
    }
    return { figures, handovers: held };
  } finally {
    await ctx.store.close();
  }
}
