import { userInfo } from 'node:os';
import type { Config } from '../../config/config.js';
import { ServiceError } from '../../domain/errors.js';
import { resolveHandover } from '../../services/resolve-handover.js';
import { openStore } from '../../store/open-store.js';

/**
 * `referral resolve <handover-id> --reference R --reason T`: the command-line twin of
 * POST /v1/handovers/:id/resolve, for the operator at the console (actor `cli:<user>`, the
 * account the command runs as: the operating system's, not a USER variable anyone can set).
 */
export async function resolveCommand(config: Config, handoverId: string, opts: { reference: string; reason: string }): Promise<void> {
  const store = openStore({ url: config.database.url, poolSize: 1, statementTimeoutMs: config.database.statementTimeoutMs });
  try {
    await store.migrate();
    const actor = `cli:${userInfo().username}`;
    const h = await resolveHandover({ store, now: Date.now() }, handoverId, { reference: opts.reference.trim(), reason: opts.reason.trim() }, actor);
    process.stdout.write(`handover ${h.id}: ${h.state}  reference ${h.reference}\n`);
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } finally {
    await store.close();
  }
}
