/**
 * `referral <command>` (contract §6). Each command reads the configuration the same way the
 * service does; a configuration error prints its one line and exits 2.
 */
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, unknownSettings, type Config } from '../config/config.js';
import { readEnvironment } from '../config/read-environment.js';
import { auditCheckpointCommand } from './commands/audit-checkpoint.js';
import { auditVerifyCommand, type AuditVerifyOptions } from './commands/audit-verify.js';
import { dataUpdateCommand } from './commands/data-update.js';
import { keysCreateCommand } from './commands/keys-create.js';
import { locateCommand } from './commands/locate.js';
import { migrateCommand } from './commands/migrate.js';
import { reconcileCommand } from './commands/reconcile.js';
import { RECONCILIATION_JOB_NAMES } from '../jobs/reconciliation-jobs.js';
import { defaultLocatorFactory } from '../locator-factory.js';
import { resolveCommand } from './commands/resolve.js';
import { serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';

function config(): Config {
  return loadConfig(readEnvironment());
}

const program = new Command('referral').description('Hotline referral router: locate, route, deliver and track confirmed referrals.');

program
  .command('serve')
  .description('run the HTTP API and the scheduled jobs')
  .action(async () => serveCommand(config(), unknownSettings(readEnvironment())));
program
  .command('locate')
  .argument('[urls...]', 'reported URLs')
  .option('--json', 'machine-readable output')
  .option('--file <file>', 'read URLs from a file, one per line')
  .option('--concurrency <n>', 'URLs located at once', '8')
  .description('evidence and routing decision for each URL; nothing is stored')
  .action(async (urls: string[], opts: { json?: boolean; file?: string; concurrency?: string }) => locateCommand(config(), urls, opts));
program.command('migrate').description('apply pending database migrations').action(async () => migrateCommand(config()));
program
  .command('reconcile')
  .option('--json', 'machine-readable output')
  .addOption(new Option('--job <name...>', 'only these jobs').choices(RECONCILIATION_JOB_NAMES))
  .description('run every reconciliation job once now and print what each did')
  .action(async (opts: { json?: boolean; job?: string[] }) => {
    const results = await reconcileCommand(config(), opts, { locatorFactory: defaultLocatorFactory });
    if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
  });
program
  .command('status')
  .argument('[handover-id]', 'one handover in detail')
  .option('--json', 'machine-readable output')
  .description('counts per state and the oldest outstanding handovers, or one handover')
  .action(async (id: string | undefined, opts: { json?: boolean }) => statusCommand(config(), id, opts));
program
  .command('resolve')
  .argument('<handover-id>', 'a handover in needs_review whose delivery outcome is unknown')
  .requiredOption('--reference <reference>', "the destination's reference found there (ICCAM report id)")
  .requiredOption('--reason <text>', 'why (shows in the audit trail)')
  .description('record the reference of a delivery whose outcome was unknown: the handover becomes delivered')
  .action(async (id: string, opts: { reference: string; reason: string }) => resolveCommand(config(), id, opts));
const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .addOption(new Option('--role <role>', 'analyst, supervisor or service').choices(['analyst', 'supervisor', 'service']).makeOptionMandatory())
  .option('--name <name>', 'a name for the key (shows in the audit trail)')
  .description('print a new key once, and the API_KEYS entry to add')
  .action((opts: { role: 'analyst' | 'supervisor' | 'service'; name?: string }) => keysCreateCommand(opts));
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
    process.exitCode = await dataUpdateCommand(config(), opts);
  });
const audit = program.command('audit').description('the audit trail');
audit
  .command('verify')
  .option('--public-key <file>', 'the pinned Ed25519 public key (PEM); default: AUDIT_SIGNING_KEY_FILE.pub')
  .option('--checkpoint-file <file>', 'the checkpoint file to compare with; default: AUDIT_CHECKPOINT_FILE')
  .option('--json', 'machine-readable output')
  .description('check every chain, checkpoint and row in one snapshot; exit 0 intact, 1 broken, 2 could not check')
  .action(async (opts: AuditVerifyOptions) => auditVerifyCommand(config(), opts));
audit
  .command('checkpoint')
  .description('seal every audit event written since the last checkpoint, now')
  .action(async () => auditCheckpointCommand(config()));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
