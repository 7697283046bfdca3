/**
 * SQLite through better-sqlite3: the embedded default. WAL lets readers in other processes go
 * on while one writes; synchronous=FULL because this is a ledger — a referral answered 2xx must
 * survive a power cut, not just a process crash. Transactions take the write lock at BEGIN
 * (IMMEDIATE) so two processes on one file never both read-then-write the same row.
 *
 * Group commit: synchronous=FULL makes every COMMIT an fsync of the WAL, the largest single
 * cost of a referral. Transactions asked for in the same event-loop turn (concurrent requests)
 * run one after another inside one BEGIN IMMEDIATE … COMMIT, each in a savepoint of its own:
 * one that fails is rolled back alone, and none is answered before the shared COMMIT is on
 * disk, so "committed before answered" still holds for each.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDirectory } from '../../files/private-directory.js';
import { AsyncMutex } from '../async-mutex.js';
import { readMigrations } from '../migration-files.js';
import type { SqlDriver, SqlRunner } from '../sql-driver.js';
import { SQLITE_STATISTICS } from './sqlite-statistics.js';

type Params = readonly unknown[];

/** A transaction waiting for the next group commit. */
interface Waiting {
  fn: (tx: SqlRunner) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** At most this many transactions share one commit: the first one's answer waits for the last. */
const MAX_GROUP = 64;

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
  readonly statistics = SQLITE_STATISTICS;
  private readonly db: Database.Database;
  private readonly mutex = new AsyncMutex();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly runner: SqlRunner;
  private waiting: Waiting[] = [];
  private groupQueued = false;

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

  /** Transaction control, prepared once: it runs several times for every transaction. */
  private control(sql: 'BEGIN' | 'BEGIN IMMEDIATE' | 'SAVEPOINT grouped' | 'RELEASE grouped' | 'ROLLBACK TO grouped' | 'COMMIT' | 'ROLLBACK'): void {
    this.prepare(sql).run();
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
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleGroup();
    });
  }

  /**
   * Queues the next group after the current event-loop turn's I/O callbacks, so the requests
   * that arrived together ask for their transactions first and share its commit. The group is
   * whatever waits when it gets the connection; one group at a time is queued.
   */
  private scheduleGroup(): void {
    if (this.groupQueued) return;
    this.groupQueued = true;
    setImmediate(() => {
      void this.mutex.run(() => {
        this.groupQueued = false;
        const group = this.waiting.splice(0, MAX_GROUP);
        if (this.waiting.length > 0) this.scheduleGroup();
        return this.commitGroup(group);
      });
    });
  }

  private async commitGroup(group: Waiting[]): Promise<void> {
    // Members whose work has run in the open transaction: answered once COMMIT returns.
    let done: { member: Waiting; value: unknown }[] = [];
    const failAll = (members: Iterable<Waiting>, error: unknown) => {
      for (const member of members) member.reject(error);
    };
    for (let i = 0; i < group.length; i++) {
      const member = group[i]!;
      try {
        if (!this.db.inTransaction) this.control('BEGIN IMMEDIATE');
      } catch (error) {
        // The write lock stayed taken past the busy timeout: nobody in this group can write.
        failAll(group.slice(i), error);
        break;
      }
      this.control('SAVEPOINT grouped');
      try {
        const value = await member.fn(this.runner);
        this.control('RELEASE grouped');
        done.push({ member, value });
      } catch (error) {
        member.reject(error);
        if (this.db.inTransaction) {
          this.control('ROLLBACK TO grouped');
          this.control('RELEASE grouped');
        } else {
          // SQLite rolled the whole transaction back (I/O error, disk full): the earlier
          // members' writes went with it, so they fail too rather than be answered as committed.
          failAll(
            done.map((d) => d.member),
            error,
          );
          done = [];
        }
      }
    }
    if (!this.db.inTransaction) return;
    try {
      this.control('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.control('ROLLBACK');
      failAll(
        done.map((d) => d.member),
        error,
      );
      return;
    }
    for (const { member, value } of done) member.resolve(value);
  }

  snapshot<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    // A deferred transaction takes its read snapshot at the first read and keeps it (WAL).
    // It waits one event-loop turn first: group commits start from setImmediate, so a caller
    // that takes snapshot after snapshot without ever yielding (verify in a loop beside this
    // process's writers) would otherwise keep every transaction waiting.
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.mutex.run(async () => {
        this.control('BEGIN');
        try {
          return await fn(this.runner);
        } finally {
          if (this.db.inTransaction) this.control('COMMIT');
        }
      }),
    );
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
