/**
 * AUDIT_CHECKPOINT_FILE belongs to one ledger: a new file names the ledger in its first line,
 * a second database pointed at it is refused at start-up in one line (and its checkpoint runs
 * fail rather than append nothing in silence), and a file from before the ledger line stays
 * bound to the database that holds its first checkpoint. `audit verify` passes on a fresh
 * ledger and names a file of another ledger as a mismatch.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bindCheckpointFile } from '../../src/audit/checkpoint-binding.js';
import { readCheckpointFile, readCheckpointFileLedger } from '../../src/audit/checkpoint-file.js';
import { runAuditCheckpoint } from '../../src/audit/checkpointer.js';
import { loadOrCreateSigningKey } from '../../src/audit/signing-key-file.js';
import { auditVerifyCommand } from '../../src/cli/commands/audit-verify.js';
import { checkpointLine } from '../../src/domain/audit-checkpoint.js';
import { ConfigError } from '../../src/domain/errors.js';
import { startService } from '../../src/service.js';
import { createTestService, type TestService } from '../support/test-service.js';

const dirs: string[] = [];
const services: TestService[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of services.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sharedDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-ledger-'));
  dirs.push(dir);
  return dir;
}

/** A service on a database of its own, with the checkpoint file and signing key given. */
async function ledger(shared: string, checkpointFile = join(shared, 'audit-checkpoints.jsonl')) {
  const svc = await createTestService({ PORT: '0', AUDIT_CHECKPOINT_FILE: checkpointFile, AUDIT_SIGNING_KEY_FILE: join(shared, 'audit-signing.key') });
  services.push(svc);
  const { privateKey } = loadOrCreateSigningKey(svc.config.audit.signingKeyFile);
  await svc.ctx.store.createReferral(
    {
      id: crypto.randomUUID(),
      reportId: `R-${svc.dir.slice(-6)}`,
      bodyHash: 'h',
      classification: { category: 'baseline', ageGroup: 'pubescent' },
      reportedAt: null,
      urls: [{ handoverId: crypto.randomUUID(), url: `https://a.example/${svc.dir.slice(-6)}`, contentType: 'image' }],
    },
    'key:test',
    svc.clock.now().getTime(),
  );
  const checkpoint = () => runAuditCheckpoint(svc.ctx.store, { privateKey, checkpointFile, now: svc.clock.now().getTime(), newLedgerId: svc.ctx.newId() });
  return { svc, checkpointFile, checkpoint };
}

async function verify(svc: TestService): Promise<{ exit: number; out: string }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  await auditVerifyCommand(svc.config, { json: true });
  const exit = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  vi.restoreAllMocks();
  return { exit, out };
}

describe('the audit checkpoint file and its ledger', () => {
  it('is started with the ledger id in its first line, and audit verify passes on a fresh ledger', async () => {
    const { svc, checkpointFile, checkpoint } = await ledger(sharedDir());
    expect((await checkpoint()).appended).toBe(1);
    const ledgerId = await svc.ctx.store.readLedgerId();
    expect(ledgerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(readCheckpointFileLedger(checkpointFile)).toEqual({ file: 'named', ledgerId });
    expect(readCheckpointFile(checkpointFile)).toEqual([{ line: 2, checkpoint: expect.objectContaining({ id: 1 }) }]);
    const { exit, out } = await verify(svc);
    expect(JSON.parse(out)).toMatchObject({ ok: true, problems: [] });
    expect(exit).toBe(0);
    // The same ledger starts with its own file.
    const running = await startService(svc.parts);
    await running.stop();
  });

  it('refuses, at start-up and in one line, a file that belongs to another ledger; its checkpoint runs fail instead of appending nothing', async () => {
    const shared = sharedDir();
    const first = await ledger(shared);
    await first.checkpoint();
    const second = await ledger(shared);
    const before = readFileSync(first.checkpointFile, 'utf8');
    await expect(second.checkpoint()).rejects.toThrow(/belongs to another ledger/);
    expect(readFileSync(first.checkpointFile, 'utf8')).toBe(before);
    expect((await verify(second.svc)).out).toContain('checkpoint_file_mismatch');
    const refusal = await startService(second.svc.parts).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ConfigError);
    const message = (refusal as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^Configuration error: AUDIT_CHECKPOINT_FILE names .* which belongs to another ledger/);
  });

  it('keeps a file written before the ledger line bound to the database holding its first checkpoint, and refuses it to any other', async () => {
    const shared = sharedDir();
    const owner = await ledger(shared, join(shared, 'owner.jsonl'));
    await owner.checkpoint();
    const checkpoints = await owner.svc.ctx.store.listAuditCheckpoints();
    // The file as an earlier version wrote it: checkpoint lines only.
    const legacy = join(shared, 'legacy.jsonl');
    writeFileSync(legacy, checkpoints.map(checkpointLine).join(''));
    const bind = (t: TestService) => bindCheckpointFile(t.ctx.store, legacy, { newLedgerId: t.ctx.newId(), now: 1 });
    expect(await bind(owner.svc)).toBe('unnamed, bound by its first checkpoint');
    expect(readFileSync(legacy, 'utf8')).toBe(checkpoints.map(checkpointLine).join(''));

    const stranger = await ledger(shared, join(shared, 'stranger.jsonl'));
    await stranger.checkpoint();
    await expect(bind(stranger.svc)).rejects.toThrow(/whose first checkpoint \(1\) this database does not hold/);

    const fresh = await ledger(shared, join(shared, 'fresh.jsonl'));
    await expect(bind(fresh.svc)).rejects.toThrow(ConfigError);

    // An existing file with nothing in it yet is accepted and written on as before.
    const empty = join(shared, 'empty.jsonl');
    appendFileSync(empty, '');
    expect(await bindCheckpointFile(fresh.svc.ctx.store, empty, { newLedgerId: fresh.svc.ctx.newId(), now: 1 })).toBe('unnamed, no checkpoint yet');
  });
});
