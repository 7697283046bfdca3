import type { Config } from '../../config/config.js';
import { openStore } from '../../store/open-store.js';

/** Exits 1 when the chain is broken, so a cron job or monitor can alert on it. */
export async function auditVerifyCommand(config: Config): Promise<void> {
  const store = openStore({ url: config.database.url, poolSize: 1, statementTimeoutMs: config.database.statementTimeoutMs });
  try {
    await store.migrate();
    const result = await store.verifyAudit();
    if (result.ok) {
      process.stdout.write(`audit trail intact: ${result.events} events, head ${result.headHash}\n`);
    } else {
      process.stdout.write(`audit trail BROKEN at event ${result.brokenAtSeq} (${result.problem}) after checking ${result.events} events\n`);
      process.exitCode = 1;
    }
  } finally {
    await store.close();
  }
}
