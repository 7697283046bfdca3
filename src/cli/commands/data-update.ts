/**
 * `referral data update`: refresh the published data (RDAP bootstrap, CDN lists) from the
 * URLs in config/data-sources.json into PUBLISHED_DATA_DIR. Run it daily; the service picks
 * the new files up without a restart. Exit code 1 when any source failed or was refused.
 */
import type { Config } from '../../config/config.js';
import { systemClock } from '../../domain/clock.js';
import { updatePublishedData } from '../../locate/data-update.js';
import { loadDataSources } from '../../locate/published-data.js';

export interface DataUpdateCliOptions {
  force?: boolean;
  json?: boolean;
  only?: string[];
  sources?: string;
  dir?: string;
}

export async function dataUpdateCommand(config: Config, opts: DataUpdateCliOptions): Promise<number> {
  const dir = opts.dir ?? config.publishedDataDir;
  if (!dir) {
    process.stderr.write('PUBLISHED_DATA_DIR is empty: there is nowhere to write (give --dir)\n');
    return 2;
  }
  let sources = loadDataSources(opts.sources);
  if (opts.only?.length) sources = sources.filter((s) => opts.only!.includes(s.id));
  const results = await updatePublishedData({ sources, dir, force: opts.force ?? false, now: () => systemClock.now() });
  if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else for (const r of results) process.stdout.write(`${r.id.padEnd(22)} ${r.outcome.padEnd(9)} ${r.detail}\n`);
  return results.some((r) => r.outcome === 'failed' || r.outcome === 'refused') ? 1 : 0;
}
