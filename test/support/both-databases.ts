/**
 * A test service on either database: SQLite in a folder of its own (createTestService's
 * default), or PostgreSQL in a schema of its own on the machine's server, dropped on close.
 * For workflow tests that must hold on both (`describe.each(DATABASES)`).
 */
import type { ComposeOverrides } from '../../src/compose.js';
import { openStore } from '../../src/store/open-store.js';
import { dropSchema, newSchemaName, TEST_POSTGRES_URL } from './postgres.js';
import { createTestService, type TestService } from './test-service.js';

export const DATABASES = ['SQLite', 'PostgreSQL'] as const;
export type Database = (typeof DATABASES)[number];

export async function createTestServiceOn(database: Database, env: Record<string, string> = {}, overrides: ComposeOverrides = {}): Promise<TestService> {
  if (database === 'SQLite') return createTestService(env, overrides);
  const schema = newSchemaName();
  const store = openStore({ url: TEST_POSTGRES_URL, schema, poolSize: 4, statementTimeoutMs: 10_000 });
  const svc = await createTestService(env, { ...overrides, store });
  const close = svc.close;
  svc.close = async () => {
    await close();
    await dropSchema(schema);
  };
  return svc;
}
