import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-store-'));
  const file = join(dir, 'test.db');
  const driver = new SqliteDriver(file);
  return {
    driver,
    connection: { databaseUrl: `sqlite:${file}` },
    tamper: async (sql, params = []) => {
      await driver.run(sql, params);
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
