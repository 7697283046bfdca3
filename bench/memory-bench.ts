/**
 * Memory: resident size of a service context on a SQLite store holding `handovers`
 * handovers, and the per-entry cost of the ASN index and the DNS/RDAP caches, measured in a
 * fresh child process (memory-probe.ts) with --expose-gc. Given no store file, it seeds one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchFigure } from './figures.js';
import { benchConfig, benchContext, openBenchStore, round, seedReferrals } from './bench-support.js';
import type { MemoryReport, MemoryTask } from './memory-probe.js';
import { runWorkers } from './worker-processes.js';

export async function benchMemory(options: { handovers: number; sqliteFile?: string; dnsNames?: number; rdapNetworks?: number }): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-bench-memory-'));
  try {
    let file = options.sqliteFile;
    if (!file) {
      file = join(dir, 'memory.db');
      const db = { kind: 'sqlite', file } as const;
      const ctx = await benchContext(benchConfig(db), openBenchStore(db));
      await ctx.store.migrate();
      await seedReferrals(ctx, options.handovers, { perReferral: 100 });
      await ctx.store.close();
    }
    const task: MemoryTask = {
      sqliteFile: file,
      handovers: options.handovers,
      dnsNames: options.dnsNames ?? 3_000,
      rdapNetworks: options.rdapNetworks ?? 1_500,
    };
    const { reports } = await runWorkers<MemoryTask, MemoryReport>('./memory-probe.ts', [task], { execArgv: ['--expose-gc'], timeoutMs: 120_000 });
    const r = reports[0]!;
    const k = (n: number) => `${round(n / 1000, 1)}k`;
    return [
      { name: "memory: RSS, the service's modules loaded (baseline)", value: round(r.baselineRssMb, 1), unit: 'MiB' },
      { name: `memory: RSS, context + app on SQLite holding ${k(options.handovers)} handovers`, value: round(r.contextRssMb, 1), unit: 'MiB' },
      { name: 'memory: RSS, plus a locator with its ASN index and these caches filled', value: round(r.fullRssMb, 1), unit: 'MiB' },
      { name: `memory: ASN index (${round(r.asnEntries / 1000, 0)}k ranges), total`, value: round(r.asnTotalMb, 1), unit: 'MiB' },
      { name: 'memory: ASN index per range', value: round(r.asnBytesPerEntry, 1), unit: 'bytes' },
      { name: `memory: DNS cache per name (${k(task.dnsNames)} cached)`, value: round(r.dnsBytesPerEntry), unit: 'bytes' },
      { name: `memory: RDAP cache per network (${k(task.rdapNetworks)} cached)`, value: round(r.rdapBytesPerEntry), unit: 'bytes' },
      { name: 'locate warm, RDAP cache holding 1 network', value: round(r.warmLocateUsSmallCache), unit: 'µs/URL' },
      { name: `locate warm, RDAP cache holding ${k(task.rdapNetworks)} networks`, value: round(r.warmLocateUsFullCache), unit: 'µs/URL' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
