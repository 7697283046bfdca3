/**
 * The scheduled audit checkpoint: one replica per period, a key created on first use (0600,
 * public half beside it), each run sealing what is new and appending it to the file.
 */
import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCheckpointFile } from '../../src/audit/checkpoint-file.js';
import { auditCheckpointJob } from '../../src/jobs/audit-checkpoint.js';
import { ScheduledJob } from '../../src/jobs/scheduled-job.js';
import { newReferral } from '../store/store-contract.js';
import { createTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
beforeEach(async () => {
  svc = await createTestService();
  await svc.ctx.store.migrate();
});
afterEach(() => svc.close());

describe('the audit-checkpoint job', () => {
  it('runs in one replica per period, every minute by default', () => {
    const job = auditCheckpointJob(svc.ctx);
    expect(job).toMatchObject({ name: 'audit-checkpoint', exclusive: true, schedule: '* * * * *' });
  });

  it('creates the key on first use, then seals only what is new', async () => {
    const job = new ScheduledJob(svc.ctx, auditCheckpointJob(svc.ctx));
    expect(await job.runOnce()).toMatchObject({ status: 'ok', report: { checkpoint: null } });
    expect(statSync(svc.config.audit.signingKeyFile).mode & 0o777).toBe(0o600);
    expect(statSync(`${svc.config.audit.signingKeyFile}.pub`).isFile()).toBe(true);

    await svc.ctx.store.createReferral(newReferral('R-job'), 'key:analyst', 1_000);
    expect(await job.runOnce()).toMatchObject({ status: 'ok', report: { checkpoint: 1, events: 2, appended: 1 } });
    svc.clock.advance(60_000);
    expect(await job.runOnce()).toMatchObject({ status: 'ok', report: { checkpoint: null, appended: 0 } });
    expect(readCheckpointFile(svc.config.audit.checkpointFile)).toHaveLength(1);
    expect((await svc.ctx.store.verifyAudit()).ok).toBe(true);
  });
});
