import type { Config } from '../../config/config.js';
import { openStore } from '../../store/open-store.js';

export async function migrateCommand(config: Config): Promise<void> {
  const store = openStore({ url: config.database.url, poolSize: 1, statementTimeoutMs: config.database.statementTimeoutMs });
  try {
    const applied = await store.migrate();
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
  } finally {
    await store.close();
  }
}
