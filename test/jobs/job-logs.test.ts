/**
 * Job log lines (issue #13): a run a request merely triggered does not carry that request's
 * id, and the dispatch run line reports only what is known when it is written, its sends'
 * outcomes following once they settle.
 */
import type { Locator } from '../../src/locate/locator.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { ScheduledJob } from '../../src/jobs/scheduled-job.js';
import { serviceJobDefinitions } from '../../src/jobs/service-jobs.js';
import { Wakeup } from '../../src/domain/wakeup.js';
import { runInRequestScope } from '../../src/logging/request-scope.js';
import { createTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
const jobs: ScheduledJob[] = [];
afterEach(async () => {
  for (const job of jobs.splice(0)) await job.stop();
  await svc.close();
});

type Line = { message: string; job?: string; requestId?: string } & Record<string, unknown>;
const lines = () => svc.logs.lines.map((l) => JSON.parse(l) as Line);

describe('job log lines', () => {
  it('carry no request id when a request only nudged the job', async () => {
    svc = await createTestService();
    const wakeup = new Wakeup();
    const job = new ScheduledJob(svc.ctx, { name: 'nudged', schedule: '0 0 1 1 *', exclusive: false, wakeups: [wakeup], run: async () => ({ done: 1 }) });
    jobs.push(job);
    job.start();
    runInRequestScope('req-from-intake', () => {
      svc.ctx.logger.info('inside the request');
      wakeup.notify();
    });
    await vi.waitFor(() => expect(lines().some((l) => l.message === 'job run')).toBe(true));
    expect(lines().find((l) => l.message === 'inside the request')!.requestId).toBe('req-from-intake');
    expect(lines().find((l) => l.message === 'job run')).not.toHaveProperty('requestId');
  });

  it('dispatch: the run line has no outcome counts yet; a second line gives them once the sends settle', async () => {
    svc = await createTestService();
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const summary = { claimed: 2, delivered: 0, retried: 0, failed: 0, leaseLost: 0, rechecked: 0, held: {} };
    const dispatcher = {
      runOnce: async () => summary,
      drain: () => settled,
    } as unknown as Dispatcher;
    const dispatch = serviceJobDefinitions(svc.ctx, { locator: {} as Locator, dispatcher, adapters: {} }).find((d) => d.name === 'dispatch')!;
    const job = new ScheduledJob(svc.ctx, dispatch);
    jobs.push(job);
    await job.runOnce();
    const run = lines().find((l) => l.message === 'job run' && l.job === 'dispatch')!;
    expect(run).toMatchObject({ claimed: 2 });
    expect(run).not.toHaveProperty('delivered');
    summary.delivered = 1;
    summary.retried = 1;
    settle();
    await vi.waitFor(() =>
      expect(lines().find((l) => l.message === 'dispatch sends settled')).toMatchObject({ claimed: 2, delivered: 1, retried: 1, failed: 0 }),
    );
  });
});
