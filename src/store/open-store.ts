/**
 * Chooses the driver from DATABASE_URL: `sqlite:PATH` (the embedded default) or
 * `postgres://...` (several replicas on one database).
 */
import { PostgresDriver } from './postgres/postgres-driver.js';
import { SqliteDriver } from './sqlite/sqlite-driver.js';
import { SqlStore } from './sql-store.js';
import type { Store } from './store.js';

export interface StoreOptions {
  url: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** PostgreSQL schema (tests use one per run). */
  schema?: string;
  onError?: (error: Error) => void;
  /** SQLite: open an existing file read-only, never creating it (`audit verify`). */
  readOnly?: boolean;
}

export function openStore(options: StoreOptions): Store {
  if (options.url.startsWith('sqlite:')) {
    return new SqlStore(new SqliteDriver(options.url.slice('sqlite:'.length), { readOnly: options.readOnly ?? false }));
  }
  if (/^postgres(ql)?:\/\//.test(options.url)) {
    return new SqlStore(
      new PostgresDriver({
        connectionString: options.url,
        poolSize: options.poolSize ?? 10,
        statementTimeoutMs: options.statementTimeoutMs ?? 15_000,
        ...(options.schema ? { schema: options.schema } : {}),
        ...(options.onError ? { onError: options.onError } : {}),
      }),
    );
  }
  throw new Error('DATABASE_URL must be sqlite:PATH or postgres://...');
}
