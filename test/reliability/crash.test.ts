/**
 * Crash: the service runs as a child process and is killed with SIGKILL (a) after claiming
 * handovers, before the destination got them, and (b) after the destination recorded them,
 * before the answers were recorded. After a restart every police handover ends acknowledged, one
 * case each (the police export drops duplicates by Idempotency-Key). ICCAM keeps duplicates, so
 * an ICCAM attempt lost in the crash is never sent again on its own: that handover waits in
 * needs_review (delivery_outcome_unknown), and no report is ever posted twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDnsStandin, type DnsStandin } from '../../scripts/sandbox/dns-standin.js';
import { startIccamStandin, type IccamStandin } from '../../scripts/sandbox/iccam-standin.js';
import { startPoliceStandin, type PoliceStandin } from '../../scripts/sandbox/police-standin.js';
import { startChildService, type ChildService } from '../support/child-service.js';
import { KEYS } from '../support/test-service.js';

const PER_DESTINATION = 4;
let dir: string;
let dns: DnsStandin;
let police: PoliceStandin;
let iccam: IccamStandin;
let env: Record<string, string>;
const children: ChildService[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hrr-crash-'));
  dns = await startDnsStandin({ 'be-host.test': { a: ['193.190.198.10'] }, 'nl-host.test': { a: ['145.100.0.1'] } });
  police = await startPoliceStandin({ token: 'crash-token', behaviour: { ackAfterMs: 0 } });
  iccam = await startIccamStandin({ username: 'u', password: 'p', minIntervalMs: 50, pacingToleranceMs: 10, notReadyAfterLoginMs: 0, progression: [{ afterMs: 0, action: 'ReportedToLEA' }] });
  env = {
    DATABASE_URL: `sqlite:${join(dir, 'referrals.db')}`,
    DNS_SERVERS: dns.server,
    REGISTRY_LOOKUPS: 'false',
    POLICE_EXPORT_URL: police.url,
    POLICE_EXPORT_TOKEN: 'crash-token',
    ICCAM_URL: iccam.url,
    ICCAM_USERNAME: 'u',
    ICCAM_PASSWORD: 'p',
    // Long enough that a hung request is still in flight when the process is killed; short
    // enough that the ICCAM gate the killed process held frees soon (deadline + 5 s).
    DESTINATION_TIMEOUT_MS: '8000',
    ICCAM_MIN_INTERVAL_MS: '50',
    // Refused ICCAM calls are retried soon rather than after the default 30 s.
    RETRY_BASE_MS: '500',
    RETRY_MAX_DELAY_MS: '2000',
    ICCAM_LOGIN_PAUSE_MS: '0',
    ICCAM_POLL_DELIVERED_MS: '500',
    SCHEDULE_ICCAM_POLL: '* * * * * *',
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
  await Promise.all([dns.close(), police.close(), iccam.close()]);
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
      body: JSON.stringify({ reportId: `CRASH-${i}`, urls: [{ url: `https://be-host.test/${i}` }, { url: `https://nl-host.test/${i}` }], classification: { category: 'baseline', ageGroup: 'unknown' } }),
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

/** After a restart: police all acknowledged; each ICCAM handover acknowledged or waiting for a person. */
async function restartAndFinish(): Promise<{ review: { id: string; failureReason: string | null }[] }> {
  const again = await start();
  const deadline = Date.now() + 120_000;
  let states: Record<string, number> = {};
  while (Date.now() < deadline) {
    states = ((await api(again, '/v1/stats')).body as unknown as { byState: Record<string, number> }).byState;
    if ((states.acknowledged ?? 0) + (states.needs_review ?? 0) === 2 * PER_DESTINATION) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect((states.acknowledged ?? 0) + (states.needs_review ?? 0)).toBe(2 * PER_DESTINATION);
  expect([...police.cases.keys()]).toHaveLength(PER_DESTINATION);
  const state = iccam.snapshot();
  expect(Math.max(0, ...Object.values(state.reportsPerHotlineReference))).toBeLessThanOrEqual(1);
  expect(state.pacingViolations).toEqual([]);
  const review = (await api(again, '/v1/handovers?state=needs_review&limit=100')).body.items as unknown as { id: string; destination: string; failureReason: string | null }[];
  for (const h of review) expect(h).toMatchObject({ destination: 'inhope', failureReason: 'delivery_outcome_unknown' });
  // Every ICCAM handover not waiting for a person holds exactly one report.
  expect(Object.keys(state.reportsPerHotlineReference).length).toBeGreaterThanOrEqual(PER_DESTINATION - review.length);
  return { review };
}

describe('a service killed in the middle of delivering', () => {
  it('(a) after claiming, before the destination got them: re-sent after restart, one case each', async () => {
    // The police accept connections but never look at the requests; ICCAM refuses them.
    police.setBehaviour({ timeoutRate: 1 });
    await iccam.refuseConnections(60_000);
    const child = await start();
    await refer(child);
    await waitForState(child, 'delivering', 2);
    await killHard(child);
    expect(police.cases.size + iccam.snapshot().reports.length).toBe(0);

    police.setBehaviour({ timeoutRate: 0 });
    await iccam.acceptConnections();
    const { review } = await restartAndFinish();
    for (const c of police.cases.values()) expect(c.posts).toBe(1);
    // Nothing reached ICCAM before the crash: what was not in flight is delivered once.
    expect(Object.keys(iccam.snapshot().reportsPerHotlineReference)).toHaveLength(PER_DESTINATION - review.length);
  }, 240_000);

  it('(b) after the destination recorded them, before the answers were recorded: no duplicate case', async () => {
    police.setBehaviour({ hangAfterRecording: true });
    await iccam.failNext({ method: 'POST', path: 'rest/Reports', fault: 'hang-after-commit' });
    const child = await start();
    await refer(child);
    const deadline = Date.now() + 20_000;
    while ((police.cases.size < PER_DESTINATION || iccam.snapshot().reports.length < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(police.cases.size).toBe(PER_DESTINATION);
    expect(iccam.snapshot().reports).toHaveLength(1);
    const hung = iccam.snapshot().reports[0]!.hotlineReference;
    await killHard(child);

    police.setBehaviour({ hangAfterRecording: false });
    const { review } = await restartAndFinish();
    // The repeat carried the same Idempotency-Key and was recognised as the same case.
    expect([...police.cases.values()].every((c) => c.posts === 2)).toBe(true);
    // ICCAM stored the hung report: that handover was not posted again but waits for a person.
    expect(review.map((h) => h.id)).toEqual([hung]);
    expect(iccam.snapshot().reportsPerHotlineReference[hung]).toBe(1);
  }, 240_000);
});
