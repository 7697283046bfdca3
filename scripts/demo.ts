/**
 * `npm run demo`: the whole journey on loopback. Starts stand-ins for DNS, RDAP, the police
 * export and ICCAM, starts the service against them (SQLite in a temporary folder, the bundled
 * GeoIP data), refers sample reports — Belgian, Dutch, American, Kazakh (no INHOPE hotline),
 * CDN-hosted and unresolvable — and prints every handover's state as it changes, to the end.
 * Sample hosts end in `.test`; the addresses they resolve to are never contacted.
 *
 * `npm run demo -- --keep` then leaves the service and the stand-ins running with the demo
 * data, and prints the web console's address and a supervisor key to sign in with (Ctrl+C ends it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiKey } from '../src/config/api-keys.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/logging/logger.js';
import { compose } from '../src/compose.js';
import { startService } from '../src/service.js';
import { startDnsStandin } from './sandbox/dns-standin.js';
import { startIccamStandin } from './sandbox/iccam-standin.js';
import { startPoliceStandin } from './sandbox/police-standin.js';
import { readRdapFixtures, startRdapStandin } from './sandbox/rdap-standin.js';

const RDAP_FIXTURES = fileURLToPath(new URL('../test/locate/fixtures/rdap/', import.meta.url));
const ACK_SECRET = 'demo-callback-secret-0123456789';
const FINAL = new Set(['closed', 'cancelled', 'failed', 'needs_review']);

const SAMPLES = [
  { label: 'Belgian host', url: 'https://images.belgian-host.test/gallery/1.jpg' },
  { label: 'Dutch host', url: 'https://cdn-free.dutch-host.test/v/2.mp4' },
  { label: 'American host', url: 'https://files.us-host.test/3' },
  { label: 'Kazakh host (no INHOPE hotline)', url: 'https://kz-host.test/4' },
  { label: 'behind Cloudflare', url: 'https://proxied.cdn-site.test/5' },
  { label: 'unresolvable', url: 'https://gone.test/6' },
];

const dir = mkdtempSync(join(tmpdir(), 'hrr-demo-'));
const dns = await startDnsStandin({
  'images.belgian-host.test': { a: ['193.190.198.10'] },
  'cdn-free.dutch-host.test': { a: ['145.100.0.1'] },
  'files.us-host.test': { a: ['12.0.0.1'] },
  'kz-host.test': { a: ['2.72.0.1'] },
  'proxied.cdn-site.test': { cname: 'proxied.cdn-site.test.cdn.cloudflare.net' },
  'proxied.cdn-site.test.cdn.cloudflare.net': { a: ['104.16.0.1'] },
  'gone.test': { behaviour: 'nxdomain' },
});
const rdap = await startRdapStandin({ networks: readRdapFixtures(RDAP_FIXTURES) });
// The stand-ins acknowledge after two seconds and close (content removed) after six. The ICCAM
// stand-in is the strict v3 one: it refuses what a real ICCAM would, and is not ready for 2 s
// after a login; its partner hotline reports to the police (ReportedToLEA), then Removed.
const police = await startPoliceStandin({ token: 'demo-police-token', behaviour: { ackAfterMs: 2_000, closeAfterMs: 6_000 } });
const iccam = await startIccamStandin({
  username: 'demo',
  password: 'demo-password',
  minIntervalMs: 200,
  progression: [
    { afterMs: 2_000, action: 'ReportedToLEA' },
    { afterMs: 6_000, action: 'Removed' },
  ],
});
const keep = process.argv.slice(2).includes('--keep');
const key = createApiKey('demo-analyst', 'analyst');
const supervisorKey = createApiKey('demo-supervisor', 'supervisor');

const config = loadConfig({
  PORT: '0',
  DATABASE_URL: `sqlite:${join(dir, 'demo.db')}`,
  API_KEYS: `${key.entry},${supervisorKey.entry}`,
  DNS_SERVERS: dns.server,
  RDAP_BOOTSTRAP_URL: rdap.bootstrapUrl,
  RDAP_LOCAL_TEST_MODE: 'true',
  RDAP_TIMEOUT_MS: '1000',
  POLICE_EXPORT_URL: police.url,
  POLICE_EXPORT_TOKEN: 'demo-police-token',
  ICCAM_URL: iccam.url,
  ICCAM_USERNAME: 'demo',
  ICCAM_PASSWORD: 'demo-password',
  // A quick demo: ICCAM paced 200 ms apart (1 s in production) and asked every second.
  ICCAM_MIN_INTERVAL_MS: '200',
  ICCAM_POLL_DELIVERED_MS: '1000',
  ICCAM_POLL_ACKNOWLEDGED_MS: '1000',
  SCHEDULE_ICCAM_POLL: '* * * * * *',
  ACK_SECRETS: `police:${ACK_SECRET}`,
  SCHEDULE_DISPATCH: '* * * * * *',
  SCHEDULE_LOCATE: '* * * * * *',
  SCHEDULE_ACK_POLL: '* * * * * *',
  // Seal the trail every few seconds, so `audit verify` below has checkpoints to show.
  SCHEDULE_AUDIT_CHECKPOINT: '*/5 * * * * *',
  AUDIT_SIGNING_KEY_FILE: join(dir, 'audit-signing.key'),
  AUDIT_CHECKPOINT_FILE: join(dir, 'audit-checkpoints.jsonl'),
  LOG_LEVEL: 'warn',
});
const service = await startService(await compose(config, { logger: createLogger({ level: 'error' }) }));
const base = `http://127.0.0.1:${service.port}`;
// The police stand-in tells the service as a case advances, with signed callbacks (contract §4);
// ICCAM has no callbacks: the service polls it (GET rest/Content/{contentId}).
police.setBehaviour({ callback: { url: `${base}/v1/acks/police`, secret: ACK_SECRET } });
const headers = { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' };

console.log(`service on ${base}; police stand-in ${police.url}; ICCAM stand-in ${iccam.url}\n`);
const referral = await fetch(`${base}/v1/referrals`, {
  method: 'POST',
  headers,
  body: JSON.stringify({
    reportId: 'DEMO-2026-0001',
    urls: SAMPLES.map((s) => ({ url: s.url, contentType: 'image' })),
    classification: { category: 'baseline', ageGroup: 'prepubescent', siteType: 'image-host' },
    referredBy: 'Demo Analyst',
  }),
});
const accepted = (await referral.json()) as { referralId: string; handovers: { id: string; url: string; state: string }[] };
console.log(`POST /v1/referrals → ${referral.status}, referral ${accepted.referralId}\n`);

const labelOf = new Map(accepted.handovers.map((h, i) => [h.id, SAMPLES[i]!.label]));
const seen = new Map<string, string>();
const started = Date.now();
type Summary = { id: string; state: string; destination: string | null; country: string | null; targetHotline: string | null; outcome: string | null };
for (;;) {
  const res = await fetch(`${base}/v1/referrals/DEMO-2026-0001`, { headers });
  const body = (await res.json()) as { handovers: Summary[] };
  for (const h of body.handovers) {
    const line = `${h.state}${h.destination ? ` → ${h.destination}` : ''}${h.country ? ` (${h.country}${h.targetHotline ? `, ${h.targetHotline}` : ''})` : ''}${h.outcome ? ` outcome ${h.outcome}` : ''}`;
    if (seen.get(h.id) !== line) {
      seen.set(h.id, line);
      const label = labelOf.get(h.id) ?? `successor of a moved case`;
      console.log(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${label.padEnd(32)} ${line}`);
    }
  }
  if (body.handovers.every((h) => FINAL.has(h.state)) || Date.now() - started > 60_000) break;
  // The demo's own poll of its API; the service's jobs run on their own schedules.
  await new Promise((r) => setTimeout(r, 250));
}

const first = accepted.handovers[0]!.id;
const detail = (await (await fetch(`${base}/v1/handovers/${first}`, { headers })).json()) as {
  audit: { at: string; actor: string; from: string; to: string; reason: string }[];
};
console.log(`\naudit trail of the Belgian handover ${first}:`);
for (const e of detail.audit) console.log(`  ${e.at}  ${(e.from ?? '-').padEnd(12)} → ${(e.to ?? '-').padEnd(12)} ${e.actor.padEnd(22)} ${e.reason ?? ''}`);
const stats = (await (await fetch(`${base}/v1/stats`, { headers })).json()) as { byState: Record<string, number> };
console.log(`\nGET /v1/stats byState: ${JSON.stringify(stats.byState)}`);
type ClockStep = { count: number; medianMs: number | null; within: Record<string, number> };
const clock = (await (await fetch(`${base}/v1/stats/takedown?groupBy=destination`, { headers })).json()) as {
  targets: string[];
  groups: { key: string | null; referred: number; delivered: ClockStep; removed: ClockStep }[];
};
console.log(`GET /v1/stats/takedown (marks ${clock.targets.join(', ')}):`);
for (const g of clock.groups) {
  const median = (step: ClockStep) => (step.medianMs === null ? '—' : `${(step.medianMs / 1000).toFixed(1)} s`);
  console.log(
    `  ${String(g.key ?? 'not routed').padEnd(11)} referred ${g.referred}, delivered ${g.delivered.count} (median ${median(g.delivered)}), down ${g.removed.count} (median ${median(g.removed)}, ${Math.round(g.removed.within[clock.targets[0]!]! * 100)} % within ${clock.targets[0]})`,
  );
}
const state = iccam.snapshot();
console.log(`cases at the police stand-in: ${police.cases.size}; reports at the ICCAM stand-in: ${state.reports.length}`);

// What ICCAM saw, in its own shapes (contract §4): the report body, the bare-number answer, the
// content with its actions, and the pacing of every call.
const dutch = accepted.handovers[1]!.id;
const report = state.reports.find((r) => r.hotlineReference === dutch);
if (report) {
  console.log(`\nPOST rest/Reports for the Dutch handover (answered with the bare number ${report.reportId}):`);
  console.log(JSON.stringify(report.body, null, 2));
  const content = state.contents.find((c) => c.reportId === report.reportId);
  if (content) {
    const actions = content.actions.map((a) => `${a.actionName} (actionType ${a.actionType})`).join(', ');
    console.log(
      `GET rest/Content/${content.contentId}: assigned to ${content.assignedCountryCode ?? 'nobody'}; explicit actions: ${actions || 'none; the progression adds ReportedToLEA, then Removed'}`,
    );
  }
}
console.log(
  `ICCAM calls: ${state.calls} (logins ${state.logins}), pacing violations: ${state.pacingViolations.length}, reports per handover: ${JSON.stringify(Object.values(state.reportsPerHotlineReference))}`,
);

const shutdown = async () => {
  await service.stop();
  await Promise.all([police.close(), iccam.close(), dns.close(), rdap.close()]);
};

if (keep) {
  console.log(`\nThe service and the stand-ins keep running with the demo data.`);
  console.log(`  console:        ${base}/console/`);
  console.log(`  supervisor key: ${supervisorKey.secret}`);
  console.log(`  analyst key:    ${key.secret}`);
  console.log(`Press Ctrl+C to stop; the demo's database is removed then.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
await shutdown();

// The operator's view of the same ledger: seal what the last run of the job left, then check
// everything, as `npx referral audit checkpoint` and `npx referral audit verify` would.
const cliEnv = {
  PATH: process.env.PATH ?? '',
  DATABASE_URL: config.database.url,
  AUDIT_SIGNING_KEY_FILE: config.audit.signingKeyFile,
  AUDIT_CHECKPOINT_FILE: config.audit.checkpointFile,
};
const referralBin = fileURLToPath(new URL('../bin/referral.mjs', import.meta.url));
for (const args of [
  ['audit', 'checkpoint'],
  ['audit', 'verify'],
]) {
  const run = spawnSync(process.execPath, [referralBin, ...args], { env: cliEnv, encoding: 'utf8' });
  console.log(`
$ referral ${args.join(' ')}   (exit ${run.status})\n${run.stdout.trimEnd()}${run.stderr ? `\n${run.stderr.trimEnd()}` : ''}`);
}
rmSync(dir, { recursive: true, force: true });
