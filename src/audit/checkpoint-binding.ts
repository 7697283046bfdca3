/**
 * Binds AUDIT_CHECKPOINT_FILE to this database's ledger, at start-up and before every
 * checkpoint run: a missing file is started with the ledger's id in its first line; a file
 * naming another ledger is refused in one line; a file from before the ledger line is accepted
 * while this database holds its first checkpoint exactly (see checkpoint-file.ts).
 */
import { checkpointLine } from '../domain/audit-checkpoint.js';
import { ConfigError } from '../domain/errors.js';
import type { Store } from '../store/store.js';
import { createCheckpointFile, readCheckpointFile, readCheckpointFileLedger } from './checkpoint-file.js';

export type CheckpointFileBinding = 'created' | 'named' | 'unnamed, bound by its first checkpoint' | 'unnamed, no checkpoint yet';

export async function bindCheckpointFile(store: Store, file: string, options: { newLedgerId: string; now: number }): Promise<CheckpointFileBinding> {
  const ledgerId = await store.ledgerId(options.newLedgerId, options.now);
  const found = readCheckpointFileLedger(file);
  if (found.file === 'absent') {
    createCheckpointFile(file, ledgerId);
    return 'created';
  }
  if (found.file === 'named') {
    if (found.ledgerId === ledgerId) return 'named';
    throw new ConfigError(
      'AUDIT_CHECKPOINT_FILE',
      `names ${file}, which belongs to another ledger (${found.ledgerId}); this database's ledger is ${ledgerId}: give each database its own file`,
    );
  }
  const first = (readCheckpointFile(file) ?? []).flatMap((l) => ('checkpoint' in l ? [l.checkpoint] : [])).sort((a, b) => a.id - b.id)[0];
  if (!first) return 'unnamed, no checkpoint yet';
  const ours = (await store.listAuditCheckpoints()).find((c) => c.id === first.id);
  if (ours && checkpointLine(ours) === checkpointLine(first)) return 'unnamed, bound by its first checkpoint';
  throw new ConfigError(
    'AUDIT_CHECKPOINT_FILE',
    `names ${file}, whose first checkpoint (${first.id}) this database does not hold: it belongs to another ledger (or this database was restored from before it); give each database its own file`,
  );
}
