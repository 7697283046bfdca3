/**
 * Both dialects are migrated from their own SQL files (migrations/sqlite, migrations/postgres),
 * and one store runs on both: this test keeps the two schemas from drifting apart. It migrates
 * a SQLite file and a PostgreSQL schema and compares their tables, columns (name, NOT NULL),
 * indexes (columns, unique, partial), primary keys, unique constraints and how many CHECK
 * constraints each table has. Differences that are meant are listed below, each with why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import type { SqlRunner } from '../../src/store/sql-driver.js';
import { SqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';
import { dropSchema, newSchemaName, TEST_POSTGRES_URL } from '../support/postgres.js';

/**
 * Intended differences, as the facts below spell them (`dialect: fact`), each with its reason.
 * Keep it short: anything else that differs is drift and fails the test.
 */
const INTENDED_DIFFERENCES: Record<string, string> = {
  // None today. The dialects do differ in column types (INTEGER/BIGINT and the like) and in how
  // their append-only triggers are written (PL/pgSQL functions, RAISE(ABORT)); neither is compared.
};

interface SchemaFacts {
  tables: string[];
  columns: string[];
  indexes: string[];
  keys: string[];
  checks: string[];
}

async function sqliteFacts(db: SqlRunner): Promise<SchemaFacts> {
  const tables = await db.all<{ name: string; sql: string }>(
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  const facts: SchemaFacts = { tables: [], columns: [], indexes: [], keys: [], checks: [] };
  for (const { name: table, sql } of tables) {
    facts.tables.push(table);
    const columns = await db.all<{ name: string; notnull: number; pk: number }>('SELECT name, "notnull", pk FROM pragma_table_info(?)', [table]);
    for (const c of columns) facts.columns.push(`${table}.${c.name}${c.notnull || c.pk ? ' not null' : ''}`);
    const pk = columns
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    if (pk.length > 0) facts.keys.push(`${table} primary key (${pk.join(', ')})`);
    const checks = (sql.match(/\bCHECK\s*\(/gi) ?? []).length;
    if (checks > 0) facts.checks.push(`${table}: ${checks} check`);
    const indexes = await db.all<{ name: string; unique: number; origin: string; partial: number }>(
      'SELECT name, "unique", origin, partial FROM pragma_index_list(?)',
      [table],
    );
    for (const index of indexes) {
      if (index.origin === 'pk') continue;
      const keyColumns = await db.all<{ name: string | null }>('SELECT name FROM pragma_index_info(?) ORDER BY seqno', [index.name]);
      const cols = keyColumns.map((k) => k.name ?? '<expr>').join(', ');
      if (index.origin === 'u') facts.keys.push(`${table} unique (${cols})`);
      else facts.indexes.push(`${index.name} on ${table} (${cols})${index.unique ? ' unique' : ''}${index.partial ? ' partial' : ''}`);
    }
  }
  return sortAll(facts);
}

async function postgresFacts(db: SqlRunner): Promise<SchemaFacts> {
  const facts: SchemaFacts = { tables: [], columns: [], indexes: [], keys: [], checks: [] };
  const tables = await db.all<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
  );
  facts.tables = tables.map((t) => t.table_name);
  const columns = await db.all<{ table_name: string; column_name: string; is_nullable: string }>(
    'SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = current_schema()',
  );
  for (const c of columns) facts.columns.push(`${c.table_name}.${c.column_name}${c.is_nullable === 'NO' ? ' not null' : ''}`);
  const constraints = await db.all<{ table_name: string; contype: string; cols: string | null }>(`
    SELECT t.relname AS table_name, c.contype,
           (SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols
      FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
     WHERE t.relnamespace = current_schema()::regnamespace AND c.contype IN ('p', 'u', 'c')`);
  const checkCounts = new Map<string, number>();
  for (const c of constraints) {
    if (c.contype === 'p') facts.keys.push(`${c.table_name} primary key (${c.cols})`);
    else if (c.contype === 'u') facts.keys.push(`${c.table_name} unique (${c.cols})`);
    else checkCounts.set(c.table_name, (checkCounts.get(c.table_name) ?? 0) + 1);
  }
  for (const [table, count] of checkCounts) facts.checks.push(`${table}: ${count} check`);
  const indexes = await db.all<{ name: string; table_name: string; unique: boolean; partial: boolean; cols: string }>(`
    SELECT i.relname AS name, t.relname AS table_name, x.indisunique AS unique, x.indpred IS NOT NULL AS partial,
           (SELECT string_agg(CASE WHEN k.attnum = 0 THEN '<expr>' ELSE a.attname END, ', ' ORDER BY k.ord)
              FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
              LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
             WHERE k.ord <= x.indnkeyatts) AS cols
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
     WHERE t.relnamespace = current_schema()::regnamespace
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u'))`);
  for (const index of indexes)
    facts.indexes.push(`${index.name} on ${index.table_name} (${index.cols})${index.unique ? ' unique' : ''}${index.partial ? ' partial' : ''}`);
  return sortAll(facts);
}

function sortAll(facts: SchemaFacts): SchemaFacts {
  return {
    tables: [...facts.tables].sort(),
    columns: [...facts.columns].sort(),
    indexes: [...facts.indexes].sort(),
    keys: [...facts.keys].sort(),
    checks: [...facts.checks].sort(),
  };
}

/** What one side has and the other has not, minus the intended differences. */
function drift(sqlite: SchemaFacts, postgres: SchemaFacts): string[] {
  const out: string[] = [];
  for (const kind of Object.keys(sqlite) as (keyof SchemaFacts)[]) {
    const pg = new Set(postgres[kind]);
    const lite = new Set(sqlite[kind]);
    for (const fact of sqlite[kind]) if (!pg.has(fact) && !(`sqlite: ${fact}` in INTENDED_DIFFERENCES)) out.push(`sqlite only: ${fact}`);
    for (const fact of postgres[kind]) if (!lite.has(fact) && !(`postgres: ${fact}` in INTENDED_DIFFERENCES)) out.push(`postgres only: ${fact}`);
  }
  return out;
}

let dir: string;
let schema: string;
let sqlite: SqliteDriver;
let postgres: PostgresDriver;
let facts: { sqlite: SchemaFacts; postgres: SchemaFacts };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hrr-drift-'));
  schema = newSchemaName();
  sqlite = new SqliteDriver(join(dir, 'drift.db'));
  postgres = new PostgresDriver({ connectionString: TEST_POSTGRES_URL, poolSize: 2, statementTimeoutMs: 10_000, schema });
  await sqlite.migrate();
  await postgres.migrate();
  facts = { sqlite: await sqliteFacts(sqlite), postgres: await postgresFacts(postgres) };
});

afterAll(async () => {
  await sqlite?.close();
  await postgres?.close();
  await dropSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

describe('the two dialects’ schemas', () => {
  it('have the same tables, columns, indexes and constraints, but for the intended differences', () => {
    expect(drift(facts.sqlite, facts.postgres)).toEqual([]);
  });

  it('every intended difference still exists (the list does not outlive its reason)', () => {
    const all = new Set([
      ...Object.values(facts.sqlite)
        .flat()
        .map((f) => `sqlite: ${f}`),
      ...Object.values(facts.postgres)
        .flat()
        .map((f) => `postgres: ${f}`),
    ]);
    expect(Object.keys(INTENDED_DIFFERENCES).filter((d) => !all.has(d))).toEqual([]);
  });

  it('reads enough of each schema to notice drift', () => {
    expect(facts.sqlite.tables).toContain('handovers');
    expect(facts.sqlite.columns.length).toBeGreaterThan(50);
    expect(facts.postgres.indexes.length).toBeGreaterThan(3);
    expect(facts.sqlite.keys.some((k) => k.includes('unique'))).toBe(true);
    expect(facts.postgres.checks.length).toBeGreaterThan(0);
  });

  it('a column, index or constraint on one side only shows as drift', () => {
    const added = { ...facts.postgres, columns: [...facts.postgres.columns, 'handovers.new_column'], checks: [...facts.postgres.checks, 'referrals: 1 check'] };
    expect(drift(facts.sqlite, added)).toEqual(['postgres only: handovers.new_column', 'postgres only: referrals: 1 check']);
    const unindexed = { ...facts.sqlite, indexes: facts.sqlite.indexes.filter((i) => !i.startsWith('handovers_lease ')) };
    expect(drift(unindexed, facts.postgres)).toEqual([expect.stringMatching(/^postgres only: handovers_lease on handovers/)]);
  });
});
