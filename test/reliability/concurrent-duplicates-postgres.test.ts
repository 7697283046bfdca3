/**
 * Issue #15 across processes: three service replicas on one PostgreSQL database receive
 * referrals of the same URLs at the same moment. The unique key on live URLs decides: each URL
 * is one case at the police stand-in, every other report of it a duplicate entry.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDnsStandin, type DnsStandin } from '../../scripts/sandbox/dns-standin.js';
import { startPoliceStandin, type PoliceStandin } from '../../scripts/sandbox/police-standin.js';
import { startChildService, type ChildService } from '../support/child-service.js';
import { createTestDatabase } from '../support/postgres.js';
import { KEYS } from '../support/test-service.js';

const PROCESSES = 3;
const URLS = Array.from({ length: 4 }, (_, i) => `https://be-host.test/shared/${i}`);
const REPORTS = 12;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let dns: DnsStandin;
let police: PoliceStandin;
let children: ChildService[] = [];

beforeEach(async () => {
  database = await createTestDatabase();
  dns = await startDnsStandin({ 'be-host.test': { a: ['193.190.198.10'] } });
  police = await startPoliceStandin({ token: 'dup-token', behaviour: { ackAfterMs: 0 } });
});

afterEach(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  children = [];
  await Promise.all([dns.close(), police.close()]);
  await database.drop();
});

const headers = { authorization: `Bearer ${KEYS.service}`, 'content-type': 'application/json' };

/** Report i names the shared URLs in its own order (some reversed), so lock order matters. */
function urlsOf(i: number): { url: string }[] {
  const rotated = [...URLS.slice(i % URLS.length), ...URLS.slice(0, i % URLS.length)];
  return (i % 2 ? rotated.reverse() : rotated).slice(0, 2 + (i % 3)).map((url) => ({ url }));
}

async function stats(replica: ChildService): Promise<Record<string, number>> {
  const res = await fetch(`${replica.baseUrl}/v1/stats`, { headers });
  return ((await res.json()) as { byState: Record<string, number> }).byState;
}

describe('three replicas on one PostgreSQL', () => {
  it('make one case per URL of reports referred at the same moment, and send each once', async () => {
    children = await Promise.all(
      Array.from({ length: PROCESSES }, () =>
        startChildService(
          {
            DATABASE_URL: database.url,
            DNS_SERVERS: dns.server,
            REGISTRY_LOOKUPS: 'false',
            // Reports of one URL queue behind each other by design; on a shared, busy machine the
            // queue can outlast the default statement timeout. This test is about one case per URL.
            DATABASE_STATEMENT_TIMEOUT_MS: '60000',
            POLICE_EXPORT_URL: police.url,
            POLICE_EXPORT_TOKEN: 'dup-token',
            RATE_LIMIT_PER_MINUTE: '100000',
            SCHEDULE_DISPATCH: '* * * * * *',
            SCHEDULE_LOCATE: '* * * * * *',
            SCHEDULE_ACK_POLL: '* * * * * *',
            ACK_POLL_INTERVAL_MS: '300',
          },
          // Three processes loading at once on a shared, busy machine can take a while.
          { startTimeoutMs: 60_000 },
        ),
      ),
    );
    const answers = await Promise.all(
      Array.from({ length: REPORTS }, async (_, i) => {
        const res = await fetch(`${children[i % PROCESSES]!.baseUrl}/v1/referrals`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ reportId: `DUP-${i}`, urls: urlsOf(i), classification: { category: 'baseline', ageGroup: 'unknown' } }),
        });
        expect(res.status).toBe(202);
        return (await res.json()) as { handovers: { id: string; url: string; state: string; duplicateOf?: string }[] };
      }),
    );
    const entries = answers.flatMap((a) => a.handovers);
    const cases = entries.filter((h) => h.duplicateOf === undefined);
    expect(cases.map((h) => h.url).sort()).toEqual([...URLS].sort());
    const caseOf = new Map(cases.map((h) => [h.url, h.id]));
    for (const h of entries.filter((e) => e.duplicateOf !== undefined)) expect(h.duplicateOf).toBe(caseOf.get(h.url));

    // Wait until every case is acknowledged: nothing else exists that could still be sent.
    const deadline = Date.now() + 60_000;
    let byState: Record<string, number> = {};
    while (Date.now() < deadline) {
      byState = await stats(children[0]!);
      if (byState.acknowledged === URLS.length) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(byState).toMatchObject({ acknowledged: URLS.length, duplicate: entries.length - URLS.length });
    expect([...police.cases.keys()].sort()).toEqual([...caseOf.values()].sort());
    for (const c of police.cases.values()) expect(c.posts).toBe(1);
  }, 120_000);
});
