/**
 * The load both intake benchmarks put on their server, so their ratio compares like with like:
 * 16 connections, each server warmed up for 2 s (JIT, statement caches, the first pages of each
 * index) before the measured seconds, and the same referral bodies.
 */
const CONNECTIONS = 16;

export function intakeLoad(durationSeconds: number, connections = CONNECTIONS) {
  return { connections, duration: durationSeconds, warmup: { connections, duration: 2 } };
}

/** The n-th referral body of a run: two URLs on a few dozen hosts, one of them an image. */
export function referralBody(reportId: string, n: number): string {
  return JSON.stringify({
    reportId,
    urls: [{ url: `https://host-${n % 97}.bench.test/a/${n}.jpg`, contentType: 'image' }, { url: `https://host-${n % 89}.bench.test/b/${n}` }],
    classification: { category: 'baseline', ageGroup: 'prepubescent' },
  });
}
