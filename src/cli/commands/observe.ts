import { userInfo } from 'node:os';
import type { Config } from '../../config/config.js';
import { ServiceError } from '../../domain/errors.js';
import type { ObservationKind } from '../../domain/observation.js';
import { recordObservation } from '../../services/record-observation.js';
import { openStore } from '../../store/open-store.js';

/**
 * `referral observe <handover-id> --kind removed|unavailable|online [--at T] [--note N] [--by B]`:
 * the command-line twin of POST /v1/handovers/:id/observations, for what someone in the back
 * office saw (actor `cli:<account>`, the operating system's account the command runs as).
 */
export async function observeCommand(
  config: Config,
  handoverId: string,
  opts: { kind: ObservationKind; at?: string; note?: string; by?: string },
): Promise<void> {
  const now = Date.now();
  const observedAt = opts.at === undefined ? now : Date.parse(opts.at);
  if (Number.isNaN(observedAt)) {
    process.stderr.write(`--at must be a time such as 2026-03-02T08:30:00Z, not "${opts.at}"\n`);
    process.exitCode = 1;
    return;
  }
  const store = openStore({ url: config.database.url, poolSize: 1, statementTimeoutMs: config.database.statementTimeoutMs });
  try {
    await store.migrate();
    const actor = `cli:${userInfo().username}`;
    const { handover, effect } = await recordObservation(
      { store, now },
      handoverId,
      { kind: opts.kind, observedAt, note: opts.note ?? null, observedBy: opts.by ?? null },
      actor,
    );
    process.stdout.write(`handover ${handover.id}: ${opts.kind} at ${new Date(observedAt).toISOString()} ${effect}; now ${handover.state}\n`);
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } finally {
    await store.close();
  }
}
