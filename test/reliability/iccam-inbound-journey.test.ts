/**
 * The inbound journey end to end, on both databases (contract §4 Inbound): the real service as a
 * child process with ICCAM_IMPORT=on takes in the strict stand-in's four items assigned to BE —
 * a Baseline one hosted here, two National ones, one whose host now resolves to the Netherlands —
 * and is killed with SIGKILL once while it claims them. After the restart: each item is exactly
 * one handover whose id is the reference ICCAM holds; every action (ReportedToLEA, Removed,
 * NotIllegal) and the assessment reached ICCAM exactly once; the moved item went on to NL by
 * reassignment; no call broke ICCAM's pacing; and importing again (`referral iccam import`)
 * changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDnsStandin, type DnsStandin } from '../../scripts/sandbox/dns-standin.js';
import { startIccamStandin, type IccamStandin } from '../../scripts/sandbox/iccam-standin.js';
import { startPoliceStandin, type PoliceStandin } from '../../scripts/sandbox/police-standin.js';
import type { HandoverRecord, Store } from '../../src/store/store.js';
import { openStore } from '../../src/store/open-store.js';
import { runCli, startChildService, type ChildService } from '../support/child-service.js';
import { createTestDatabase } from '../support/postgres.js';
import { apiKeysEnv, KEYS } from '../support/test-service.js';

const ICCAM_INTERVAL_MS = 40;
const CONTENT = { baseline: '700001', national: '700002', notIllegal: '700003', moved: '700004' } as const;

let dns: DnsStandin;
let police: PoliceStandin;
let iccam: IccamStandin;
const children: ChildService[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  dns = await startDnsStandin({
    'img.partner-one.example': { a: ['193.190.198.10'] },
    'forum.partner-two.example': { a: ['193.190.198.10'] },
    // Moved since the partner looked: a Dutch address now.
    'moved.partner-three.example': { a: ['145.100.0.1'] },
  });
  police = await startPoliceStandin({ token: 'journey-token', behaviour: { ackAfterMs: 0 } });
  iccam = await startIccamStandin({
    username: 'u',
    password: 'p',
    inbound: true,
    minIntervalMs: ICCAM_INTERVAL_MS,
    pacingToleranceMs: 10,
    notReadyAfterLoginMs: 150,
  });
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await child.exited;
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await Promise.all([dns.close(), police.close(), iccam.close()]);
});

function serviceEnv(databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '4',
    API_KEYS: apiKeysEnv(),
    DNS_SERVERS: dns.server,
    REGISTRY_LOOKUPS: 'false',
    POLICE_EXPORT_URL: police.url,
    POLICE_EXPORT_TOKEN: 'journey-token',
    ICCAM_URL: iccam.url,
    ICCAM_USERNAME: 'u',
    ICCAM_PASSWORD: 'p',
    ICCAM_IMPORT: 'on',
    ICCAM_IMPORT_INTERVAL_MS: '1000',
    ICCAM_MIN_INTERVAL_MS: String(ICCAM_INTERVAL_MS),
    ICCAM_LOGIN_PAUSE_MS: '250',
    // A killed holder of the ICCAM gate frees it after one call's deadline (plus 5 s).
    ICCAM_TIMEOUT_MS: '5000',
    SCHEDULE_ICCAM_POLL: '* * * * * *',
    SCHEDULE_DISPATCH: '* * * * * *',
    SCHEDULE_LOCATE: '* * * * * *',
    SCHEDULE_ACK_POLL: '* * * * * *',
    ACK_POLL_INTERVAL_MS: '300',
    LEASE_MS: '4000',
    RATE_LIMIT_PER_MINUTE: '100000',
  };
}

async function start(env: Record<string, string>): Promise<ChildService> {
  // Generous on a busy machine: the child loads its GeoIP and ASN data after it listens.
  const child = await startChildService(env, { startTimeoutMs: 90_000 });
  children.push(child);
  await child.waitForLog((l) => l.message === 'asn index loaded', 90_000);
  return child;
}

async function killHard(child: ChildService): Promise<void> {
  child.kill('SIGKILL');
  expect(await child.exited).toBe('SIGKILL');
  children.splice(children.indexOf(child), 1);
}

/** Polls until `check` holds (a real process does the work), else fails with what was seen. */
async function until<T>(
  what: string,
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 60_000,
  show: (v: T) => unknown = (v) => v,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline) {
      const errors = children.flatMap((c) => c.logs.filter((l) => l.level === 'error' || l.level === 'warn')).map((l) => JSON.stringify(l).slice(0, 300));
      throw new Error(`${what}: not reached; last seen ${JSON.stringify(show(value)).slice(0, 1500)}\n${errors.slice(-8).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 150));
    value = await read();
  }
  return value;
}

/** What a failure message shows of the items: state and what ICCAM was told. */
const brief = (m: Record<string, HandoverRecord>) =>
  Object.fromEntries(Object.entries(m).map(([k, h]) => [k, { state: h.state, told: h.iccamTold, done: h.inboundDoneAt }]));

async function partnerItems(store: Store): Promise<Record<string, HandoverRecord>> {
  const out: Record<string, HandoverRecord> = {};
  for (const report of ['iccam:30001', 'iccam:30002', 'iccam:30003']) {
    for (const h of (await store.getReferralByReportId(report))?.handovers ?? []) if (h.inboundContentId) out[h.inboundContentId] = h;
  }
  return out;
}

async function assess(child: ChildService, id: string, body: unknown): Promise<void> {
  const res = await fetch(`${child.baseUrl}/v1/handovers/${id}/assessment`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.analyst}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

const content = (id: string) => iccam.snapshot().contents.find((c) => String(c.contentId) === id)!;
const posts = (path: RegExp) => iccam.snapshot().callLog.filter((c) => c.method !== 'GET' && path.test(c.path));

async function journey(databaseUrl: string): Promise<void> {
  const env = serviceEnv(databaseUrl);
  const store = openStore({ url: databaseUrl, poolSize: 2 });
  cleanups.push(() => store.close());

  // 1. Taken in, and killed while claiming: ICCAM has taken the second item's reference but its
  //    answer never comes; the third and fourth are recorded and not yet claimed.
  await iccam.failNext({ method: 'PUT', path: `rest/Content/${CONTENT.national}/hotline-reference`, fault: 'hang-after-commit' });
  let child = await start(env);
  await until(
    'the claim in flight',
    async () => iccam.snapshot().callLog.some((c) => c.status === 'hung'),
    (hung) => hung,
  );
  expect(Object.keys(await partnerItems(store))).toHaveLength(4);
  await killHard(child);
  child = await start(env);

  // 2. Each item one handover, ICCAM holding its id as our reference.
  const items = await until(
    'all four items claimed',
    () => partnerItems(store),
    (m) => Object.values(m).length === 4 && Object.values(m).every((h) => h.iccamTold?.reference),
    60_000,
    brief,
  );
  for (const [contentId, h] of Object.entries(items)) {
    expect(content(contentId).hotlineReference).toBe(h.id);
    expect(new Set(content(contentId).referencePuts.map((p) => p.reference))).toEqual(new Set([h.id]));
  }
  expect(items[CONTENT.national]!.state).toBe('awaiting_assessment');
  expect(items[CONTENT.notIllegal]!.state).toBe('awaiting_assessment');

  // 3. The Belgian analyst assesses the two National items.
  await assess(child, items[CONTENT.national]!.id, { illegal: true, classification: { category: 'national', ageGroup: 'pubescent' } });
  await assess(child, items[CONTENT.notIllegal]!.id, { illegal: false, reason: 'adult' });

  // 4. Hosted here: to the police; the Baseline one is then observed removed (by the back office).
  const delivered = await until(
    'the Baseline item reported to the police',
    () => partnerItems(store),
    (m) => m[CONTENT.baseline]!.iccamTold?.actions?.ReportedToLEA !== undefined,
    90_000,
    brief,
  );
  const baseline = delivered[CONTENT.baseline]!;
  const now = Date.now();
  await store.transition(baseline.id, { to: 'closed', actor: 'system:journey', reason: 'observed removed', set: { outcome: 'removed', closedAt: now }, now });

  // 5. Everything settles: nothing more owed to ICCAM about any item.
  const settled = await until(
    'every item settled',
    () => partnerItems(store),
    (m) => Object.values(m).every((h) => h.inboundDoneAt !== null || (h.state === 'acknowledged' && h.iccamTold?.actions?.ReportedToLEA)),
    90_000,
    brief,
  );
  expect(settled[CONTENT.moved]).toMatchObject({ state: 'closed', outcome: 'moved_on', destination: 'inhope', assignedCountry: 'NL' });
  expect(content(CONTENT.moved)).toMatchObject({ assignedCountryCode: 'NL', hostingCountryCode: 'NL', actions: [] });
  expect(settled[CONTENT.notIllegal]).toMatchObject({ state: 'closed', outcome: 'not_illegal' });
  expect(settled[CONTENT.national]).toMatchObject({ destination: 'police', iccamTold: { assessment: { at: expect.any(Number) } } });

  // Every action exactly once; the assessment once; ICCAM refused nothing.
  const actions = (id: string) =>
    content(id)
      .actions.map((a) => a.actionName)
      .sort();
  expect(actions(CONTENT.baseline)).toEqual(['Removed', 'ReportedToLEA']);
  expect(actions(CONTENT.national)).toEqual(['ReportedToLEA']);
  expect(actions(CONTENT.notIllegal)).toEqual(['NotIllegal']);
  expect(content(CONTENT.notIllegal).actions[0]).toMatchObject({ reasonId: 14, analystName: 'u' });
  expect(content(CONTENT.national).assessments.filter((a) => a.assessingAnalystName === 'u')).toHaveLength(1);
  expect(posts(/\/actions$/).filter((c) => c.status === 400)).toEqual([]);
  expect(iccam.snapshot().pacingViolations).toEqual([]);
  // Partner content goes on by reassignment, never as a new report.
  expect(iccam.snapshot().reports.filter((r) => !r.inbound)).toEqual([]);
  expect(police.cases.size).toBe(2);

  // 6. Importing again changes nothing (the service stopped, so the CLI holds the job's lease).
  await child.stop();
  children.splice(children.indexOf(child), 1);
  // What changes ICCAM (each run logs in afresh; that changes nothing there).
  const changes = () => iccam.snapshot().callLog.filter((c) => c.method !== 'GET' && c.path.startsWith('rest/')).length;
  const before = changes();
  for (let i = 0; i < 2; i++) {
    const again = await runCli(['iccam', 'import', '--json'], env, { timeoutMs: 60_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ recorded: 0, told: 0, found: 0, refused: 0 });
  }
  expect(changes()).toBe(before);
  expect(Object.keys(await partnerItems(store))).toHaveLength(4);
  expect((await store.verifyAudit()).ok).toBe(true);
}

describe('partner items from ICCAM, taken in and reported back through a SIGKILL', () => {
  it('on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrr-inbound-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await journey(`sqlite:${join(dir, 'referrals.db')}`);
  }, 400_000);

  it('on PostgreSQL', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    await journey(database.url);
  }, 400_000);
});
