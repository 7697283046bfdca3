/**
 * Four service processes on one PostgreSQL database, 1,000 handovers through the destination
 * stand-ins: every handover delivered exactly once at its stand-in and acknowledged, none lost
 * — and the same while one process is killed with SIGKILL in the middle of the run.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDnsStandin, type DnsStandin } from '../../scripts/sandbox/dns-standin.js';
import { startIccamStandin, type IccamStandin } from '../../scripts/sandbox/iccam-standin.js';
import { startPoliceStandin, type PoliceStandin } from '../../scripts/sandbox/police-standin.js';
import { startChildService, type ChildService } from '../support/child-service.js';
import { createTestDatabase } from '../support/postgres.js';
import { KEYS } from '../support/test-service.js';

const REFERRALS = 100;
const URLS_PER_REFERRAL = 10; // 1,000 handovers
const PROCESSES = 4;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let dns: DnsStandin;
let police: PoliceStandin;
let iccam: IccamStandin;
let children: ChildService[] = [];

beforeEach(async () => {
  database = await createTestDatabase();
  dns = await startDnsStandin({ 'be-host.test': { a: ['193.190.198.10'] }, 'nl-host.test': { a: ['145.100.0.1'] } });
  police = await startPoliceStandin({ token: 'mp-token', behaviour: { ackAfterMs: 0 } });
  iccam = await startIccamStandin({ username: 'u', password: 'p', behaviour: { ackAfterMs: 0 } });
});

afterEach(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  children = [];
  await Promise.all([dns.close(), police.close(), iccam.close()]);
  await database.drop();
});

function startReplicas(n: number): Promise<ChildService[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      startChildService({
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: '4',
        DNS_SERVERS: dns.server,
        REGISTRY_LOOKUPS: 'false',
        POLICE_EXPORT_URL: police.url,
        POLICE_EXPORT_TOKEN: 'mp-token',
        ICCAM_URL: iccam.url,
        ICCAM_USERNAME: 'u',
        ICCAM_PASSWORD: 'p',
        INHOPE_CONCURRENCY: '2',
        LEASE_MS: '3000',
        ACK_POLL_INTERVAL_MS: '300',
        RATE_LIMIT_PER_MINUTE: '100000',
        SCHEDULE_DISPATCH: '* * * * * *',
        SCHEDULE_LOCATE: '* * * * * *',
        SCHEDULE_ACK_POLL: '* * * * * *',
      }),
    ),
  );
}

const headers = { authorization: `Bearer ${KEYS.service}`, 'content-type': 'application/json' };

/** Referrals spread over the replicas, as a load balancer would. */
async function referAll(replicas: ChildService[]): Promise<void> {
  for (let r = 0; r < REFERRALS; r += 10) {
    await Promise.all(
      Array.from({ length: 10 }, async (_, k) => {
        const i = r + k;
        const urls = Array.from({ length: URLS_PER_REFERRAL }, (_, u) => ({ url: `https://${u % 2 ? 'nl' : 'be'}-host.test/${i}/${u}` }));
        const res = await fetch(`${replicas[i % replicas.length]!.baseUrl}/v1/referrals`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ reportId: `MP-${i}`, urls, classification: { category: 'baseline', ageGroup: 'unknown' } }),
        });
        expect(res.status).toBe(202);
      }),
    );
  }
}

async function acknowledgedCount(replica: ChildService): Promise<number> {
  const res = await fetch(`${replica.baseUrl}/v1/stats`, { headers });
  const body = (await res.json()) as { byState: Record<string, number> };
  return body.byState.acknowledged ?? 0;
}

async function waitForAllAcknowledged(replica: ChildService, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let n = 0;
  while (Date.now() < deadline) {
    n = await acknowledgedCount(replica);
    if (n === REFERRALS * URLS_PER_REFERRAL) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`only ${n} handovers acknowledged`);
}

function expectExactlyOnceAtDestinations(): void {
  const total = REFERRALS * URLS_PER_REFERRAL;
  expect(police.cases.size + iccam.cases.size).toBe(total);
  expect(police.cases.size).toBe(total / 2);
  // With no process killed, no handover is ever posted twice.
}

describe('four replicas on one PostgreSQL', () => {
  it('deliver 1,000 handovers exactly once each and see every one acknowledged', async () => {
    children = await startReplicas(PROCESSES);
    await referAll(children);
    await waitForAllAcknowledged(children[0]!, 150_000);
    expectExactlyOnceAtDestinations();
    for (const c of [...police.cases.values(), ...iccam.cases.values()]) expect(c.posts).toBe(1);
  }, 200_000);

  it('lose nothing when one replica is killed with SIGKILL mid-run', async () => {
    children = await startReplicas(PROCESSES);
    await referAll(children);
    // Kill one replica once deliveries are well under way.
    const deadline = Date.now() + 60_000;
    while (police.cases.size + iccam.cases.size < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const victim = children[1]!;
    victim.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    const survivors = children.filter((c) => c !== victim);
    await waitForAllAcknowledged(survivors[0]!, 150_000);
    expectExactlyOnceAtDestinations();
    // A handover the victim held was sent again under the same Idempotency-Key: still one case.
    const reposted = [...police.cases.values(), ...iccam.cases.values()].filter((c) => c.posts > 1).length;
    expect(reposted).toBeLessThanOrEqual(8);
  }, 200_000);
});
