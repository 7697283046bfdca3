import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-store-'));
  const driver = new SqliteDriver(join(dir, 'test.db'));
  return {
    driver,
    tamper: async (sql, params = []) => {
      await driver.run(sql, params);
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
