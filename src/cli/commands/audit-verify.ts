/**
 * `referral audit verify` (contract §6): checks the whole trail in one read-only snapshot and
 * exits 0 intact, 1 broken (printing what and where), 2 could not check. It never creates or
 * migrates a database: a mistyped path is exit 2 with no file left behind.
 */
import { existsSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { readCheckpointFile, readCheckpointFileLedger, type CheckpointFileLedger } from '../../audit/checkpoint-file.js';
import { loadPublicKey, publicKeyFileFor } from '../../audit/signing-key-file.js';
import type { Config } from '../../config/config.js';
import { keyIdOf } from '../../domain/audit-checkpoint.js';
import { CannotCheckError, coerceError } from '../../domain/errors.js';
import { PostgresDriver } from '../../store/postgres/postgres-driver.js';
import type { SqlDriver } from '../../store/sql-driver.js';
import { SqlStore } from '../../store/sql-store.js';
import { SqliteDriver } from '../../store/sqlite/sqlite-driver.js';
import type { TrailReport } from '../../store/audit-trail-check.js';

/** The migration that brought per-handover chains and checkpoints. */
const AUDIT_CHAINS_MIGRATION = 6;
const MAX_PROBLEMS_PRINTED = 100;

export interface AuditVerifyOptions {
  publicKey?: string;
  checkpointFile?: string;
  json?: boolean;
}

function openReadOnly(url: string, statementTimeoutMs: number): SqlDriver {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === ':memory:' || !existsSync(path)) throw new CannotCheckError(`no database at ${path}`);
    try {
      return new SqliteDriver(path, { readOnly: true });
    } catch (error) {
      throw new CannotCheckError(`cannot open ${path}: ${coerceError(error).message}`);
    }
  }
  return new PostgresDriver({ connectionString: url, poolSize: 1, statementTimeoutMs: Math.max(statementTimeoutMs, 600_000) });
}

function pinnedKey(config: Config, option: string | undefined): { key: KeyObject | null; source: string } {
  const file = option ?? publicKeyFileFor(config.audit.signingKeyFile);
  if (!existsSync(file)) {
    if (option) throw new CannotCheckError(`no public key at ${option}`);
    return { key: null, source: `none (${file} not found): checked against the key the checkpoints name` };
  }
  try {
    return { key: loadPublicKey(file), source: file };
  } catch (error) {
    throw new CannotCheckError(`cannot read the public key ${file}: ${coerceError(error).message}`);
  }
}

export async function auditVerifyCommand(config: Config, options: AuditVerifyOptions = {}): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let driver: SqlDriver | null = null;
  try {
    const { key, source } = pinnedKey(config, options.publicKey);
    const checkpointFile = options.checkpointFile ?? config.audit.checkpointFile;
    // Read before the snapshot: the file is only ever appended after the database commits,
    // so everything read here is already in the snapshot taken next.
    const file = readCheckpointFile(checkpointFile);
    const fileLedger = readCheckpointFileLedger(checkpointFile);
    driver = openReadOnly(config.database.url, config.database.statementTimeoutMs);
    let migrated: boolean;
    try {
      migrated = await driver.hasMigration(AUDIT_CHAINS_MIGRATION);
    } catch (error) {
      throw new CannotCheckError(`cannot read the database: ${coerceError(error).message}`);
    }
    if (!migrated) throw new CannotCheckError('the database has no audit trail of this version (not migrated: run `referral migrate`)');
    const store = new SqlStore(driver);
    const started = Date.now();
    const report = withLedgerCheck(await store.checkAuditTrail({ publicKey: key, file: file ?? [] }), fileLedger, await store.readLedgerId().catch(() => null));
    const ms = Date.now() - started;
    if (options.json) {
      out(JSON.stringify({ ...report, publicKey: source, checkpointFile, ms }));
    } else {
      printReport(out, report, { keySource: source, keyId: key ? keyIdOf(key) : null, checkpointFile, fileFound: file !== null, ms });
    }
    process.exitCode = report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof CannotCheckError) {
      process.stderr.write(`audit verify: could not check: ${error.message}\n`);
    } else {
      process.stderr.write(`audit verify: could not check: ${coerceError(error).message}\n`);
    }
    process.exitCode = 2;
  } finally {
    await driver?.close().catch(() => undefined);
  }
}

/** A file naming another ledger than this database's is a mismatch, whatever its lines say. */
function withLedgerCheck(report: TrailReport, fileLedger: CheckpointFileLedger, databaseLedger: string | null): TrailReport {
  if (fileLedger.file !== 'named' || databaseLedger === null || fileLedger.ledgerId === databaseLedger) return report;
  const problem = {
    problem: 'checkpoint_file_mismatch' as const,
    where: 'checkpoint file line 1',
    detail: `the file belongs to ledger ${fileLedger.ledgerId}; this database's ledger is ${databaseLedger}`,
  };
  return { ...report, ok: false, problems: [problem, ...report.problems] };
}

function printReport(
  out: (line: string) => void,
  report: TrailReport,
  info: { keySource: string; keyId: string | null; checkpointFile: string; fileFound: boolean; ms: number },
): void {
  out(`public key: ${info.keySource}${info.keyId ? ` (key id ${info.keyId.slice(0, 16)}…)` : ''}`);
  out(`checkpoint file: ${info.checkpointFile}${info.fileFound ? '' : ' (not found)'}`);
  out(`checkpoints: ${report.checkpoints.length}`);
  for (const c of report.checkpoints) {
    out(
      `  #${c.id}  ${new Date(c.at).toISOString()}  events ${c.fromSeq + 1}..${c.toSeq} (${c.size})  root ${c.root.slice(0, 16)}…  hash ${c.hash.slice(0, 16)}…`,
    );
  }
  out(`events: ${report.events} in ${report.chains} chains; ${report.unsealed} after the last checkpoint (protected by their chains only)`);
  out(`handovers: ${report.handovers} checked against their trails`);
  for (const note of report.notes) out(`note: ${note}`);
  if (report.ok) {
    out(`audit trail intact (${info.ms} ms)`);
    return;
  }
  out(`audit trail BROKEN: ${report.problems.length} problem(s)`);
  for (const p of report.problems.slice(0, MAX_PROBLEMS_PRINTED)) out(`  ${p.problem}  ${p.where}: ${p.detail}`);
  if (report.problems.length > MAX_PROBLEMS_PRINTED) out(`  … and ${report.problems.length - MAX_PROBLEMS_PRINTED} more`);
}
