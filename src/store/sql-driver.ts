/**
 * The narrow database interface both dialects implement. Queries are plain SQL with `?`
 * placeholders (the PostgreSQL driver numbers them); times are epoch milliseconds and JSON is
 * text in both dialects, so one store implementation serves both.
 */
export type Dialect = 'sqlite' | 'postgres';

export interface SqlRunner {
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface SqlDriver extends SqlRunner {
  readonly dialect: Dialect;
  /** `FOR UPDATE` where the dialect has row locks; SQLite's write lock covers the transaction. */
  readonly forUpdate: string;
  /** `FOR UPDATE SKIP LOCKED` where available, so claimers never wait on each other. */
  readonly forUpdateSkipLocked: string;
  /** Runs fn in one transaction that holds the write lock from its start. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Runs fn in one read-only transaction: every read sees the same snapshot, writers go on. */
  snapshot<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Runs fn once no transaction that could still add an audit event with a lower seq is in
   * flight, and holds new ones off while fn runs (PostgreSQL hands out seqs before commit).
   */
  withAuditAppendsSettled<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** True when the store has every table the audit trail needs (no migration pending). */
  hasMigration(version: number): Promise<boolean>;
  /** True when the error is a unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  /** Applies the dialect's numbered migrations not applied yet; returns their names. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}
