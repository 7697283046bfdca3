import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import { dropSchema, newSchemaName, TEST_POSTGRES_URL } from '../support/postgres.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('PostgreSQL', async () => {
  const schema = newSchemaName();
  const driver = new PostgresDriver({ connectionString: TEST_POSTGRES_URL, poolSize: 8, statementTimeoutMs: 10_000, schema });
  return {
    driver,
    connection: { databaseUrl: TEST_POSTGRES_URL, schema },
    tamper: async (sql, params = []) => {
      await driver.run(sql, params);
    },
    cleanup: () => dropSchema(schema),
  };
});

describe('PostgreSQL driver', () => {
  it("reads BIGINT as a number through its own pool's parsers, leaving pg's process-wide ones alone", async () => {
    const driver = new PostgresDriver({ connectionString: TEST_POSTGRES_URL, poolSize: 1, statementTimeoutMs: 10_000 });
    try {
      expect(await driver.get('SELECT ?::bigint AS n, COUNT(*) AS c FROM (VALUES (1), (2)) AS v', [9_007_199_254_740_991])).toEqual({
        n: 9_007_199_254_740_991,
        c: 2,
      });
      await driver.transaction(async (tx) => expect(await tx.get('SELECT 5::bigint AS n')).toEqual({ n: 5 }));
      expect(pg.types.getTypeParser(pg.types.builtins.INT8, 'text')('5')).toBe('5');
    } finally {
      await driver.close();
    }
  });
});
