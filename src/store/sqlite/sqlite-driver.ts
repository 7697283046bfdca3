/**
 * SQLite through better-sqlite3: the embedded default. WAL lets readers in other processes go
 * on while one writes; synchronous=FULL because this is a ledger — a referral answered 2xx must
 * survive a power cut, not just a process crash. Transactions take the write lock at BEGIN
 * (IMMEDIATE) so two processes on one file never both read-then-write the same row.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDirectory } from '../../files/private-directory.js';
import { AsyncMutex } from '../async-mutex.js';
import { readMigrations } from '../migration-files.js';
import type { SqlDriver, SqlRunner } from '../sql-driver.js';

type Params = readonly unknown[];

function toSqliteParams(params: Params): unknown[] {
  // better-sqlite3 binds numbers, strings, bigint, buffers and null only.
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p));
}

/**
 * The ledger names reported URLs: only the service's own user may read it. A directory we
 * create is 0700; the file is created 0600 (SQLite gives its -wal and -shm the file's mode)
 * and an existing one is tightened to 0600. A directory that already existed is left alone:
 * it may be shared (/tmp, a mounted volume).
 */
function keepPrivate(path: string): void {
  ensurePrivateDirectory(dirname(path));
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly mutex = new AsyncMutex();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly runner: SqlRunner;

  /** With `readOnly`, the file must exist and nothing is ever written (`audit verify`). */
  constructor(path: string, options: { readOnly?: boolean } = {}) {
    if (options.readOnly) {
      this.db = new Database(path, { readonly: true, fileMustExist: true });
    } else {
      if (path !== ':memory:') keepPrivate(path);
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      if (path !== ':memory:') for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
    }
    // Another process holding the write lock makes us wait, not fail.
    this.db.pragma('busy_timeout = 10000');
    this.runner = {
      all: async <T>(sql: string, params: Params = []) => this.prepare(sql).all(...toSqliteParams(params)) as T[],
      get: async <T>(sql: string, params: Params = []) => this.prepare(sql).get(...toSqliteParams(params)) as T | undefined,
      run: async (sql: string, params: Params = []) => this.prepare(sql).run(...toSqliteParams(params)).changes,
    };
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  all<T>(sql: string, params?: Params): Promise<T[]> {
    return this.mutex.run(() => this.runner.all<T>(sql, params));
  }
  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.mutex.run(() => this.runner.get<T>(sql, params));
  }
  run(sql: string, params?: Params): Promise<number> {
    return this.mutex.run(() => this.runner.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.runner);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  snapshot<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    // A deferred transaction takes its read snapshot at the first read and keeps it (WAL).
    return this.mutex.run(async () => {
      this.db.exec('BEGIN');
      try {
        return await fn(this.runner);
      } finally {
        if (this.db.inTransaction) this.db.exec('COMMIT');
      }
    });
  }

  // Row locks: a transaction holds the file's write lock from BEGIN IMMEDIATE to its end, so
  // the rows it reads stay as read, and no other writer (in this process or another) can run.

  forUpdate(select: string): string {
    return select;
  }

  forUpdateSkipLocked(select: string): string {
    return select;
  }

  async lockUnattachedAuditChain(): Promise<void> {}

  async lockUrlKeysInOrder(): Promise<void> {}

  /** One writer at a time: every event committed so far is final, in seq order. */
  withAuditAppendsSettled<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.mutex.run(() => fn(this.runner));
  }

  async hasMigration(version: number): Promise<boolean> {
    return this.mutex.run(async () => {
      const table = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
      return table !== undefined && this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(version) !== undefined;
    });
  }

  isUniqueViolation(error: unknown): boolean {
    const code = (error as { code?: string } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }

  async migrate(): Promise<string[]> {
    return this.mutex.run(async () => {
      this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
      const done: string[] = [];
      for (const migration of readMigrations('sqlite')) {
        // Checked inside the write lock: two processes starting on one file apply it once.
        const applied = this.db
          .transaction(() => {
            if (this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version)) return false;
            this.db.exec(migration.sql);
            this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, Date.now());
            return true;
          })
          .immediate();
        if (applied) done.push(migration.name);
      }
      return done;
    });
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => {
      this.statements.clear();
      if (this.db.open) this.db.close();
    });
  }
}
