/**
 * What one handover's way through delivery costs in statements, on both dialects (issue #11):
 * workers are CPU-bound, and every statement is a round trip and a parse on both sides, so
 * the store's per-transition path is held to a budget here. BEGIN and COMMIT count as one
 * statement each (each is a round trip on PostgreSQL). The counts do not depend on load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import type { SqlDriver, SqlRunner } from '../../src/store/sql-driver.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { SqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';
import { dropSchema, newSchemaName, TEST_POSTGRES_URL } from '../support/postgres.js';
import { newReferral } from './store-contract.js';

/** Counts every statement sent through the driver or one of its transactions. */
function counting(driver: SqlDriver): { driver: SqlDriver; statements: string[] } {
  const statements: string[] = [];
  const countRunner = (runner: SqlRunner): SqlRunner => ({
    all: (sql, params) => (statements.push(sql), runner.all(sql, params)),
    get: (sql, params) => (statements.push(sql), runner.get(sql, params)),
    run: (sql, params) => (statements.push(sql), runner.run(sql, params)),
  });
  const inTransaction =
    (open: <T>(fn: (tx: SqlRunner) => Promise<T>) => Promise<T>) =>
    <T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> => {
      statements.push('BEGIN');
      return open(async (tx) => {
        const result = await fn(countRunner(tx));
        statements.push('COMMIT');
        return result;
      });
    };
  const wrapped = new Proxy(driver, {
    get(target, property) {
      if (property === 'all' || property === 'get' || property === 'run') return countRunner(target)[property];
      if (property === 'transaction' || property === 'snapshot' || property === 'withAuditAppendsSettled') {
        return inTransaction((fn) => (target[property] as (f: typeof fn) => Promise<never>).call(target, fn));
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { driver: wrapped, statements };
}

/** The first attempt, delivered, made under the lease `claimToken`. */
function deliveredAttempt(claimToken: string) {
  return {
    attemptNo: 1,
    destination: 'police' as const,
    claimToken,
    startedAt: 31,
    finishedAt: 32,
    durationMs: 1,
    outcome: 'delivered' as const,
    statusCode: 201,
    errorClass: null,
    requestHash: 'req',
    responseDigest: 'res',
    detail: null,
  };
}

interface Dialect {
  name: string;
  open(): { driver: SqlDriver; cleanup(): Promise<void> };
}

const DIALECTS: Dialect[] = [
  {
    name: 'SQLite',
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'hrr-roundtrips-'));
      return { driver: new SqliteDriver(join(dir, 'test.db')), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL',
    open() {
      const schema = newSchemaName();
      return {
        driver: new PostgresDriver({ connectionString: TEST_POSTGRES_URL, poolSize: 6, statementTimeoutMs: 10_000, schema }),
        cleanup: () => dropSchema(schema),
      };
    },
  },
];

for (const dialect of DIALECTS) {
  describe(`statements per handover: ${dialect.name}`, () => {
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    async function routedStore() {
      const opened = dialect.open();
      const { driver, statements } = counting(opened.driver);
      const store = new SqlStore(driver);
      cleanup = async () => {
        await store.close();
        await opened.cleanup();
      };
      await store.migrate();
      const { handovers } = await store.createReferral(newReferral('R-count', ['https://x.example/R-count']), 'key:test', 10);
      const routed = await store.transition(handovers[0]!.id, {
        to: 'routed',
        actor: 'system:test',
        reason: 'test',
        set: { destination: 'police', country: 'BE' },
        now: 20,
      });
      /** Statements of what `work` does, from a clean count. */
      const count = async (work: () => Promise<unknown>) => {
        statements.length = 0;
        await work();
        return statements.length;
      };
      return { store, routed, count };
    }

    it('delivers and acknowledges a handover within its budget, and the trail still verifies', async () => {
      const { store, routed, count } = await routedStore();
      const token = 'lease-1';
      const perStep = {
        claim: await count(() => store.claimDue({ destination: 'police', now: 30, limit: 1, leaseMs: 60_000, token, actor: 'system:dispatcher' })),
        attempt: await count(() => store.recordAttempt({ handoverId: routed.id, ...deliveredAttempt(token) })),
        delivered: await count(() =>
          store.transition(routed.id, {
            to: 'delivered',
            actor: 'system:dispatcher',
            reason: 'accepted',
            expectLeaseToken: token,
            set: { attemptCount: 1, leaseToken: null, leaseExpiresAt: null, reference: 'P-1', deliveredAt: 32 },
            now: 32,
          }),
        ),
        acknowledged: await count(() =>
          store.transition(routed.id, {
            to: 'acknowledged',
            actor: 'system:ack',
            reason: 'took it',
            expectState: 'delivered',
            set: { acknowledgedAt: 40, overdueAt: null },
            now: 40,
          }),
        ),
        ack: await count(() =>
          store.recordAck({
            handoverId: routed.id,
            destination: 'police',
            source: 'poll',
            status: 'accepted',
            reference: 'P-1',
            reason: null,
            applied: true,
            note: null,
            webhookId: null,
            receivedAt: 40,
          }),
        ),
        annotate: await count(() => store.annotate(routed.id, { actor: 'system:test', kind: 'note', reason: null, set: { recheckedAt: 50 }, now: 50 })),
      };
      // A transition the destination's acknowledgement brought, recorded with it.
      const closedWithAck = await count(() =>
        store.transition(routed.id, {
          to: 'closed',
          actor: 'system:ack',
          reason: 'closed',
          expectState: 'acknowledged',
          set: { closedAt: 60, outcome: 'closed' },
          ack: {
            destination: 'police',
            source: 'poll',
            status: 'closed',
            reference: 'P-1',
            reason: null,
            applied: true,
            note: null,
            webhookId: null,
            receivedAt: 60,
          },
          now: 60,
        }),
      );
      console.info(`${dialect.name} statements per step: ${JSON.stringify({ ...perStep, closedWithAck })}`);
      // Each: BEGIN, the handover locked and read, the change (UPDATE/INSERT ... RETURNING, with
      // the chain's head), the audit event, COMMIT. Closing also gives up the URL's live key (one
      // UPDATE), and the acknowledgement recorded with it is one INSERT more.
      expect(perStep).toEqual({ claim: 5, attempt: 5, delivered: 5, acknowledged: 5, ack: 5, annotate: 5 });
      expect(closedWithAck).toBe(7);
      const after = await store.getHandover(routed.id);
      expect(after).toMatchObject({
        state: 'closed',
        reference: 'P-1',
        deliveredAt: 32,
        acknowledgedAt: 40,
        recheckedAt: 50,
        closedAt: 60,
        reportId: 'R-count',
        referralCreatedBy: 'key:test',
      });
      expect((await store.listAcks(routed.id)).map((a) => a.status)).toEqual(['accepted', 'closed']);
      expect(await store.verifyAudit()).toMatchObject({ ok: true });
    });

    it('takes in a referral of two URLs without reading back what it wrote', async () => {
      const { store, count } = await routedStore();
      const input = newReferral('R-intake', ['https://y.example/R-intake/1', 'https://y.example/R-intake/2']);
      let answered: Awaited<ReturnType<typeof store.createReferral>> | undefined;
      const statements = await count(async () => {
        answered = await store.createReferral(input, 'key:test', 70);
      });
      // BEGIN, the idempotency lookup, the referral (RETURNING), for each URL whether it was carried
      // before and its handover (RETURNING), the audit events in one INSERT, COMMIT; PostgreSQL locks
      // the URLs' keys first, in one statement.
      expect(statements).toBe(dialect.name === 'PostgreSQL' ? 10 : 9);
      expect(await store.getReferralByReportId('R-intake')).toEqual({ referral: answered!.referral, handovers: answered!.handovers });
    });

    it('writes an attempt with the change it led to in one transaction of six statements', async () => {
      const { store, routed, count } = await routedStore();
      await store.claimDue({ destination: 'police', now: 30, limit: 1, leaseMs: 60_000, token: 'lease-a', actor: 'system:dispatcher' });
      const statements = await count(() =>
        store.transition(routed.id, {
          to: 'delivered',
          actor: 'system:dispatcher',
          reason: 'accepted',
          expectLeaseToken: 'lease-a',
          set: { attemptCount: 1, leaseToken: null, leaseExpiresAt: null, reference: 'P-1', deliveredAt: 32 },
          attempt: deliveredAttempt('lease-a'),
          now: 32,
        }),
      );
      // BEGIN, the lock, the attempt (with the chain's head), the UPDATE, both events in one INSERT, COMMIT.
      expect(statements).toBe(6);
      expect((await store.listAttempts(routed.id)).map((a) => [a.outcome, a.claimToken])).toEqual([['delivered', 'lease-a']]);
      expect((await store.listAuditEvents(routed.id)).slice(-2).map((e) => [e.kind, e.toState])).toEqual([
        ['attempt', 'delivering'],
        ['transition', 'delivered'],
      ]);
      expect(await store.verifyAudit()).toMatchObject({ ok: true });
    });

    it('claims a batch in as many statements as one handover', async () => {
      const { store, routed, count } = await routedStore();
      const more = [];
      for (const reportId of ['R-count-2', 'R-count-3']) {
        const { handovers } = await store.createReferral(newReferral(reportId, [`https://x.example/${reportId}`]), 'key:test', 10);
        more.push(
          await store.transition(handovers[0]!.id, {
            to: 'routed',
            actor: 'system:test',
            reason: 'test',
            set: { destination: 'police', country: 'BE' },
            now: 20 + more.length + 1,
          }),
        );
      }
      let claimed: Awaited<ReturnType<typeof store.claimDue>> = [];
      const statements = await count(async () => {
        claimed = await store.claimDue({ destination: 'police', now: 30, limit: 3, leaseMs: 60_000, token: 'lease-b', actor: 'system:dispatcher' });
      });
      expect(statements).toBe(5);
      // Oldest due first, each as its row now stands, its referral's columns included.
      expect(claimed.map((h) => h.id)).toEqual([routed.id, ...more.map((h) => h.id)]);
      expect(claimed.map((h) => [h.state, h.leaseToken, h.leaseExpiresAt, h.reportId])).toEqual([
        ['delivering', 'lease-b', 60_030, 'R-count'],
        ['delivering', 'lease-b', 60_030, 'R-count-2'],
        ['delivering', 'lease-b', 60_030, 'R-count-3'],
      ]);
      for (const h of claimed) expect(await store.getHandover(h.id)).toEqual(h);
      expect(await store.verifyAudit()).toMatchObject({ ok: true });
    });

    // The head comes with the write sent after the lock, never with the locking read: on
    // PostgreSQL a read that waited for the lock would see the chain as it was before it waited.
    it('chains every event when writers of one handover queue for its lock', async () => {
      const { store, routed } = await routedStore();
      const before = (await store.listAuditEvents(routed.id)).length;
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          i % 3 === 0
            ? store.annotate(routed.id, { actor: 'system:test', kind: 'note', reason: `note ${i}`, set: { recheckedAt: 100 + i }, now: 100 + i })
            : i % 3 === 1
              ? store.recordAck({
                  handoverId: routed.id,
                  destination: 'police',
                  source: 'poll',
                  status: 'pending',
                  reference: null,
                  reason: null,
                  applied: false,
                  note: `ack ${i}`,
                  webhookId: null,
                  receivedAt: 100 + i,
                })
              : store.recordAttempt({
                  handoverId: routed.id,
                  attemptNo: i,
                  destination: 'police',
                  claimToken: `t-${i}`,
                  startedAt: 100 + i,
                  finishedAt: 100 + i,
                  durationMs: 0,
                  outcome: 'retry',
                  statusCode: 503,
                  errorClass: 'http_5xx',
                  requestHash: null,
                  responseDigest: null,
                  detail: null,
                }),
        ),
      );
      const events = await store.listAuditEvents(routed.id);
      expect(events).toHaveLength(before + 12);
      expect(events.map((e) => e.chainSeq)).toEqual(events.map((_, i) => i + 1));
      expect(await store.verifyAudit()).toMatchObject({ ok: true });
    });
  });
}
