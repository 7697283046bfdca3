/**
 * An unauthenticated flood of each route open without a key, for FLOOD_SECONDS each, against
 * the real service (`referral serve` in a process of its own, every limit on open routes and
 * failed authentication at its default),
 * while one analyst refers a report at a time: the p99 of those referrals is the figure
 * (target under 100 ms). The flood comes from a worker thread, the referrals from this
 * thread, so neither waits on the other's event loop. Printed, never asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { hashKeySecret } from '../src/config/api-keys.js';
import { percentile, round } from './bench-support.js';
import type { BenchFigure } from './figures.js';

const SECRET = 'bench-flood-analyst-0001';
const OPEN_ROUTES = ['/healthz', '/readyz', '/metrics', '/openapi.json', '/console/sign-in', '/console/static/console.css'] as const;
const FLOOD_CONNECTIONS = 32;

interface RunningService {
  port: number;
  child: ChildProcess;
  dir: string;
}

/** `referral serve` on SQLite in a scratch directory, on a free port; resolves once it listens. */
async function startService(): Promise<RunningService> {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-bench-flood-'));
  const child = spawn(process.execPath, ['bin/referral.mjs', 'serve'], {
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'referrals.db')}`,
      API_KEYS: `bench:analyst:${hashKeySecret(SECRET).toString('hex')}`,
      // The timed analyst sends far more than a person would: the per-key limit is not what is measured.
      RATE_LIMIT_PER_MINUTE: '100000000',
      JOBS_ENABLED: 'false',
      REGISTRY_LOOKUPS: 'false',
      AUDIT_SIGNING_KEY_FILE: join(dir, 'audit-signing.key'),
      AUDIT_CHECKPOINT_FILE: join(dir, 'audit-checkpoints.jsonl'),
      PUBLISHED_DATA_DIR: '',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`referral serve exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const bind = /"bind":"[^"]*:(\d+)"/.exec(line);
      if (bind) resolve(Number(bind[1]));
    });
  });
  // The access log is not the figure: drain it so the pipe never blocks the service.
  child.stdout!.resume();
  return { port, child, dir };
}

async function stopService(service: RunningService): Promise<void> {
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGTERM');
  await exited;
  rmSync(service.dir, { recursive: true, force: true });
}

/** One referral after another for `seconds`; the latency of each, in ms. */
async function timeReferrals(port: number, seconds: number, prefix: string): Promise<number[]> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  for (let n = 0; performance.now() < until; n++) {
    const body = JSON.stringify({
      reportId: `${prefix}-${n}`,
      urls: [{ url: `https://host-${n % 97}.bench.test/${prefix}/${n}.jpg`, contentType: 'image' }],
      classification: { category: 'baseline', ageGroup: 'prepubescent' },
    });
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/v1/referrals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`a timed referral was answered ${res.status}`);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

const p99 = (latencies: number[]) =>
  percentile(
    [...latencies].sort((a, b) => a - b),
    99,
  );

export async function benchOpenFlood(seconds: number): Promise<BenchFigure[]> {
  const service = await startService();
  const figures: BenchFigure[] = [];
  try {
    await timeReferrals(service.port, 2, 'WARM');
    const quiet = await timeReferrals(service.port, seconds / 2, 'QUIET');
    figures.push({ name: 'open flood: referral p99 with no flood (target < 100)', value: round(p99(quiet), 1), unit: `ms (${quiet.length} referrals)` });
    for (const route of OPEN_ROUTES) {
      const flood = autocannon({ url: `http://127.0.0.1:${service.port}${route}`, connections: FLOOD_CONNECTIONS, duration: seconds, workers: 1 });
      const timed = await timeReferrals(service.port, seconds, `FLOOD${OPEN_ROUTES.indexOf(route)}`);
      const result = await flood;
      const refused = result.statusCodeStats?.['429']?.count ?? 0;
      figures.push({
        name: `open flood ${route}: referral p99 while flooded (target < 100)`,
        value: round(p99(timed), 1),
        unit: `ms (${timed.length} referrals; flood ${Math.round(result.requests.total / result.duration)} req/s, ${Math.round((refused / Math.max(1, result.requests.total)) * 100)} % 429)`,
      });
    }
  } finally {
    await stopService(service);
  }
  return figures;
}
