import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import { dropSchema, newSchemaName, TEST_POSTGRES_URL } from '../support/postgres.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('PostgreSQL', async () => {
  const schema = newSchemaName();
  const driver = new PostgresDriver({ connectionString: TEST_POSTGRES_URL, poolSize: 8, statementTimeoutMs: 10_000, schema });
  return {
    driver,
    tamper: async (sql, params = []) => {
      await driver.run(sql, params);
    },
    cleanup: () => dropSchema(schema),
  };
});
