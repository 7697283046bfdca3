/**
 * The tamper matrix of issue #11: everything someone with write access to the database (but
 * neither the signing key nor the checkpoint file) might try, each of which `audit verify`
 * must catch once the events are checkpointed. Run against SQLite and PostgreSQL alike, with
 * the tampering done over a connection of its own, as an intruder would.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCheckpointFile } from '../../src/audit/checkpoint-file.js';
import { runAuditCheckpoint } from '../../src/audit/checkpointer.js';
import { loadOrCreateSigningKey } from '../../src/audit/signing-key-file.js';
import { GENESIS_HASH, hashChainedEvent, type AuditProblemKind } from '../../src/domain/audit-chain.js';
import { signCheckpoint } from '../../src/domain/audit-checkpoint.js';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import type { SqlDriver } from '../../src/store/sql-driver.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { SqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';
import { dropSchema, newSchemaName, TEST_POSTGRES_URL } from '../support/postgres.js';
import { newReferral } from './store-contract.js';

interface Ledger {
  dialect: 'sqlite' | 'postgres';
  store: SqlStore;
  /** Runs SQL over a connection of its own, around the store's rules. */
  tamper(sql: string, params?: unknown[]): Promise<void>;
  rows(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Drops or disables every append-only trigger, as an intruder with full access would. */
  dropTriggers(): Promise<void>;
  dir: string;
  close(): Promise<void>;
}

async function sqliteLedger(): Promise<Ledger & { file: string; reopen(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-tamper-'));
  const file = join(dir, 'ledger.db');
  const ledger = {
    dialect: 'sqlite' as const,
    dir,
    file,
    store: new SqlStore(new SqliteDriver(file)),
    reopen() {
      ledger.store = new SqlStore(new SqliteDriver(file));
    },
    async tamper(sql: string, params: unknown[] = []) {
      const db = new Database(file);
      try {
        db.prepare(sql).run(...params);
      } finally {
        db.close();
      }
    },
    async rows(sql: string, params: unknown[] = []) {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare(sql).all(...params) as Record<string, unknown>[];
      } finally {
        db.close();
      }
    },
    async dropTriggers() {
      const db = new Database(file);
      try {
        for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) db.exec(`DROP TRIGGER ${name}`);
      } finally {
        db.close();
      }
    },
    async close() {
      await ledger.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return ledger;
}

async function postgresLedger(): Promise<Ledger> {
  const schema = newSchemaName();
  const dir = mkdtempSync(join(tmpdir(), 'hrr-tamper-'));
  const intruder = new PostgresDriver({ connectionString: TEST_POSTGRES_URL, poolSize: 1, statementTimeoutMs: 10_000, schema });
  const store = new SqlStore(new PostgresDriver({ connectionString: TEST_POSTGRES_URL, poolSize: 6, statementTimeoutMs: 10_000, schema }));
  return {
    dialect: 'postgres',
    dir,
    store,
    tamper: async (sql, params = []) => void (await intruder.run(sql, params)),
    rows: (sql, params = []) => intruder.all(sql, params),
    async dropTriggers() {
      for (const table of ['audit_events', 'audit_checkpoints', 'audit_head', 'delivery_attempts', 'acknowledgements', 'audit_legacy_extent'])
        await intruder.run(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    },
    async close() {
      await store.close();
      await intruder.close();
      await dropSchema(schema);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Handovers in several states, with attempts, acknowledgements and one unattached callback. */
async function writeLedger(store: SqlStore, prefix: string, now = 1_000): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { handovers } = await store.createReferral(
      newReferral(`${prefix}-${i}`, [`https://h${i}.example/${prefix}/a`, `https://h${i}.example/${prefix}/b`]),
      'key:analyst',
      now,
    );
    for (const h of handovers) {
      ids.push(h.id);
      await store.transition(h.id, {
        to: 'routed',
        actor: 'system:locate',
        reason: 'hosted in BE',
        set: { destination: 'police', country: 'BE' },
        now: now + 1,
      });
    }
  }
  const claimed = await store.claimDue({ destination: 'police', now: now + 2, limit: 4, leaseMs: 60_000, token: 'lease-1', actor: 'system:dispatch' });
  for (const h of claimed) {
    await store.recordAttempt({
      handoverId: h.id,
      attemptNo: 1,
      destination: 'police',
      claimToken: 'lease-1',
      startedAt: now + 3,
      finishedAt: now + 4,
      durationMs: 1,
      outcome: 'delivered',
      statusCode: 201,
      errorClass: null,
      requestHash: `req-${h.id}`,
      responseDigest: `resp-${h.id}`,
      detail: null,
    });
    await store.transition(h.id, {
      to: 'delivered',
      actor: 'system:dispatch',
      reason: 'accepted',
      expectLeaseToken: 'lease-1',
      set: { reference: `PV-${h.id.slice(0, 6)}`, deliveredAt: now + 4, leaseToken: null, leaseExpiresAt: null, attemptCount: 1 },
      now: now + 4,
    });
    await store.recordAck({
      handoverId: h.id,
      destination: 'police',
      source: 'callback',
      status: 'registered',
      reference: `PV-${h.id.slice(0, 6)}`,
      reason: null,
      applied: true,
      note: null,
      webhookId: `msg-${h.id}`,
      receivedAt: now + 5,
    });
  }
  await store.recordAck(
    {
      handoverId: randomUUID(),
      destination: 'police',
      source: 'callback',
      status: 'registered',
      reference: null,
      reason: null,
      applied: false,
      note: 'unknown handover',
      webhookId: 'msg-x',
      receivedAt: now + 6,
    },
    { actor: 'key:police', kind: 'ack_refused', reason: 'unknown handover', now: now + 6 },
  );
  return ids;
}

for (const [name, open] of [
  ['SQLite', sqliteLedger],
  ['PostgreSQL', postgresLedger],
] as const) {
  describe(`audit tamper matrix: ${name}`, () => {
    let ledger: Ledger;
    let key: KeyObject;
    let publicKey: KeyObject;
    let checkpointFile: string;
    let handovers: string[];

    const checkpoint = (now = 50_000) => runAuditCheckpoint(ledger.store, { privateKey: key, checkpointFile, now });
    const verify = () => ledger.store.checkAuditTrail({ publicKey, file: readCheckpointFile(checkpointFile) ?? [] });
    async function expectCaught(...kinds: AuditProblemKind[]) {
      const report = await verify();
      expect(report.ok).toBe(false);
      expect(report.problems.map((p) => p.problem)).toEqual(expect.arrayContaining(kinds));
      return report;
    }

    beforeEach(async () => {
      ledger = await open();
      await ledger.store.migrate();
      ({ privateKey: key } = loadOrCreateSigningKey(join(ledger.dir, 'audit.key')));
      publicKey = createPublicKey(key);
      checkpointFile = join(ledger.dir, 'checkpoints.jsonl');
      handovers = await writeLedger(ledger.store, 'R');
      expect((await checkpoint()).sealed).not.toBeNull();
    });
    afterEach(async () => {
      await ledger.close();
    });

    it('verifies an untouched ledger, with every checkpoint in the file', async () => {
      const report = await verify();
      expect(report.problems).toEqual([]);
      expect(report.checkpoints).toHaveLength(1);
      expect(report.unsealed).toBe(0);
      expect(report.handovers).toBe(6);
    });

    it('refuses INSERT OR REPLACE / TRUNCATE while the triggers stand', async () => {
      if (ledger.dialect === 'sqlite') {
        await expect(
          ledger.tamper("INSERT OR REPLACE INTO audit_events (seq, at, actor, kind, prev_hash, hash) VALUES (2, 0, 'key:mallory', 'x', '', '')"),
        ).rejects.toThrow(/append-only/);
        await expect(
          ledger.tamper(
            "REPLACE INTO audit_checkpoints (id, from_seq, to_seq, size, root, prev, at, key_id, signature, hash, public_key) VALUES (1, 0, 0, 0, '', '', 0, '', '', '', '')",
          ),
        ).rejects.toThrow(/append-only/);
      } else {
        for (const table of ['audit_events', 'audit_checkpoints', 'delivery_attempts', 'acknowledgements'])
          await expect(ledger.tamper(`TRUNCATE ${table} CASCADE`)).rejects.toThrow(/append-only/);
      }
      expect((await verify()).ok).toBe(true);
    });

    it('catches an event edited through INSERT OR REPLACE (or an upsert) once the triggers are gone', async () => {
      await ledger.dropTriggers();
      const [row] = await ledger.rows("SELECT * FROM audit_events WHERE kind = 'attempt' ORDER BY seq LIMIT 1");
      const edited = { ...row, data: String(row!.data).replace('"delivered"', '"failed"') };
      const cols = Object.keys(edited);
      const verb = ledger.dialect === 'sqlite' ? 'INSERT OR REPLACE INTO' : 'INSERT INTO';
      const upsert = ledger.dialect === 'sqlite' ? '' : ` ON CONFLICT (seq) DO UPDATE SET data = EXCLUDED.data`;
      await ledger.tamper(`${verb} audit_events (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})${upsert}`, Object.values(edited));
      // The stored hash (what the checkpoint sealed) no longer matches the content.
      await expectCaught('hash_mismatch', 'record_mismatch');
    });

    it('catches an edited event', async () => {
      await ledger.dropTriggers();
      await ledger.tamper("UPDATE audit_events SET actor = 'key:mallory' WHERE seq = 3");
      expect((await expectCaught('hash_mismatch')).problems[0]).toMatchObject({ problem: 'hash_mismatch', where: expect.stringMatching(/^event 3 /) });
    });

    it('catches a deleted event in the middle of a chain', async () => {
      await ledger.dropTriggers();
      await ledger.tamper("DELETE FROM audit_events WHERE handover_id = ? AND to_state = 'routed'", [handovers[0]]);
      await expectCaught('sequence_gap', 'chain_break', 'checkpoint_mismatch');
    });

    it('catches two events of different handovers swapped in the global order', async () => {
      await ledger.dropTriggers();
      const [a, b] = await ledger.rows("SELECT seq FROM audit_events WHERE kind = 'intake' ORDER BY seq LIMIT 2");
      await ledger.tamper('UPDATE audit_events SET seq = -1 WHERE seq = ?', [a!.seq]);
      await ledger.tamper('UPDATE audit_events SET seq = ? WHERE seq = ?', [a!.seq, b!.seq]);
      await ledger.tamper('UPDATE audit_events SET seq = ? WHERE seq = -1', [b!.seq]);
      // Each chain is still whole; only the signed order gives it away.
      const report = await expectCaught('checkpoint_mismatch');
      expect(report.problems.map((p) => p.problem)).not.toContain('hash_mismatch');
    });

    it('catches the last events deleted and the checkpoint head moved back', async () => {
      await writeLedger(ledger.store, 'S', 2_000);
      expect((await checkpoint(60_000)).sealed?.id).toBe(2);
      await ledger.dropTriggers();
      const [last] = await ledger.rows('SELECT from_seq FROM audit_checkpoints WHERE id = 2');
      await ledger.tamper('DELETE FROM audit_events WHERE seq > ?', [last!.from_seq]);
      await ledger.tamper('DELETE FROM audit_checkpoints WHERE id = 2');
      await expectCaught('rolled_back');
    });

    it('catches everything deleted', async () => {
      await ledger.dropTriggers();
      for (const table of ['audit_events', 'audit_checkpoints', 'acknowledgements', 'delivery_attempts', 'handovers', 'referrals'])
        await ledger.tamper(`DELETE FROM ${table}`);
      const report = await expectCaught('rolled_back');
      expect(report.events).toBe(0);
    });

    it('catches a chain re-sealed with the project’s own functions, and a checkpoint re-signed with another key', async () => {
      await ledger.dropTriggers();
      const id = handovers[0]!;
      await ledger.tamper("UPDATE audit_events SET reason = 'never happened' WHERE handover_id = ? AND chain_seq = 2", [id]);
      // Re-seal the whole chain so every link and hash is right again.
      let prev = GENESIS_HASH;
      for (const e of await ledger.store.listAuditEvents(id)) {
        const hash = hashChainedEvent(prev, { ...e, chain: e.chain!, chainSeq: e.chainSeq!, row: e.row ?? null });
        await ledger.tamper('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?', [prev, hash, e.seq]);
        prev = hash;
      }
      let report = await expectCaught('checkpoint_mismatch');
      expect(report.problems.map((p) => p.problem)).not.toContain('hash_mismatch');
      // And the checkpoint itself, re-signed with a key of the intruder's own.
      const [c] = await ledger.rows('SELECT * FROM audit_checkpoints WHERE id = 1');
      const tree = await ledger.store.listAuditCheckpoints();
      await ledger.tamper('DELETE FROM audit_checkpoints');
      const forged = signCheckpoint(
        {
          id: 1,
          fromSeq: 0,
          toSeq: Number(c!.to_seq),
          size: Number(c!.size),
          root: await rootNow(ledger.store, Number(c!.to_seq)),
          prev: GENESIS_HASH,
          at: tree[0]!.at,
        },
        generateKeyPairSync('ed25519').privateKey,
      );
      await ledger.tamper(
        'INSERT INTO audit_checkpoints (id, from_seq, to_seq, size, root, prev, at, key_id, signature, hash, public_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          forged.id,
          forged.fromSeq,
          forged.toSeq,
          forged.size,
          forged.root,
          forged.prev,
          forged.at,
          forged.keyId,
          forged.signature,
          forged.hash,
          forged.publicKey,
        ],
      );
      report = await expectCaught('checkpoint_invalid', 'checkpoint_file_mismatch');
      expect(report.problems.map((p) => p.problem)).not.toContain('checkpoint_mismatch');
    });

    it('catches an edited handover, attempt or acknowledgement row', async () => {
      await ledger.dropTriggers();
      const [delivered] = await ledger.rows("SELECT id FROM handovers WHERE state = 'delivered' LIMIT 1");
      await ledger.tamper("UPDATE handovers SET state = 'closed', reference = 'PV-FAKE' WHERE id = ?", [delivered!.id]);
      await ledger.tamper("UPDATE handovers SET url = 'https://elsewhere.example/' WHERE id = ?", [handovers[5]]);
      await ledger.tamper("UPDATE delivery_attempts SET response_digest = 'forged' WHERE id = (SELECT MIN(id) FROM delivery_attempts)");
      await ledger.tamper("UPDATE acknowledgements SET status = 'closed' WHERE id = (SELECT MIN(id) FROM acknowledgements)");
      const report = await expectCaught('row_mismatch', 'record_mismatch');
      const text = report.problems.map((p) => `${p.where}: ${p.detail}`).join('\n');
      expect(text).toContain(`handover ${String(delivered!.id)}: state is "closed", trail says "delivered"`);
      expect(text).toContain(`handover ${handovers[5]}: other columns differ`);
      expect(text).toMatch(/attempt \d+: row differs/);
      expect(text).toMatch(/acknowledgement \d+: row differs/);
    });

    it('catches an edited ICCAM assignment step, which events record in the clear', async () => {
      await ledger.dropTriggers();
      await ledger.tamper("UPDATE handovers SET iccam_assignment = 'gave-up' WHERE id = ?", [handovers[2]]);
      const report = await expectCaught('row_mismatch');
      expect(report.problems.map((p) => `${p.where}: ${p.detail}`).join('\n')).toContain(
        `handover ${handovers[2]}: iccamAssignment is "gave-up", trail says null`,
      );
    });

    it('catches a forged takedown: a removal time or an escalation the trail never recorded', async () => {
      await ledger.dropTriggers();
      await ledger.tamper('UPDATE handovers SET content_removed_at = 1 WHERE id = ?', [handovers[3]]);
      await ledger.tamper('UPDATE handovers SET removal_overdue_at = 2 WHERE id = ?', [handovers[4]]);
      const text = (await expectCaught('row_mismatch')).problems.map((p) => `${p.where}: ${p.detail}`).join('\n');
      expect(text).toContain(`handover ${handovers[3]}: contentRemovedAt is 1, trail says null`);
      expect(text).toContain(`handover ${handovers[4]}: removalOverdueAt is 2, trail says null`);
    });

    it('catches an edited referral row', async () => {
      await ledger.dropTriggers();
      await ledger.tamper(`UPDATE referrals SET classification = '{"category":"other"}' WHERE report_id = 'R-0'`);
      await ledger.tamper("UPDATE referrals SET report_id = 'R-9' WHERE report_id = 'R-1'");
      const report = await expectCaught('row_mismatch');
      expect(report.problems.map((p) => p.detail)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^classification differs/), expect.stringMatching(/^reportId is "R-9", intake recorded "R-1"/)]),
      );
    });

    it('catches a deleted attempt row and an invented one', async () => {
      await ledger.dropTriggers();
      await ledger.tamper('DELETE FROM delivery_attempts WHERE id = (SELECT MIN(id) FROM delivery_attempts)');
      await ledger.tamper(
        "INSERT INTO delivery_attempts (handover_id, attempt_no, destination, claim_token, started_at, outcome) VALUES (?, 9, 'police', 't', 1, 'delivered')",
        [handovers[0]],
      );
      const report = await expectCaught('record_mismatch');
      expect(report.problems.map((p) => p.detail)).toEqual(expect.arrayContaining([expect.stringMatching(/the row is gone/), 'row has no event in any trail']));
    });

    if (name === 'PostgreSQL') {
      it('catches TRUNCATE once the trigger is disabled', async () => {
        await ledger.dropTriggers();
        await ledger.tamper('TRUNCATE audit_events, audit_checkpoints');
        await expectCaught('rolled_back', 'row_mismatch');
      });
    }
  });
}

/** The Merkle root an intruder would compute over the events as they now are. */
async function rootNow(store: SqlStore, toSeq: number): Promise<string> {
  const { MerkleRootBuilder } = await import('../../src/domain/merkle-tree.js');
  const { checkpointEntry } = await import('../../src/domain/audit-chain.js');
  const tree = new MerkleRootBuilder();
  const events = [];
  for (const h of await store.listHandovers({ limit: 1000 })) events.push(...(await store.listAuditEvents(h.id)));
  const unattached = (
    await (store as unknown as { db: SqlDriver }).db.all('SELECT seq, chain, chain_seq, hash FROM audit_events WHERE handover_id IS NULL')
  ).map((r) => ({ seq: Number(r.seq), chain: r.chain as string, chainSeq: Number(r.chain_seq), hash: String(r.hash) }));
  for (const e of [...events, ...unattached].filter((e) => e.seq <= toSeq).sort((a, b) => a.seq - b.seq)) tree.addEntry(checkpointEntry(e));
  return tree.root();
}

describe('audit tamper matrix: SQLite file rolled back', () => {
  it('catches a database file put back to an earlier copy', async () => {
    const ledger = await sqliteLedger();
    try {
      await ledger.store.migrate();
      const { privateKey } = loadOrCreateSigningKey(join(ledger.dir, 'audit.key'));
      const checkpointFile = join(ledger.dir, 'checkpoints.jsonl');
      await writeLedger(ledger.store, 'R');
      await runAuditCheckpoint(ledger.store, { privateKey, checkpointFile, now: 10_000 });
      await ledger.store.close();
      copyFileSync(ledger.file, join(ledger.dir, 'copy.db'));
      ledger.reopen();
      await writeLedger(ledger.store, 'S', 20_000);
      await runAuditCheckpoint(ledger.store, { privateKey, checkpointFile, now: 30_000 });
      await ledger.store.close();
      copyFileSync(join(ledger.dir, 'copy.db'), ledger.file);
      rmSync(`${ledger.file}-wal`, { force: true });
      rmSync(`${ledger.file}-shm`, { force: true });
      ledger.reopen();
      const report = await ledger.store.checkAuditTrail({ publicKey: createPublicKey(privateKey), file: readCheckpointFile(checkpointFile) ?? [] });
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual([expect.objectContaining({ problem: 'rolled_back', where: 'checkpoint 2' })]);
    } finally {
      await ledger.close();
    }
  });
});
