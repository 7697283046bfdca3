/**
 * README "Running in production": the two-replica recipe, run as written
 * (scripts/two-replica-recipe.sh, which the README shows verbatim) against a PostgreSQL
 * database of its own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/project-paths.js';
import { createTestDatabase } from '../support/postgres.js';

const SCRIPT = join(PROJECT_ROOT, 'scripts', 'two-replica-recipe.sh');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let scratch: string;
beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'hrr-recipe-'));
});
afterAll(async () => {
  await database.drop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the two-replica recipe', () => {
  it('is in the README word for word', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const script = readFileSync(SCRIPT, 'utf8');
    expect(readme).toContain(`\`\`\`sh\n${script}\`\`\``);
  });

  it('runs: both replicas serve one database, and the failed-authentication limit holds across them', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      DATABASE_URL: database.url,
      PORT_A: String(portA),
      PORT_B: String(portB),
      AUTH_FAILURES_PER_MINUTE: '6',
      // The recipe's replicas run no jobs here: nothing would locate the test URL anyway.
      JOBS_ENABLED: 'false',
      // This database's own audit files: the default var/ path of the checkout would be another
      // ledger's by the next run, and is refused.
      AUDIT_CHECKPOINT_FILE: join(scratch, 'audit-checkpoints.jsonl'),
      AUDIT_SIGNING_KEY_FILE: join(scratch, 'audit-signing.key'),
    };
    // Its own process group, so nothing it started can outlive the test.
    const child = spawn('bash', [SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    }).finally(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // The group is gone already: the script stopped its replicas itself.
      }
    });
    expect(result.out).toContain('replica B sees the referral replica A took in');
    expect(result.out).toContain('failed authentication is limited across both replicas');
    expect(result.code, result.out).toBe(0);
  }, 90_000);
});
