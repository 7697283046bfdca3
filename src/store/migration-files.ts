/**
 * Migrations are numbered plain SQL files per dialect (migrations/<dialect>/0001_name.sql),
 * never edited once landed. Each is applied in its own transaction and recorded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialect } from './sql-driver.js';

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

export function readMigrations(dialect: Dialect, root = MIGRATIONS_ROOT): MigrationFile[] {
  const dir = join(root, dialect);
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 4)), name: file.replace(/\.sql$/, ''), sql: readFileSync(join(dir, file), 'utf8') }));
}
