/**
 * `referral locate <url>... [--json] [--file F]`: the evidence and decision for each URL, as a
 * handover would get them, with nothing stored. Many URLs (a file, one per line) run with
 * bounded concurrency and a progress bar when the output is a terminal.
 */
import { readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Config } from '../../config/config.js';
import { POLICY_DIR } from '../../config/project-paths.js';
import { loadRoutingPolicy } from '../../config/routing-policy-file.js';
import { systemClock } from '../../domain/clock.js';
import type { RoutingDecision } from '../../domain/decision.js';
import type { HostingEvidence } from '../../domain/evidence.js';
import { checkIntakeUrl } from '../../domain/intake-url.js';
import { decideRoute } from '../../domain/routing/decide-route.js';
import { forEachConcurrently } from '../../domain/bounded-concurrency.js';
import { createLogger } from '../../logging/logger.js';
import { createConfiguredLocator } from '../../locate/configured-locator.js';

interface LocateOptions {
  json?: boolean;
  file?: string;
  concurrency?: string;
}

type Row = { url: string; evidence?: HostingEvidence; decision?: RoutingDecision; error?: string };

function describeDecision(d: RoutingDecision): string {
  if (d.destination === null) return `needs_review (${d.reviewReasons.join(', ')})`;
  return `${d.destination}${d.assignedCountry ? ` → ${d.assignedCountry}${d.targetHotline ? ` (${d.targetHotline})` : ''}` : d.destination === 'inhope' ? ' (orphan)' : ''}`;
}

function tableRow(row: Row): string[] {
  if (!row.evidence || !row.decision) return [row.url, '-', '-', '-', '-', `error: ${row.error}`];
  const e = row.evidence;
  const first = e.addresses[0];
  const more = e.addresses.length > 1 ? ` +${e.addresses.length - 1}` : '';
  const countries = [...new Set(e.addresses.flatMap((a) => [a.geo.country, a.registry.country]).filter(Boolean))].join('/') || '-';
  const asn = first?.geo.asn ? `AS${first.geo.asn} ${first.geo.asOrganisation ?? ''}`.trim() : '-';
  const cdn = e.addresses.find((a) => a.cdn)?.cdn?.provider ?? '-';
  return [
    row.url,
    first ? `${first.address}${more}` : `dns ${e.dns.outcome}`,
    countries,
    asn,
    cdn,
    `${describeDecision(row.decision)}  [${row.decision.rule}, ${row.decision.confidence.toFixed(2)}]`,
  ];
}

function printTable(rows: string[][]): void {
  const header = ['url', 'address', 'country', 'network', 'cdn', 'decision'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.min(60, Math.max(...all.map((r) => r[i]!.length))));
  for (const r of all) process.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.slice(0, widths[i]).padEnd(widths[i]!))).join('  ')}\n`);
}

export async function locateCommand(config: Config, urls: string[], opts: LocateOptions): Promise<void> {
  const fromFile = opts.file
    ? readFileSync(opts.file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [];
  const all = [...urls, ...fromFile];
  if (all.length === 0) {
    process.stderr.write('give at least one URL, or --file F\n');
    process.exitCode = 2;
    return;
  }
  const logger = createLogger({ level: 'error' });
  const locator = await createConfiguredLocator(config, systemClock, logger);
  const policy = loadRoutingPolicy(POLICY_DIR, { homeCountry: config.homeCountry });
  // The bundled ASN index loads in the background (about a second); a one-off command waits
  // for it so its answers carry the network, as the long-running service's do.
  for (let waited = 0; !locator.readiness().asnLoaded && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  const rows: Row[] = all.map((url) => ({ url }));
  const bar =
    process.stderr.isTTY && rows.length > 1
      ? new cliProgress.SingleBar({ stream: process.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic)
      : null;
  bar?.start(rows.length, 0);
  try {
    await forEachConcurrently(rows, Number(opts.concurrency ?? 8), async (row) => {
      const problem = checkIntakeUrl(row.url);
      if (problem) row.error = problem;
      else {
        row.evidence = await locator.locate(row.url);
        row.decision = decideRoute(row.evidence, policy, systemClock.now());
      }
      bar?.increment();
    });
  } finally {
    bar?.stop();
    await locator.close();
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else printTable(rows.map(tableRow));
  if (rows.some((r) => r.error)) process.exitCode = 1;
}
