/**
 * A referral answered 202 is on disk: the service killed with SIGKILL right after the answer
 * still has it, with its handovers and an intact audit chain, when it starts again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpJson, runCli, serviceEnv, startChildService, tempDatabase, type ChildService } from '../support/child-service.js';
import { bearer, sampleReferral } from '../support/test-service.js';

let db: ReturnType<typeof tempDatabase>;
const children: ChildService[] = [];

beforeEach(() => {
  db = tempDatabase();
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await child.exited;
  }
  db.remove();
});

async function start(): Promise<ChildService> {
  const child = await startChildService(serviceEnv(db.databaseUrl));
  children.push(child);
  return child;
}

describe('a referral answered 202', () => {
  it('survives SIGKILL right after the answer, with its handovers and an intact audit chain', async () => {
    const first = await start();
    const referral = {
      ...sampleReferral('CF-DURABLE'),
      urls: Array.from({ length: 20 }, (_, i) => ({ url: `https://be-host.test/item/${i}`, contentType: 'image' })),
    };
    const accepted = await httpJson(first.port, 'POST', '/v1/referrals', { body: referral, headers: { authorization: bearer('service') } });
    first.kill('SIGKILL');
    expect(accepted.status).toBe(202);
    expect(await first.exited).toBe('SIGKILL');
    const answer = accepted.body as { referralId: string; handovers: { id: string }[] };
    expect(answer.handovers).toHaveLength(20);

    const second = await start();
    const found = await httpJson(second.port, 'GET', '/v1/referrals/CF-DURABLE', { headers: { authorization: bearer('analyst') } });
    expect(found.status).toBe(200);
    const body = found.body as { referralId: string; handovers: { id: string; state: string }[] };
    expect(body.referralId).toBe(answer.referralId);
    expect(body.handovers.map((h) => h.id)).toEqual(answer.handovers.map((h) => h.id));
    expect(body.handovers.every((h) => h.state === 'locating')).toBe(true);
    // The same body again is recognised as the same referral, not taken in twice.
    const again = await httpJson(second.port, 'POST', '/v1/referrals', { body: referral, headers: { authorization: bearer('service') } });
    expect(again.status).toBe(200);
    expect((again.body as { referralId: string }).referralId).toBe(answer.referralId);
    expect(await second.stop()).toBe(0);

    const verify = await runCli(['audit', 'verify'], { DATABASE_URL: db.databaseUrl });
    expect(verify.stdout).toMatch(/^events: 20 in 20 chains/m);
    expect(verify.stdout).toMatch(/audit trail intact/);
    expect(verify.code).toBe(0);
  });
});
