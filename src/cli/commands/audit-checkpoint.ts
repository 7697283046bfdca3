import { runAuditCheckpoint } from '../../audit/checkpointer.js';
import { loadOrCreateSigningKey } from '../../audit/signing-key-file.js';
import type { Config } from '../../config/config.js';
import { openStore } from '../../store/open-store.js';

/** `referral audit checkpoint`: seals every event written since the last checkpoint, now. */
export async function auditCheckpointCommand(config: Config): Promise<void> {
  const store = openStore({ url: config.database.url, poolSize: 2, statementTimeoutMs: config.database.statementTimeoutMs });
  try {
    await store.migrate();
    const { privateKey, created } = loadOrCreateSigningKey(config.audit.signingKeyFile);
    if (created) process.stdout.write(`created signing key ${config.audit.signingKeyFile} (public key in ${config.audit.signingKeyFile}.pub)\n`);
    const result = await runAuditCheckpoint(store, { privateKey, checkpointFile: config.audit.checkpointFile, now: Date.now() });
    if (result.sealed) {
      const c = result.sealed;
      process.stdout.write(`checkpoint ${c.id} sealed: ${c.size} events (${c.fromSeq + 1}..${c.toSeq}), root ${c.root}\n`);
    } else {
      process.stdout.write('nothing new to seal\n');
    }
    if (result.appended) process.stdout.write(`${result.appended} checkpoint(s) appended to ${config.audit.checkpointFile}\n`);
  } finally {
    await store.close();
  }
}
