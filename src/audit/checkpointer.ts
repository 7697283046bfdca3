/**
 * One checkpoint run, shared by the scheduled job and `referral audit checkpoint`: seal what
 * is new in the database, then bring the checkpoint file up to the database. The database is
 * written first: a crash between the two leaves the file one checkpoint behind (the next run
 * appends it), never ahead, so "the file holds a checkpoint the database lacks" always means
 * the database was rolled back.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import type { SignedCheckpoint } from '../domain/audit-checkpoint.js';
import type { Store } from '../store/store.js';
import { bindCheckpointFile } from './checkpoint-binding.js';
import { appendCheckpoints, readCheckpointFile } from './checkpoint-file.js';

export interface CheckpointRunResult {
  sealed: SignedCheckpoint | null;
  /** Checkpoints appended to the file this run (the new one, and any a crash left out). */
  appended: number;
}

export async function runAuditCheckpoint(
  store: Store,
  /** newLedgerId: the id this ledger gets if it has none yet (default: a random UUID). */
  options: { privateKey: KeyObject; checkpointFile: string; now: number; newLedgerId?: string },
): Promise<CheckpointRunResult> {
  // A file that belongs to another ledger fails the run, loudly, before anything is sealed.
  await bindCheckpointFile(store, options.checkpointFile, { newLedgerId: options.newLedgerId ?? randomUUID(), now: options.now });
  const sealed = await store.sealAuditCheckpoint(options.privateKey, options.now);
  const inFile = readCheckpointFile(options.checkpointFile) ?? [];
  const fileMax = Math.max(0, ...inFile.flatMap((l) => ('checkpoint' in l ? [l.checkpoint.id] : [])));
  const missing = (await store.listAuditCheckpoints()).filter((c) => c.id > fileMax);
  appendCheckpoints(options.checkpointFile, missing);
  return { sealed, appended: missing.length };
}
