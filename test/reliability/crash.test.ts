/**
 * Crash: the service runs as a child process and is killed with SIGKILL (a) after claiming
 * handovers, before the destination got them, and (b) after the destination recorded them,
 * before the answers were recorded. After a restart every handover ends acknowledged, and the
 * police stand-in holds exactly one case per handover (Idempotency-Key). ICCAM keeps duplicates,
 * so an ICCAM attempt lost to a SIGKILL is not re-sent but waits in needs_review: that is proven
 * under SIGKILL and faults in multi-process-postgres.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDnsStandin, type DnsStandin } from '../../scripts/sandbox/dns-standin.js';
import { startPoliceStandin, type PoliceStandin } from '../../scripts/sandbox/police-standin.js';
import { startChildService, type ChildService } from '../support/child-service.js';
import { KEYS } from '../support/test-service.js';

const PER_DESTINATION = 4;
let dir: string;
let dns: DnsStandin;
let police: PoliceStandin;
let env: Record<string, string>;
const children: ChildService[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hrr-crash-'));
  dns = await startDnsStandin({ 'be-host.test': { a: ['193.190.198.10'] }, 'nl-host.test': { a: ['145.100.0.1'] } });
  police = await startPoliceStandin({ token: 'crash-token', behaviour: { ackAfterMs: 0 } });
  env = {
    DATABASE_URL: `sqlite:${join(dir, 'referrals.db')}`,
    DNS_SERVERS: dns.server,
    REGISTRY_LOOKUPS: 'false',
    POLICE_EXPORT_URL: police.url,
    POLICE_EXPORT_TOKEN: 'crash-token',
    // Long enough that a hung request is still in flight when the process is killed.
    DESTINATION_TIMEOUT_MS: '60000',
    LEASE_MS: '2000',
    ACK_POLL_INTERVAL_MS: '500',
    SCHEDULE_DISPATCH: '* * * * * *',
    SCHEDULE_LOCATE: '* * * * * *',
    SCHEDULE_ACK_POLL: '* * * * * *',
  };
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await child.exited;
  }
  await Promise.all([dns.close(), police.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<ChildService> {
  // Generous on a busy machine: the child loads its GeoIP and ASN data after it listens.
  const child = await startChildService(env, { startTimeoutMs: 90_000 });
  children.push(child);
  await child.waitForLog((l) => l.message === 'asn index loaded', 90_000);
  return child;
}

async function api(child: ChildService, path: string, init: RequestInit = {}) {
  const res = await fetch(`${child.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${KEYS.analyst}`, 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as { items: { id: string; state: string }[] } & Record<string, unknown> };
}

async function refer(child: ChildService): Promise<void> {
  for (let i = 0; i < PER_DESTINATION; i++) {
    const res = await api(child, '/v1/referrals', {
      method: 'POST',
      body: JSON.stringify({
        reportId: `CRASH-${i}`,
        urls: [{ url: `https://be-host.test/${i}` }],
        classification: { category: 'baseline', ageGroup: 'unknown' },
      }),
    });
    expect(res.status).toBe(202);
  }
}

/** Polls the child's API until `count` handovers are in `state` (waiting on a real process). */
async function waitForState(child: ChildService, state: string, count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    seen = (await api(child, `/v1/handovers?state=${state}&limit=100`)).body.items.length;
    if (seen >= count) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`only ${seen} of ${count} handovers reached ${state}`);
}

async function killHard(child: ChildService): Promise<void> {
  child.kill('SIGKILL');
  expect(await child.exited).toBe('SIGKILL');
  children.splice(children.indexOf(child), 1);
}

async function restartAndFinish(): Promise<void> {
  const again = await start();
  await waitForState(again, 'acknowledged', PER_DESTINATION, 120_000);
  expect([...police.cases.keys()]).toHaveLength(PER_DESTINATION);
}

describe('a service killed in the middle of delivering', () => {
  it('(a) after claiming, before the destination got them: re-sent after restart, one case each', async () => {
    // The destinations accept connections but never look at the requests.
    police.setBehaviour({ timeoutRate: 1 });
    const child = await start();
    await refer(child);
    await waitForState(child, 'delivering', 2);
    await killHard(child);
    expect(police.cases.size).toBe(0);

    police.setBehaviour({ timeoutRate: 0 });
    await restartAndFinish();
    for (const c of police.cases.values()) expect(c.posts).toBe(1);
  }, 240_000);

  it('(b) after the destination recorded them, before the answers were recorded: no duplicate case', async () => {
    police.setBehaviour({ hangAfterRecording: true });
    const child = await start();
    await refer(child);
    const deadline = Date.now() + 20_000;
    while (police.cases.size < PER_DESTINATION && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(police.cases.size).toBe(PER_DESTINATION);
    await killHard(child);

    police.setBehaviour({ hangAfterRecording: false });
    await restartAndFinish();
    // The repeat carried the same Idempotency-Key and was recognised as the same case.
    expect([...police.cases.values()].every((c) => c.posts === 2)).toBe(true);
  }, 240_000);
});
