/**
 * PostgreSQL through `pg`: the store for several replicas. `?` placeholders are numbered here
 * so queries stay one text for both dialects. BIGINT comes back as a JS number (our values are
 * epoch milliseconds and counters, far below 2^53): the pool gets its own type parsers, so
 * nothing in the process-wide `pg.types` changes and importing this module sets nothing.
 */
import pg from 'pg';
import { StoreUnavailableError } from '../../domain/errors.js';
import { readMigrations } from '../migration-files.js';
import type { SqlDriver, SqlRunner } from '../sql-driver.js';
import { POSTGRES_STATISTICS } from './postgres-statistics.js';

type Params = readonly unknown[];

/** Numbers `?` placeholders as $1, $2... (our SQL never holds a literal question mark). */
function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** pg's default parsers, except BIGINT (and COUNT(*)) as a number rather than a string. */
function bigintAsNumber(): pg.CustomTypesConfig {
  const parseBigint = (value: string) => Number(value);
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === pg.types.builtins.INT8 && (format ?? 'text') === 'text'
        ? parseBigint
        : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/**
 * Errors that mean "the database is not there right now" (server restarting, network gone)
 * rather than "this statement is wrong": the API answers 503 and jobs try again next run.
 */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && CONNECTION_ERROR_CODES.has(e.code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end/i.test(e.message ?? '');
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw isConnectionError(error) ? new StoreUnavailableError(error) : error;
  }
}

function runnerFor(client: pg.Pool | pg.PoolClient, toPg: (sql: string) => string): SqlRunner {
  return {
    all: (sql: string, params: Params = []) => guarded(async () => (await client.query(toPg(sql), params as unknown[])).rows),
    get: (sql: string, params: Params = []) => guarded(async () => (await client.query(toPg(sql), params as unknown[])).rows[0]),
    run: (sql: string, params: Params = []) => guarded(async () => (await client.query(toPg(sql), params as unknown[])).rowCount ?? 0),
  } as SqlRunner;
}

export interface PostgresOptions {
  connectionString: string;
  poolSize: number;
  statementTimeoutMs: number;
  /** Schema to work in (tests give each run its own); created when missing. */
  schema?: string;
  onError?: (error: Error) => void;
}

/** Every migration run takes this advisory lock, so replicas starting together apply each once. */
const MIGRATION_LOCK = 4_823_117;
/** Orders the unattached audit chain, which has no handover row to lock. */
const UNATTACHED_CHAIN_LOCK = 4_823_118;
/** The advisory lock class of URL keys (the two-number form, apart from the single-number locks above). */
const URL_KEY_LOCK_CLASS = 15;

/** A client taken from the pool, listened on for as long as it is out. */
interface CheckedOut {
  client: pg.PoolClient;
  /** The error its connection died of while it was out (pg_terminate_backend, a failover), if it did. */
  lost(): Error | null;
  /** Back to the pool, or destroyed when its connection is gone. */
  release(broken?: boolean): void;
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly statistics = POSTGRES_STATISTICS;
  private readonly pool: pg.Pool;
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly runner: SqlRunner;
  private readonly schema: string | undefined;
  /** Numbered texts by query text: the store's named queries, whose builders vary only in how many `?` a list holds. */
  private readonly numbered = new Map<string, string>();
  private readonly toPg = (sql: string): string => {
    let out = this.numbered.get(sql);
    if (out === undefined) {
      out = numberPlaceholders(sql);
      this.numbered.set(sql, out);
    }
    return out;
  };

  constructor(options: PostgresOptions) {
    this.schema = options.schema;
    this.onError = options.onError;
    if (this.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new Error('invalid schema name');
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      statement_timeout: options.statementTimeoutMs,
      connectionTimeoutMillis: 5_000,
      types: bigintAsNumber(),
      ...(this.schema ? { options: `-c search_path=${this.schema}` } : {}),
    });
    // An idle client losing its connection (server restart) must not crash the process.
    this.pool.on('error', (error) => options.onError?.(error));
    this.runner = runnerFor(this.pool, this.toPg);
  }

  all<T>(sql: string, params?: Params): Promise<T[]> {
    return this.runner.all<T>(sql, params);
  }
  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.runner.get<T>(sql, params);
  }
  run(sql: string, params?: Params): Promise<number> {
    return this.runner.run(sql, params);
  }

  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.inTransaction('BEGIN', fn);
  }

  /** One read-only snapshot for the whole of `fn` (audit verify). */
  snapshot<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.inTransaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
  }

  /**
   * Puts an 'error' listener on a client taken from the pool. pg emits 'error' on a client
   * whose connection dies while no query of it is running (between two statements of a
   * transaction); the pool listens on idle clients only, and an unheard 'error' ends the process.
   */
  private listenOn(client: pg.PoolClient): CheckedOut {
    let lost: Error | null = null;
    const onError = (error: Error) => {
      lost = error;
      this.onError?.(error);
    };
    client.on('error', onError);
    return {
      client,
      lost: () => lost,
      release: (broken = false) => {
        client.off('error', onError);
        client.release(broken || lost !== null);
      },
    };
  }

  private async inTransaction<T>(begin: string, fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const out = this.listenOn(await guarded(() => this.pool.connect()));
    const { client } = out;
    let broken = false;
    try {
      await guarded(() => client.query(begin));
      const result = await fn(runnerFor(client, this.toPg));
      await guarded(() => client.query('COMMIT'));
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection itself is gone: do not return it to the pool
      }
      // Whatever a statement made of it, a transaction whose connection died is the store
      // being unavailable: callers answer 503 or try again on their next run.
      const lost = out.lost();
      throw lost && !(error instanceof StoreUnavailableError) ? new StoreUnavailableError(lost) : error;
    } finally {
      out.release(broken);
    }
  }

  forUpdate(select: string, ofTable?: string): string {
    return `${select} FOR UPDATE${ofTable ? ` OF ${ofTable}` : ''}`;
  }

  forUpdateSkipLocked(select: string, ofTable?: string): string {
    return `${select} FOR UPDATE${ofTable ? ` OF ${ofTable}` : ''} SKIP LOCKED`;
  }

  async lockUnattachedAuditChain(tx: SqlRunner): Promise<void> {
    await tx.get('SELECT pg_advisory_xact_lock(?::bigint) AS locked', [UNATTACHED_CHAIN_LOCK]);
  }

  /** The unique index on live_url_key, not these locks, is what keeps one live case per URL. */
  async lockUrlKeysInOrder(tx: SqlRunner, keys: readonly string[]): Promise<void> {
    // One round trip: the aggregate takes the locks row by row as the sorted subquery yields them.
    await tx.get(
      'SELECT COUNT(pg_advisory_xact_lock(?, h)) AS locked FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(?::text[]) AS k ORDER BY h) AS ordered',
      [URL_KEY_LOCK_CLASS, keys],
    );
  }

  /**
   * seq comes from a sequence, taken before commit: a transaction can still be about to
   * commit an event with a lower seq than one already visible. SHARE mode waits for every
   * transaction that has inserted into audit_events to end and holds new inserts off while fn
   * runs, so fn sees a final prefix of the trail. fn must be short.
   */
  withAuditAppendsSettled<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.transaction(async (tx) => {
      await tx.run('LOCK TABLE audit_events IN SHARE MODE');
      return fn(tx);
    });
  }

  async hasMigration(version: number): Promise<boolean> {
    const table = await this.runner.get<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
    if (!table?.t) return false;
    return (await this.runner.get('SELECT 1 FROM schema_migrations WHERE version = ?', [version])) !== undefined;
  }

  isUniqueViolation(error: unknown): boolean {
    return (error as { code?: string } | null)?.code === '23505';
  }

  async migrate(): Promise<string[]> {
    // Not guarded: a server that cannot be reached at all is a start-up refusal naming DATABASE_URL.
    const out = this.listenOn(await this.pool.connect());
    const { client } = out;
    try {
      if (this.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
        const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
        const done: string[] = [];
        for (const migration of readMigrations('postgres')) {
          if (applied.has(migration.version)) continue;
          await client.query('BEGIN');
          try {
            await client.query(migration.sql);
            await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
              migration.version,
              migration.name,
              Date.now(),
            ]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
          done.push(migration.name);
        }
        return done;
      } finally {
        // A connection that died holds no lock any more; its own error is the one to report.
        if (!out.lost()) await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } catch (error) {
      throw out.lost() ?? error;
    } finally {
      out.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
