/**
 * The audit trail's last signed checkpoint, as the overview shows it. The checkpoints
 * themselves belong to the audit chain (another part of the service); the console only asks
 * this small interface, and says "none yet" when there is nothing to show.
 */
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

/** For a store that keeps no checkpoints. */
export const NO_CHECKPOINTS: CheckpointSource = { lastCheckpoint: async () => null };
