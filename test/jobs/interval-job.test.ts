/**
 * A job whose period is a setting in ms (ICCAM_IMPORT_INTERVAL_MS) runs every that many ms, never
 * overlapping itself, and stops when told; its lease is two periods.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScheduledJob } from '../../src/jobs/scheduled-job.js';
import { createTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
afterEach(async () => {
  vi.useRealTimers();
  await svc.close();
});

describe('a job run every so many ms', () => {
  it('runs every period, skips a tick while a run lasts, and stops', async () => {
    svc = await createTestService();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let runs = 0;
    let hold: Promise<void> | null = null;
    const job = new ScheduledJob(svc.ctx, {
      name: 'every-second',
      schedule: 'every 1 s',
      everyMs: 1_000,
      exclusive: false,
      run: async () => {
        runs++;
        if (hold) await hold;
        return { runs };
      },
    });
    expect(job.leaseMs).toBe(2_000);
    job.start();
    for (let tick = 1; tick <= 3; tick++) {
      vi.advanceTimersByTime(1_000);
      await vi.waitFor(() => expect(runs).toBe(tick));
    }
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    vi.advanceTimersByTime(1_000);
    await vi.waitFor(() => expect(runs).toBe(4));
    // Still running: the next two ticks are skipped, not stacked.
    vi.advanceTimersByTime(2_000);
    release();
    hold = null;
    await job.stop();
    vi.advanceTimersByTime(5_000);
    expect(runs).toBe(4);
  });
});
