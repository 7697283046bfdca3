/**
 * The narrow database interface both dialects implement. Queries are plain SQL with `?`
 * placeholders (the PostgreSQL driver numbers them); times are epoch milliseconds and JSON is
 * text in both dialects, so one store implementation serves both. What the dialects do
 * differently about locking is a method here, implemented by each driver: no SQL the store
 * writes names a dialect.
 */
export type Dialect = 'sqlite' | 'postgres';

export interface SqlRunner {
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** How a driver keeps two writers off the same rows; SQLite's write lock covers its whole transaction. */
export interface RowLocking {
  /**
   * The SELECT, locking the rows it returns until the transaction ends (`FOR UPDATE`, or
   * `FOR UPDATE OF table` when the SELECT joins others that must stay unlocked). Unchanged on SQLite.
   */
  forUpdate(select: string, ofTable?: string): string;
  /**
   * The SELECT, locking its rows and passing over rows another transaction holds, so claimers
   * never wait on each other (only `ofTable`'s rows, when given, as with forUpdate).
   */
  forUpdateSkipLocked(select: string, ofTable?: string): string;
  /** Orders appends to the unattached audit chain (it has no handover row to lock); call inside the transaction. */
  lockUnattachedAuditChain(tx: SqlRunner): Promise<void>;
  /**
   * Takes a transaction-scoped lock per distinct URL key, in one global order, before a
   * referral inserts its URLs: two referrals naming the same URLs in opposite orders then
   * queue instead of deadlocking on each other's uncommitted keys.
   */
  lockUrlKeysInOrder(tx: SqlRunner, keys: readonly string[]): Promise<void>;
}

/**
 * What the dialects compute differently in statistics (the takedown clock): each driver's
 * folder holds its own, so the store's queries name no dialect.
 */
export interface StatisticsDialect {
  /**
   * Nearest-rank percentiles as aggregate columns (the smallest value with at least p % of the
   * values at or below it: rank ceil(p/100 × n); nulls left out). Wraps the subquery `from` into
   * the FROM of a query grouped by `by`, whose SELECT list takes `columns`: `<value>_p<p>` for
   * each value column and percent.
   */
  nearestRankPercentiles(from: string, by: readonly string[], values: readonly string[], percents: readonly number[]): { from: string; columns: string[] };
  /** The start of the UTC calendar month holding `epochMs` (an SQL expression), in epoch milliseconds. */
  monthStartMs(epochMs: string): string;
}

export interface SqlDriver extends SqlRunner, RowLocking {
  readonly dialect: Dialect;
  readonly statistics: StatisticsDialect;
  /** Runs fn in one transaction that holds the write lock from its start. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Runs fn in one read-only transaction: every read sees the same snapshot, writers go on. */
  snapshot<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Runs fn once no transaction that could still add an audit event with a lower seq is in
   * flight, and holds new ones off while fn runs (PostgreSQL hands out seqs before commit).
   */
  withAuditAppendsSettled<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** True when migration `version` has been applied (false before the first migration). */
  hasMigration(version: number): Promise<boolean>;
  /** True when the error is a unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  /** Applies the dialect's numbered migrations not applied yet; returns their names. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

/** A statement with its parameters, as the query builders return it. */
export interface Query {
  sql: string;
  params: unknown[];
}
