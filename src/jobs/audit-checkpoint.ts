/**
 * The scheduled audit checkpoint (SCHEDULE_AUDIT_CHECKPOINT, every minute by default): seals
 * every event written since the last checkpoint, in one replica per period (exclusive), so
 * at most a minute of the trail is protected by its chains alone.
 */
import { runAuditCheckpoint } from '../audit/checkpointer.js';
import { loadOrCreateSigningKey } from '../audit/signing-key-file.js';
import type { Context } from '../context.js';
import type { JobDefinition } from './scheduled-job.js';

export function auditCheckpointJob(ctx: Context): JobDefinition {
  return {
    name: 'audit-checkpoint',
    schedule: ctx.config.schedules.auditCheckpoint,
    exclusive: true,
    run: async () => {
      // Read each run: a key rotated on disk is picked up without a restart.
      const { privateKey } = loadOrCreateSigningKey(ctx.config.audit.signingKeyFile);
      const result = await runAuditCheckpoint(ctx.store, {
        privateKey,
        checkpointFile: ctx.config.audit.checkpointFile,
        now: ctx.clock.now().getTime(),
        newLedgerId: ctx.newId(),
      });
      return result.sealed
        ? { checkpoint: result.sealed.id, events: result.sealed.size, upToSeq: result.sealed.toSeq, appended: result.appended }
        : { checkpoint: null, appended: result.appended };
    },
  };
}
