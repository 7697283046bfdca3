/**
 * PostgreSQL ends the service's connection in the middle of a transaction (pg_terminate_backend,
 * as in a failover): between two of its statements, so no query is running when the connection
 * dies and pg reports it as an 'error' event on the checked-out client. The process stays up,
 * the transaction fails as "store unavailable" (503 on the intake path; a failed run on the
 * dispatcher path), and the caller's retry goes through with nothing lost or sent twice.
 */
import pg from 'pg';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPoliceStandin, type PoliceStandin } from '../../scripts/sandbox/police-standin.js';
import { locateAndRoute } from '../../src/services/locate-and-route.js';
import { createTestDatabase } from '../support/postgres.js';
import { TableLocator } from '../support/table-locator.js';
import { bearer, createTestService, sampleReferral, type TestService } from '../support/test-service.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let police: PoliceStandin;
let svc: TestService;
const locator = new TableLocator({ 'images.be-host.test': { geo: 'BE' }, 'video.nl-host.test': { geo: 'BE' } });

beforeEach(async () => {
  database = await createTestDatabase();
  police = await startPoliceStandin({ token: 'police-token' });
  svc = await createTestService(
    { DATABASE_URL: database.url, DATABASE_POOL_SIZE: '2', POLICE_EXPORT_URL: police.url, POLICE_EXPORT_TOKEN: 'police-token' },
    { locator },
  );
});

afterEach(async () => {
  vi.restoreAllMocks();
  await svc.close().catch(() => undefined);
  await police.close();
  await database.drop();
});

/**
 * After the next statement matching `pattern` completes, terminates its connection from
 * another session and waits until the client has seen it go, before the transaction goes on.
 */
function terminateAfter(pattern: RegExp): { terminated: Promise<void> } {
  const query = pg.Client.prototype.query;
  let armed = true;
  let done: () => void = () => {};
  const terminated = new Promise<void>((resolve) => (done = resolve));
  vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const result = (query as (...a: unknown[]) => unknown).apply(this, args);
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    if (!armed || !text || !pattern.test(text) || !(result instanceof Promise)) return result;
    armed = false;
    const client = this as pg.Client & { processID: number };
    return result.then(async (value: unknown) => {
      const ended = new Promise((resolve) => client.once('end', resolve));
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend($1)', [client.processID]);
      await admin.end();
      await ended;
      done();
      return value;
    });
  });
  return { terminated };
}

describe('a connection terminated mid-transaction', () => {
  it('on the intake path: 503 store_unavailable, the process stays up, and the retry is accepted once', async () => {
    const app = svc.app();
    const { terminated } = terminateAfter(/^INSERT INTO referrals/);
    const first = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral('TERM-1'));
    await terminated;
    expect(first.status).toBe(503);
    expect(first.body.error.code).toBe('store_unavailable');
    expect(await svc.ctx.store.getReferralByReportId('TERM-1')).toBeNull();

    const retry = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral('TERM-1'));
    expect(retry.status).toBe(202);
    expect((await svc.ctx.store.getReferralByReportId('TERM-1'))?.handovers).toHaveLength(2);
    expect(svc.logs.text).toMatch(/database connection lost/);
    expect((await svc.ctx.store.verifyAudit()).ok).toBe(true);
  });

  it('on the dispatcher path: the run fails as store unavailable, the next run delivers each handover once', async () => {
    const accepted = await request(svc.app()).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral('TERM-2'));
    expect(accepted.status).toBe(202);
    for (const h of await svc.ctx.store.listHandovers({ limit: 10 })) await locateAndRoute(svc.ctx, locator, h);
    expect((await svc.ctx.store.listHandovers({ limit: 10 })).map((h) => h.state)).toEqual(['routed', 'routed']);

    const { terminated } = terminateAfter(/WHERE h\.state = 'routed' AND h\.destination = \?|WHERE h\.state = 'routed' AND h\.destination = \$/);
    await expect(svc.parts.dispatcher.runOnce()).rejects.toMatchObject({ code: 'store_unavailable' });
    await terminated;
    expect(police.cases.size).toBe(0);

    const second = await svc.parts.dispatcher.runOnce();
    expect(second).toMatchObject({ claimed: 2, delivered: 2 });
    expect([...police.cases.values()].map((c) => c.posts)).toEqual([1, 1]);
    expect((await svc.ctx.store.verifyAudit()).ok).toBe(true);
  });
});
