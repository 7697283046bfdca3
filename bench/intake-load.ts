/**
 * The load the intake benchmarks put on a server, the same for the service and for the bare
 * baseline so their ratio compares like with like: 16 connections posting referral bodies of
 * two URLs, each with a new reportId.
 *
 * The service and the baseline are measured in alternating rounds (service, baseline, service,
 * …) after both are warmed up (JIT, statement caches, the first pages of each index): a VM's
 * speed drifts over a run, and alternating gives both sides the same machine, where two
 * back-to-back runs of 8 s each saw the baseline alone swing by a quarter.
 */
import autocannon from 'autocannon';

const CONNECTIONS = 16;
const WARMUP_SECONDS = 3;

/** A server that takes referrals: where, and with which headers. */
export interface IntakeTarget {
  port: number;
  headers: Record<string, string>;
  /** Distinguishes report ids between targets and runs. */
  reportPrefix: string;
  close(): Promise<void>;
}

export interface IntakeRound {
  ok: number;
  seconds: number;
  non2xx: number;
  p50: number;
  p99: number;
}

/** The n-th referral body of a run: two URLs on a few dozen hosts, one of them an image. */
function referralBody(reportId: string, n: number): string {
  return JSON.stringify({
    reportId,
    urls: [{ url: `https://host-${n % 97}.bench.test/a/${n}.jpg`, contentType: 'image' }, { url: `https://host-${n % 89}.bench.test/b/${n}` }],
    classification: { category: 'baseline', ageGroup: 'prepubescent' },
  });
}

const counters = new WeakMap<IntakeTarget, { n: number }>();

/** Posts referrals to `target` for `seconds` (each body a new report) and says how it went. */
export async function loadIntake(target: IntakeTarget, seconds: number): Promise<IntakeRound> {
  const counter = counters.get(target) ?? { n: 0 };
  counters.set(target, counter);
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/referrals',
        headers: { 'content-type': 'application/json', ...target.headers },
        setupRequest: (req) => ({ ...req, body: referralBody(`${target.reportPrefix}-${++counter.n}`, counter.n) }),
      },
    ],
  });
  return { ok: result['2xx'], seconds: result.duration, non2xx: result.non2xx + result.errors, p50: result.latency.p50, p99: result.latency.p99 };
}

export function warmUp(target: IntakeTarget): Promise<IntakeRound> {
  return loadIntake(target, WARMUP_SECONDS);
}

/** Rounds of one side, summed: referrals per second over all of them, the worst p99, the median p50. */
export function summarise(rounds: readonly IntakeRound[]): { perSecond: number; p50: number; p99: number; non2xx: number } {
  const sorted = rounds.map((r) => r.p50).sort((a, b) => a - b);
  return {
    perSecond: rounds.reduce((sum, r) => sum + r.ok, 0) / rounds.reduce((sum, r) => sum + r.seconds, 0),
    p50: sorted[Math.floor(sorted.length / 2)]!,
    p99: Math.max(...rounds.map((r) => r.p99)),
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
  };
}
