/**
 * An exclusive job's lease is renewed while a run lasts, so a long run (a paced ICCAM pass)
 * keeps its job without a long fixed lease, and a replica killed mid-run hands the job over
 * within one lease.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScheduledJob } from '../../src/jobs/scheduled-job.js';
import { createTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
afterEach(async () => {
  vi.useRealTimers();
  await svc.close();
});

describe('an exclusive job that runs longer than its lease', () => {
  it('renews the lease while it runs, so no other replica takes the job meanwhile', async () => {
    svc = await createTestService();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let finish!: () => void;
    let started = false;
    const job = new ScheduledJob(svc.ctx, {
      name: 'long-pass',
      schedule: '0 0 1 1 *',
      exclusive: true,
      leaseMs: 3_000,
      run: () =>
        new Promise((resolve) => {
          started = true;
          finish = () => resolve({ done: 1 });
        }),
    });
    const run = job.runOnce();
    await vi.waitFor(() => expect(started).toBe(true));
    const t0 = svc.clock.now().getTime();

    // Past the first lease's end, the holder has renewed it: another replica is refused.
    svc.clock.advance(2_500);
    vi.advanceTimersByTime(1_000);
    svc.clock.advance(1_500);
    await vi.waitFor(async () => expect(await svc.ctx.store.acquireJobLease('long-pass', 'other-replica', t0 + 4_000, 3_000)).toBe(false));

    finish();
    expect(await run).toMatchObject({ status: 'ok' });
    await job.stop();
    // Once no run renews it, the lease lapses and another replica takes the job.
    expect(await svc.ctx.store.acquireJobLease('long-pass', 'other-replica', t0 + 10_000, 3_000)).toBe(true);
  });
});
