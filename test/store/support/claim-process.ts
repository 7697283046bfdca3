/**
 * One delivery claimer in a process of its own, for the store contract's two-process test: a
 * SQLite file's write lock is held per connection and blocks its thread, so only two processes
 * (two connections) contend for it the way two replicas do. Started with fork() under tsx.
 *
 * The parent sends the task, then runs rounds: it sends "claim" to every claimer at once, each
 * makes one claimDue call and replies with the ids it got. Rounds keep the claimers in step:
 * left to loop on its own, one SQLite process can take every row while the other is still
 * backing off from its first busy lock, and nothing would be contended. "stop" ends it.
 */
import { openStore } from '../../../src/store/open-store.js';

export interface ClaimTask {
  databaseUrl: string;
  /** PostgreSQL: the schema the parent migrated. */
  schema?: string;
  token: string;
  now: number;
  limit: number;
}

export type ClaimReply = { ready: true } | { claimed: string[] } | { error: string };

process.once('message', (task: ClaimTask) => {
  const store = openStore({ url: task.databaseUrl, poolSize: 2, ...(task.schema ? { schema: task.schema } : {}) });
  const fail = (error: unknown) => process.send!({ error: String((error as Error).stack ?? error) } satisfies ClaimReply, () => process.exit(1));
  process.on('message', (command: 'claim' | 'stop') => {
    if (command === 'stop') {
      store.close().then(() => process.exit(0), fail);
      return;
    }
    store
      .claimDue({ destination: 'police', now: task.now, limit: task.limit, leaseMs: 60_000, token: task.token, actor: `system:${task.token}` })
      .then((batch) => process.send!({ claimed: batch.map((h) => h.id) } satisfies ClaimReply), fail);
  });
  process.send!({ ready: true } satisfies ClaimReply);
});
