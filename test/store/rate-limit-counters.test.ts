/**
 * The deployment-wide rate-limit counters (migration 0007), in both dialects: hits add up per
 * key and window, concurrent hits are never lost, and finished windows can be dropped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { SqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';
import { dropSchema, newSchemaName, TEST_POSTGRES_URL } from '../support/postgres.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const dialects: [string, () => Promise<SqlStore[]>][] = [
  [
    'SQLite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hrr-rate-'));
      // Two connections to one file, as two processes on one machine would have.
      const stores = [new SqlStore(new SqliteDriver(join(dir, 'r.db'))), new SqlStore(new SqliteDriver(join(dir, 'r.db')))];
      cleanups.push(async () => {
        for (const s of stores) await s.close();
        rmSync(dir, { recursive: true, force: true });
      });
      return stores;
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const schema = newSchemaName();
      const stores = [0, 1].map(
        () => new SqlStore(new PostgresDriver({ connectionString: TEST_POSTGRES_URL, poolSize: 4, statementTimeoutMs: 10_000, schema })),
      );
      cleanups.push(async () => {
        for (const s of stores) await s.close();
        await dropSchema(schema);
      });
      return stores;
    },
  ],
];

for (const [name, open] of dialects) {
  describe(`rate-limit counters (${name})`, () => {
    it('count per key and window across two replicas, losing no concurrent hit', async () => {
      const [a, b] = await open();
      await a!.migrate();
      await b!.migrate();
      const hits = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a! : b!).countRateLimitHit('auth-failure:198.51.100.7', 60_000)));
      expect([...hits].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await a!.readRateLimitHits('auth-failure:198.51.100.7', 60_000)).toBe(20);
      expect(await b!.readRateLimitHits('auth-failure:198.51.100.8', 60_000)).toBe(0);
      expect(await b!.countRateLimitHit('auth-failure:198.51.100.7', 120_000)).toBe(1);
    });

    it('drop the windows that started before a time', async () => {
      const [a] = await open();
      await a!.migrate();
      await a!.countRateLimitHit('callback:x', 0);
      await a!.countRateLimitHit('callback:x', 60_000);
      expect(await a!.pruneRateLimitCounters(60_000)).toBe(1);
      expect(await a!.readRateLimitHits('callback:x', 0)).toBe(0);
      expect(await a!.readRateLimitHits('callback:x', 60_000)).toBe(1);
    });
  });
}
