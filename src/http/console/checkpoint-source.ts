/**
 * The audit trail's last signed checkpoint, as the overview shows it. The checkpoints
 * themselves belong to the audit chain (another part of the service); the console only asks
 * this small interface, and says "none yet" when there is nothing to show.
 */
import type { Store } from '../../store/store.js';

export interface AuditCheckpointSummary {
  /** Number of audit events the checkpoint covers. */
  treeSize: number;
  /** ISO 8601 time it was sealed. */
  sealedAt: string;
  /** The signed root hash, as the checkpoint writes it. */
  rootHash: string;
}

export interface CheckpointSource {
  lastCheckpoint(): Promise<AuditCheckpointSummary | null>;
}

/** The store's signed checkpoints (issue #11): the newest one, as the overview shows it. */
export function storeCheckpoints(store: Pick<Store, 'lastAuditCheckpoint'>): CheckpointSource {
  return {
    async lastCheckpoint() {
      const last = await store.lastAuditCheckpoint();
      // toSeq counts every event sealed so far, this checkpoint's and its predecessors'.
      return last ? { treeSize: last.toSeq, sealedAt: new Date(last.at).toISOString(), rootHash: last.root } : null;
    },
  };
}
