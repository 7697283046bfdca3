/**
 * `referral <command>` (contract §6). Each command reads the configuration the same way the
 * service does; a configuration error prints its one line and exits 2. Command modules (and
 * the configuration's libraries) are loaded only when their command runs, so `--help`,
 * `--version` and `keys create` start in a fraction of the time the whole service graph takes.
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { PROJECT_ROOT } from '../config/project-paths.js';
import { RECONCILIATION_JOB_NAMES } from '../jobs/reconciliation-jobs.js';

let loaded = null as Config | null;
async function config(): Promise<Config> {
  const [{ loadConfig }, { readEnvironment }, { checkConfiguredFiles }] = await Promise.all([
    import('../config/config.js'),
    import('../config/read-environment.js'),
    import('../config/startup-refusals.js'),
  ]);
  loaded = loadConfig(readEnvironment());
  checkConfiguredFiles(loaded);
  return loaded;
}

const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
const program = new Command('referral')
  .description('Hotline referral router: locate, route, deliver and track confirmed referrals.')
  .version(version, '-V, --version', 'print the version');

program
  .command('serve')
  .description('run the HTTP API and the scheduled jobs')
  .action(async () => {
    const [{ serveCommand }, { unknownSettings }, { readEnvironment }] = await Promise.all([
      import('./commands/serve.js'),
      import('../config/config.js'),
      import('../config/read-environment.js'),
    ]);
    await serveCommand(await config(), unknownSettings(readEnvironment()));
  });
program
  .command('locate')
  .argument('[urls...]', 'reported URLs')
  .option('--json', 'machine-readable output')
  .option('--file <file>', 'read URLs from a file, one per line')
  .option('--concurrency <n>', 'URLs located at once', '8')
  .description('evidence and routing decision for each URL; nothing is stored')
  .action(async (urls: string[], opts: { json?: boolean; file?: string; concurrency?: string }) => {
    const { locateCommand } = await import('./commands/locate.js');
    await locateCommand(await config(), urls, opts);
  });
program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    const { migrateCommand } = await import('./commands/migrate.js');
    await migrateCommand(await config());
  });
program
  .command('reconcile')
  .option('--json', 'machine-readable output')
  .addOption(new Option('--job <name...>', 'only these jobs').choices(RECONCILIATION_JOB_NAMES))
  .description('run every reconciliation job once now and print what each did')
  .action(async (opts: { json?: boolean; job?: string[] }) => {
    const { reconcileCommand } = await import('./commands/reconcile.js');
    const results = await reconcileCommand(await config(), opts);
    if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
  });
program
  .command('status')
  .argument('[handover-id]', 'one handover in detail')
  .option('--json', 'machine-readable output')
  .description('counts per state, the oldest outstanding handovers, and those needing review with their reasons and age; or one handover')
  .action(async (id: string | undefined, opts: { json?: boolean }) => {
    const { statusCommand } = await import('./commands/status.js');
    await statusCommand(await config(), id, opts);
  });
program
  .command('resolve')
  .argument('<handover-id>', 'a handover in needs_review whose delivery outcome is unknown')
  .requiredOption('--reference <reference>', "the destination's reference found there (ICCAM report id)")
  .requiredOption('--reason <text>', 'why (shows in the audit trail)')
  .description('record the reference of a delivery whose outcome was unknown: the handover becomes delivered')
  .action(async (id: string, opts: { reference: string; reason: string }) => {
    const { resolveCommand } = await import('./commands/resolve.js');
    await resolveCommand(await config(), id, opts);
  });
program
  .command('observe')
  .argument('<handover-id>', 'the handover whose content was seen')
  .addOption(new Option('--kind <kind>', 'what was seen').choices(['removed', 'unavailable', 'online']).makeOptionMandatory())
  .option('--at <time>', 'when it was seen (ISO 8601; default now)')
  .option('--note <text>', 'a note for the audit trail')
  .option('--by <name>', 'who saw it (default: this account)')
  .description('record what the back office saw of the content; removed or unavailable closes a delivered or acknowledged case')
  .action(async (id: string, opts: { kind: 'removed' | 'unavailable' | 'online'; at?: string; note?: string; by?: string }) => {
    const { observeCommand } = await import('./commands/observe.js');
    await observeCommand(await config(), id, opts);
  });
const iccam = program.command('iccam').description('ICCAM, the INHOPE exchange');
iccam
  .command('import')
  .option('--json', 'machine-readable output')
  .description('one inbound pass now: take in what ICCAM assigned to the home country, and tell ICCAM what partner items came to')
  .action(async (opts: { json?: boolean }) => {
    const { iccamImportCommand } = await import('./commands/iccam-import.js');
    process.exitCode = await iccamImportCommand(await config(), opts);
  });
const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .addOption(new Option('--role <role>', 'analyst, supervisor or service').choices(['analyst', 'supervisor', 'service']).makeOptionMandatory())
  .option('--name <name>', 'a name for the key (shows in the audit trail)')
  .description('print a new key once, and the API_KEYS entry to add')
  .action(async (opts: { role: 'analyst' | 'supervisor' | 'service'; name?: string }) => {
    const { keysCreateCommand } = await import('./commands/keys-create.js');
    keysCreateCommand(opts);
  });
const data = program.command('data').description('published data the locator reads (RDAP bootstrap, CDN lists)');
data
  .command('update')
  .option('--force', 'accept a copy that shrank by more than half')
  .option('--only <id...>', 'only these sources (ids in config/data-sources.json)')
  .option('--sources <file>', 'another data source list')
  .option('--dir <dir>', 'write here instead of PUBLISHED_DATA_DIR')
  .option('--json', 'machine-readable output')
  .description('fetch each published source, check it, and write it atomically; the service picks it up without a restart')
  .action(async (opts: { force?: boolean; only?: string[]; sources?: string; dir?: string; json?: boolean }) => {
    const { dataUpdateCommand } = await import('./commands/data-update.js');
    process.exitCode = await dataUpdateCommand(await config(), opts);
  });
const audit = program.command('audit').description('the audit trail');
audit
  .command('verify')
  .option('--public-key <file>', 'the pinned Ed25519 public key (PEM); default: AUDIT_SIGNING_KEY_FILE.pub')
  .option('--checkpoint-file <file>', 'the checkpoint file to compare with; default: AUDIT_CHECKPOINT_FILE')
  .option('--json', 'machine-readable output')
  .description('check every chain, checkpoint and row in one snapshot; exit 0 intact, 1 broken, 2 could not check')
  .action(async (opts: { publicKey?: string; checkpointFile?: string; json?: boolean }) => {
    const { auditVerifyCommand } = await import('./commands/audit-verify.js');
    await auditVerifyCommand(await config(), opts);
  });
audit
  .command('checkpoint')
  .description('seal every audit event written since the last checkpoint, now')
  .action(async () => {
    const { auditCheckpointCommand } = await import('./commands/audit-checkpoint.js');
    await auditCheckpointCommand(await config());
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // A store that cannot be opened or reached is a configuration problem too: one line, exit 2.
  const { ConfigError } = await import('../domain/errors.js');
  const { storeRefusal } = await import('../config/startup-refusals.js');
  const refusal = error instanceof ConfigError ? error : loaded !== null ? storeRefusal((loaded as Config).database.url, error) : null;
  if (refusal) {
    process.stderr.write(`${refusal.message}\n`);
    process.exit(2);
  }
  throw error;
}
