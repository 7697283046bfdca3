/**
 * PostgreSQL goes away and comes back: while it is down, requests answer 503 and scheduled
 * jobs log a failed run without crashing; afterwards both resume, and nothing accepted before
 * the outage is lost.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScheduledJob } from '../../src/jobs/scheduled-job.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { createTestDatabase } from '../support/postgres.js';
import { TableLocator } from '../support/table-locator.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { bearer, createTestService, sampleReferral, type TestService } from '../support/test-service.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: TcpProxy;
let svc: TestService;

beforeEach(async () => {
  database = await createTestDatabase();
  const real = new URL(database.url);
  proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  svc = await createTestService({ DATABASE_URL: viaProxy.toString(), DATABASE_POOL_SIZE: '2' });
});

afterEach(async () => {
  await svc.close().catch(() => undefined);
  await proxy.close();
  await database.drop();
});

describe('a PostgreSQL outage', () => {
  it('answers 503 while the database is away, and resumes with nothing lost', async () => {
    const app = svc.app();
    // Other URLs than the first report's: the same URLs again would be duplicates, not cases.
    const secondReferral = { ...sampleReferral('OUTAGE-2'), urls: sampleReferral().urls.map((u) => ({ ...u, url: `${u.url}?report=2` })) };
    const before = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral('OUTAGE-1'));
    expect(before.status).toBe(202);

    await proxy.cut();
    const read = await request(app).get('/v1/referrals/OUTAGE-1').set('Authorization', bearer('analyst'));
    expect(read.status).toBe(503);
    expect(read.body.error.code).toBe('store_unavailable');
    const write = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(secondReferral);
    expect(write.status).toBe(503);
    expect((await request(app).get('/readyz')).status).toBe(503);
    expect((await request(app).get('/healthz')).status).toBe(200);
    const locator = new TableLocator({ 'images.be-host.test': { geo: 'BE' }, 'video.nl-host.test': { geo: 'NL' } });
    const job = new ScheduledJob(svc.ctx, {
      name: 'locate',
      schedule: '* * * * * *',
      exclusive: true,
      run: async () => ({ ...(await locatePending(svc.ctx, locator)) }),
    });
    expect(await job.runOnce()).toMatchObject({ status: 'failed' });

    await proxy.restore();
    const after = await request(app).get('/v1/referrals/OUTAGE-1').set('Authorization', bearer('analyst'));
    expect(after.status).toBe(200);
    expect(after.body.handovers).toHaveLength(2);
    expect((await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(secondReferral)).status).toBe(202);
    expect(await job.runOnce()).toMatchObject({ status: 'ok', report: { routed: 4 } });
    // Readiness is read at most once a second: the next probe sees the store back.
    svc.clock.advance(1_000);
    expect((await request(app).get('/readyz')).status).toBe(200);
    expect((await svc.ctx.store.verifyAudit()).ok).toBe(true);
  });
});
