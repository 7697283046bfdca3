/**
 * The audit trail at size: how long sealing a checkpoint over 100 k new events takes, and how
 * long `audit verify` takes over 1 M events (every chain, every checkpoint's Merkle root and
 * signature, every handover row against its trail). The events are written straight into a
 * SQLite file with the store's own sealing functions (going through the API would take the
 * whole benchmark budget); the handover rows they describe are real rows.
 */
import Database from 'better-sqlite3';
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readCheckpointFile } from '../src/audit/checkpoint-file.js';
import { runAuditCheckpoint } from '../src/audit/checkpointer.js';
import { GENESIS_HASH, sealChainedEvent } from '../src/domain/audit-chain.js';
import { handoverFacts } from '../src/domain/handover-facts.js';
import { toHandover } from '../src/store/handover-rows.js';
import { SqlStore } from '../src/store/sql-store.js';
import { SqliteDriver } from '../src/store/sqlite/sqlite-driver.js';
import { round } from './bench-support.js';
import type { BenchFigure } from './figures.js';

const EVENTS_PER_HANDOVER = 10;

/** Appends handovers with EVENTS_PER_HANDOVER chained events each, until `events` in all. */
function writeEvents(file: string, fromHandover: number, events: number): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const insertReferral = db.prepare(
    "INSERT INTO referrals (id, report_id, body_hash, classification, reported_at, created_at, created_by) VALUES (?, ?, 'h', '{\"category\":\"baseline\"}', NULL, ?, 'key:bench')",
  );
  const insertHandover = db.prepare(
    "INSERT INTO handovers (id, referral_id, position, url, content_type, state, destination, country, created_at, updated_at, next_attempt_at) VALUES (?, ?, 0, ?, 'image', 'routed', 'police', 'BE', ?, ?, ?)",
  );
  const readHandover = db.prepare('SELECT * FROM handovers WHERE id = ?');
  const insertEvent = db.prepare(
    'INSERT INTO audit_events (handover_id, referral_id, at, actor, kind, from_state, to_state, reason, data, prev_hash, hash, chain, chain_seq, row_facts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)',
  );
  const handovers = Math.ceil(events / EVENTS_PER_HANDOVER);
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const referralId = randomUUID();
      const id = randomUUID();
      const at = 1_700_000_000_000 + i;
      insertReferral.run(referralId, `BENCH-AUDIT-${i}`, at);
      insertHandover.run(id, referralId, `https://host-${i % 97}.bench.test/${i}`, at, at, at);
      const facts = handoverFacts(toHandover(readHandover.get(id) as Record<string, unknown>));
      let prev = GENESIS_HASH;
      for (let n = 1; n <= EVENTS_PER_HANDOVER; n++) {
        const e = sealChainedEvent(prev, {
          chain: id,
          chainSeq: n,
          handoverId: id,
          referralId,
          at: at + n,
          actor: 'system:bench',
          kind: n === 1 ? 'intake' : 'annotation',
          fromState: n === 1 ? null : 'routed',
          toState: 'routed',
          reason: 'bench',
          data: null,
          row: facts,
        });
        insertEvent.run(id, referralId, e.at, e.actor, e.kind, e.fromState, e.toState, e.reason, e.prevHash, e.hash, id, n, JSON.stringify(facts));
        prev = e.hash;
      }
    }
  });
  for (let i = fromHandover; i < fromHandover + handovers; i += 2_000) batch(i, Math.min(i + 2_000, fromHandover + handovers));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return fromHandover + handovers;
}

export async function benchAudit(options: { checkpointEvents: number; verifyEvents: number }): Promise<{ figures: BenchFigure[]; failures: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-bench-audit-'));
  const file = join(dir, 'audit.db');
  const checkpointFile = join(dir, 'checkpoints.jsonl');
  const { privateKey } = generateKeyPairSync('ed25519');
  const failures: string[] = [];
  try {
    const store = new SqlStore(new SqliteDriver(file));
    await store.migrate();
    await store.close();

    const next = writeEvents(file, 0, options.checkpointEvents);
    let writer = new SqlStore(new SqliteDriver(file));
    const sealStarted = performance.now();
    const first = await runAuditCheckpoint(writer, { privateKey, checkpointFile, now: Date.now() });
    const sealMs = performance.now() - sealStarted;
    await writer.close();

    writeEvents(file, next, options.verifyEvents - options.checkpointEvents);
    writer = new SqlStore(new SqliteDriver(file));
    await runAuditCheckpoint(writer, { privateKey, checkpointFile, now: Date.now() });
    await writer.close();

    const verifier = new SqlStore(new SqliteDriver(file, { readOnly: true }));
    const verifyStarted = performance.now();
    const report = await verifier.checkAuditTrail({ publicKey: createPublicKey(privateKey), file: readCheckpointFile(checkpointFile) ?? [] });
    const verifyMs = performance.now() - verifyStarted;
    await verifier.close();
    if (!report.ok)
      failures.push(`audit verify found ${report.problems.length} problem(s) in an intact trail: ${report.problems[0]?.where}: ${report.problems[0]?.detail}`);
    return {
      failures,
      figures: [
        { name: `audit: seal a checkpoint over ${first.sealed?.size ?? 0} new events`, value: round(sealMs / 1000, 2), unit: 's' },
        {
          name: `audit: verify ${report.events} events (${report.handovers} handovers, ${report.checkpoints.length} checkpoints)`,
          value: round(verifyMs / 1000, 2),
          unit: report.ok ? 's, intact' : 's, FAILED',
        },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
