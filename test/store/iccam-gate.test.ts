/**
 * The deployment-wide ICCAM gate (contract §4, Pacing) on PostgreSQL: only one holder at a time,
 * the next call not before the pause, and a holder that died (never released) lets go when its
 * lease runs out. Several gates on one database stand for several replicas.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StoreIccamGate, type PacingClock } from '../../src/delivery/destinations/iccam-gate.js';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { dropSchema, newSchemaName, TEST_POSTGRES_URL } from '../support/postgres.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function store(): Promise<SqlStore> {
  const schema = newSchemaName();
  const s = new SqlStore(new PostgresDriver({ connectionString: TEST_POSTGRES_URL, poolSize: 4, statementTimeoutMs: 10_000, schema }));
  await s.migrate();
  cleanups.push(async () => {
    await s.close();
    await dropSchema(schema);
  });
  return s;
}

describe('the ICCAM gate in the store', () => {
  it('has one holder at a time, lets go at release, and keeps the next call the pause away', async () => {
    const s = await store();
    expect(await s.acquireIccamGate('a', 1_000, 5_000)).toEqual({ acquired: true, waitMs: 0 });
    expect((await s.acquireIccamGate('b', 1_001, 5_000)).acquired).toBe(false);
    expect(await s.releaseIccamGate('b', 9_999)).toBe(false); // only the holder can
    expect(await s.releaseIccamGate('a', 1_100 + 50)).toBe(true);
    expect(await s.acquireIccamGate('b', 1_120, 5_000)).toEqual({ acquired: false, waitMs: 30 });
    expect((await s.acquireIccamGate('b', 1_150, 5_000)).acquired).toBe(true);
  });

  it('a holder that died never releases: the gate is free again when its lease runs out', async () => {
    const s = await store();
    expect((await s.acquireIccamGate('killed', 0, 5_000)).acquired).toBe(true);
    expect(await s.acquireIccamGate('survivor', 4_000, 5_000)).toMatchObject({ acquired: false });
    expect((await s.acquireIccamGate('survivor', 5_000, 5_000)).acquired).toBe(true);
    // The dead holder's late release (it was not dead after all) changes nothing.
    expect(await s.releaseIccamGate('killed', 99_999)).toBe(false);
  });

  it('four gates on one database run their calls one at a time and the interval apart', async () => {
    const s = await store();
    const calls: { start: number; end: number }[] = [];
    let inFlight = 0;
    let overlaps = 0;
    // A pacing clock of its own: no real sleeping, time moves as the gates wait.
    let now = 0;
    const clock: PacingClock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const gates = Array.from({ length: 4 }, (_, i) => new StoreIccamGate({ store: s, holder: `replica-${i}`, minIntervalMs: 100, leaseMs: 10_000, clock }));
    await Promise.all(
      gates.flatMap((gate) =>
        Array.from({ length: 5 }, () =>
          gate.run(async () => {
            inFlight++;
            if (inFlight > 1) overlaps++;
            const start = now;
            await new Promise((r) => setTimeout(r, 1));
            now += 7;
            calls.push({ start, end: now });
            inFlight--;
          }),
        ),
      ),
    );
    expect(calls).toHaveLength(20);
    expect(overlaps).toBe(0);
    const starts = calls.map((c) => c.start).sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(100);
  });
});
