/**
 * The audit trail over time: a ledger written before per-handover chains keeps verifying after
 * migration 0006 (its global chain becomes the first sealed segment), and `verify` run while
 * the service writes and checkpoints never reports a break that is not there.
 */
import Database from 'better-sqlite3';
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCheckpointFile } from '../../src/audit/checkpoint-file.js';
import { runAuditCheckpoint } from '../../src/audit/checkpointer.js';
import { GENESIS_HASH, sealAuditEvent } from '../../src/domain/audit-chain.js';
import { readMigrations } from '../../src/store/migration-files.js';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import type { SqlDriver } from '../../src/store/sql-driver.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { SqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';
import { dropSchema, newSchemaName, TEST_POSTGRES_URL } from '../support/postgres.js';
import { newReferral } from './store-contract.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hrr-trail-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A ledger as the code before 0006 left it: one global chain, its head, rows outside it. */
function writeLegacyLedger(file: string): { handoverId: string; events: number } {
  const db = new Database(file);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const m of readMigrations('sqlite').filter((m) => m.version <= 3)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 1);
  }
  const referralId = randomUUID();
  const handoverId = randomUUID();
  db.prepare("INSERT INTO referrals VALUES (?, 'R-old', 'h', '{}', NULL, 1, 'key:old')").run(referralId);
  db.prepare(
    "INSERT INTO handovers (id, referral_id, position, url, state, destination, created_at, updated_at) VALUES (?, ?, 0, 'https://old.example/', 'delivered', 'police', 1, 3)",
  ).run(handoverId, referralId);
  db.prepare(
    "INSERT INTO delivery_attempts (handover_id, attempt_no, destination, claim_token, started_at, outcome) VALUES (?, 1, 'police', 't', 2, 'delivered')",
  ).run(handoverId);
  let prev = GENESIS_HASH;
  const transitions: [string | null, string][] = [
    [null, 'locating'],
    ['locating', 'routed'],
    ['routed', 'delivering'],
    ['delivering', 'delivered'],
  ];
  transitions.forEach(([from, to], i) => {
    const e = sealAuditEvent(prev, {
      seq: i + 1,
      handoverId,
      referralId,
      at: i + 1,
      actor: 'system:old',
      kind: 'transition',
      fromState: from,
      toState: to,
      reason: null,
      data: null,
    });
    db.prepare(
      'INSERT INTO audit_events (seq, handover_id, referral_id, at, actor, kind, from_state, to_state, reason, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)',
    ).run(e.seq, handoverId, referralId, e.at, e.actor, e.kind, e.fromState, e.toState, e.reason, e.prevHash, e.hash);
    prev = e.hash;
  });
  db.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1').run(transitions.length, prev);
  db.close();
  return { handoverId, events: transitions.length };
}

describe('a ledger written before per-handover chains', () => {
  it('keeps verifying after the migration; its global chain is sealed as the first segment', async () => {
    const file = join(dir, 'old.db');
    const legacy = writeLegacyLedger(file);
    const store = new SqlStore(new SqliteDriver(file));
    try {
      expect(await store.migrate()).toContain('0006_audit_chains');
      const { privateKey } = generateKeyPairSync('ed25519');
      const checkpointFile = join(dir, 'checkpoints.jsonl');
      const verify = () => store.checkAuditTrail({ publicKey: createPublicKey(privateKey), file: readCheckpointFile(checkpointFile) ?? [] });
      expect((await verify()).problems).toEqual([]);

      const { handovers } = await store.createReferral(newReferral('R-new', ['https://new.example/']), 'key:analyst', 10);
      await store.transition(handovers[0]!.id, { to: 'routed', actor: 'system:locate', reason: 'BE', set: { destination: 'police' }, now: 11 });
      await store.transition(legacy.handoverId, { to: 'acknowledged', actor: 'system:ack', reason: 'registered', set: { reference: 'PV-1' }, now: 12 });

      const first = (await runAuditCheckpoint(store, { privateKey, checkpointFile, now: 20 })).sealed;
      expect(first).toMatchObject({ id: 1, fromSeq: 0, toSeq: legacy.events, size: legacy.events });
      const second = (await runAuditCheckpoint(store, { privateKey, checkpointFile, now: 21 })).sealed;
      expect(second).toMatchObject({ id: 2, fromSeq: legacy.events, size: 3 });
      const report = await verify();
      expect(report.problems).toEqual([]);
      expect(report.events).toBe(legacy.events + 3);

      // The legacy segment is as protected as the rest.
      const db = new Database(file);
      db.exec('DROP TRIGGER audit_events_no_update');
      db.prepare("UPDATE audit_events SET actor = 'key:mallory' WHERE seq = 2").run();
      db.close();
      expect((await verify()).problems).toEqual([expect.objectContaining({ problem: 'hash_mismatch', where: 'event 2 (legacy chain)' })]);
    } finally {
      await store.close();
    }
  });
});

async function writeAndVerifyConcurrently(writer: SqlStore, verifier: SqlStore) {
  await writer.migrate();
  const { privateKey } = generateKeyPairSync('ed25519');
  const checkpointFile = join(dir, 'checkpoints.jsonl');
  let writing = true;
  const writers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; i < 15; i++) {
      const { handovers } = await writer.createReferral(newReferral(`R-${w}-${i}`), 'key:analyst', 1_000 + i);
      for (const h of handovers)
        await writer.transition(h.id, { to: 'routed', actor: 'system:locate', reason: 'BE', set: { destination: 'police' }, now: 2_000 + i });
      if (i % 5 === 0) await runAuditCheckpoint(writer, { privateKey, checkpointFile, now: 3_000 + i });
    }
  });
  const done = Promise.all(writers).finally(() => (writing = false));
  const reports = [];
  while (writing) {
    const file = readCheckpointFile(checkpointFile) ?? [];
    reports.push(await verifier.checkAuditTrail({ publicKey: createPublicKey(privateKey), file, pageSize: 7 }));
  }
  await done;
  expect(reports.length).toBeGreaterThan(1);
  expect(reports.flatMap((r) => r.problems)).toEqual([]);
  expect(reports.filter((r) => r.checkpoints.length > 0).length).toBeGreaterThan(0);
}

describe('verify while the service writes and checkpoints', () => {
  it('reports no false break on SQLite (a read snapshot across pages)', async () => {
    const file = join(dir, 'busy.db');
    const writer = new SqlStore(new SqliteDriver(file));
    await writer.migrate();
    const verifier = new SqlStore(new SqliteDriver(file, { readOnly: true }));
    try {
      await writeAndVerifyConcurrently(writer, verifier);
    } finally {
      await verifier.close();
      await writer.close();
    }
  });

  it('reports no false break on PostgreSQL (repeatable read, seqs taken before commit)', async () => {
    const schema = newSchemaName();
    const driver = (pool: number): SqlDriver => new PostgresDriver({ connectionString: TEST_POSTGRES_URL, poolSize: pool, statementTimeoutMs: 10_000, schema });
    const writer = new SqlStore(driver(8));
    await writer.migrate();
    const verifier = new SqlStore(driver(1));
    try {
      await writeAndVerifyConcurrently(writer, verifier);
    } finally {
      await verifier.close();
      await writer.close();
      await dropSchema(schema);
    }
  });
});
