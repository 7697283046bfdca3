/**
 * The `referral` command line (contract §6), run as an operator runs it: a process of its own
 * with nothing but its environment.
 */
import Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/store/migration-files.js';
import { openStore } from '../../src/store/open-store.js';
import { runCli, tempDatabase } from '../support/child-service.js';

let db: ReturnType<typeof tempDatabase>;
beforeEach(() => {
  db = tempDatabase();
});
afterEach(() => db.remove());

/** Three handovers: two still locating, one routed to the police. */
async function seedLedger(): Promise<string[]> {
  const store = openStore({ url: db.databaseUrl, poolSize: 1, statementTimeoutMs: 5_000 });
  try {
    await store.migrate();
    const { handovers } = await store.createReferral(
      {
        id: randomUUID(),
        reportId: 'CF-CLI',
        bodyHash: 'h',
        classification: { category: 'baseline', ageGroup: 'unknown' },
        reportedAt: null,
        urls: ['a', 'b', 'c'].map((p) => ({ handoverId: randomUUID(), url: `https://be-host.test/${p}`, contentType: null })),
      },
      'key:test',
      Date.parse('2026-03-01T10:00:00Z'),
    );
    await store.transition(handovers[0]!.id, {
      to: 'routed',
      actor: 'system:test',
      reason: 'test',
      set: { destination: 'police', country: 'BE' },
      now: Date.parse('2026-03-01T10:01:00Z'),
    });
    return handovers.map((h) => h.id);
  } finally {
    await store.close();
  }
}

describe('referral keys create', () => {
  it('prints a new key once and an API_KEYS entry whose hash is that key’s', async () => {
    const res = await runCli(['keys', 'create', '--role', 'supervisor', '--name', 'x'], {});
    expect(res.code).toBe(0);
    const secret = /key \(shown once[^)]*\): (\S+)/.exec(res.stdout)?.[1];
    const entry = /add to API_KEYS[^:]*: (\S+)/.exec(res.stdout)?.[1];
    expect(secret).toMatch(/^hrr_/);
    const [name, role, hash] = entry!.split(':');
    expect([name, role]).toEqual(['x', 'supervisor']);
    expect(hash).toBe(createHash('sha256').update(secret!).digest('hex'));
  });

  it('refuses an unknown role', async () => {
    const res = await runCli(['keys', 'create', '--role', 'admin'], {});
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/admin/);
    expect(res.stdout).not.toMatch(/hrr_/);
  });
});

describe('referral migrate', () => {
  it('applies the migrations once; the second run says the database is up to date', async () => {
    const first = await runCli(['migrate'], { DATABASE_URL: db.databaseUrl });
    const all = readMigrations('sqlite').map((m) => m.name);
    expect(all[0]).toBe('0001_ledger');
    expect([first.code, first.stdout]).toEqual([0, `applied: ${all.join(', ')}\n`]);
    const second = await runCli(['migrate'], { DATABASE_URL: db.databaseUrl });
    expect([second.code, second.stdout]).toEqual([0, 'the database is up to date\n']);
  });
});

describe('referral status', () => {
  it('prints the counts per state and destination, and the oldest outstanding handovers', async () => {
    const ids = await seedLedger();
    const [table, json] = await Promise.all([
      runCli(['status'], { DATABASE_URL: db.databaseUrl }),
      runCli(['status', '--json'], { DATABASE_URL: db.databaseUrl }),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^locating\s+-\s+2$/m);
    expect(table.stdout).toMatch(/^routed\s+police\s+1$/m);
    for (const id of ids) expect(table.stdout).toContain(id);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { counts: { state: string; destination: string | null; count: number }[] };
    expect(parsed.counts).toEqual(
      expect.arrayContaining([
        { state: 'locating', destination: null, count: 2 },
        { state: 'routed', destination: 'police', count: 1 },
      ]),
    );
    // Status never shows what was reported.
    expect(table.stdout + json.stdout).not.toContain('be-host.test');
  });

  it('lists the handovers waiting for review with their reasons and age', async () => {
    const [, waiting] = await seedLedger();
    const store = openStore({ url: db.databaseUrl, poolSize: 1, statementTimeoutMs: 5_000 });
    try {
      const at = Date.parse('2026-03-01T10:02:00Z');
      const decision = {
        destination: null,
        country: null,
        targetHotline: null,
        assignedCountry: null,
        rule: 'review',
        confidence: 0,
        reviewReasons: ['behind_cdn', 'country_disagreement'],
        reasons: [],
        dataVersions: {},
        decidedAt: new Date(at).toISOString(),
      };
      await store.transition(waiting!, {
        to: 'needs_review',
        actor: 'system:test',
        reason: 'test',
        set: { decision: decision as never, locatedAt: at },
        now: at,
      });
    } finally {
      await store.close();
    }
    const [table, json] = await Promise.all([
      runCli(['status'], { DATABASE_URL: db.databaseUrl }),
      runCli(['status', '--json'], { DATABASE_URL: db.databaseUrl }),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^needs review \\(oldest first\\):\\n  ${waiting}\\s+\\d+d\\s+-\\s+behind_cdn, country_disagreement$`, 'm'));
    const review = (JSON.parse(json.stdout) as { needsReview: unknown[] }).needsReview;
    expect(review).toEqual([
      { id: waiting, country: null, reasons: ['behind_cdn', 'country_disagreement'], since: '2026-03-01T10:02:00.000Z', ageSeconds: expect.any(Number) },
    ]);
  });

  it('prints one handover with its audit trail, and exits 1 for an unknown one', async () => {
    const [routed] = await seedLedger();
    const one = await runCli(['status', routed!], { DATABASE_URL: db.databaseUrl });
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`handover ${routed}: routed  destination police  country BE`);
    expect(one.stdout).toMatch(/locating → routed\s+transition\s+by system:test/);
    const unknown = await runCli(['status', randomUUID()], { DATABASE_URL: db.databaseUrl });
    expect(unknown.code).toBe(1);
  });
});

describe('referral resolve', () => {
  it('records the reference a supervisor found for an unknown outcome, and refuses a second resolve', async () => {
    const [, waiting] = await seedLedger();
    const store = openStore({ url: db.databaseUrl, poolSize: 1, statementTimeoutMs: 5_000 });
    try {
      await store.transition(waiting!, {
        to: 'needs_review',
        actor: 'system:test',
        reason: 'ICCAM create timed out after sending',
        set: { destination: 'inhope', country: 'NL', failureReason: 'delivery_outcome_unknown' },
        now: Date.parse('2026-03-01T10:02:00Z'),
      });
    } finally {
      await store.close();
    }
    // The actor is the account the command runs as, whatever USER says.
    const env = { DATABASE_URL: db.databaseUrl, USER: 'someone-else' };
    const first = await runCli(['resolve', waiting!, '--reference', '40001', '--reason', 'found report 40001 in ICCAM'], env);
    expect({ code: first.code, stdout: first.stdout.trim() }).toEqual({ code: 0, stdout: `handover ${waiting}: delivered  reference 40001` });
    const reader = openStore({ url: db.databaseUrl, poolSize: 1, statementTimeoutMs: 5_000 });
    try {
      expect((await reader.listAuditEvents(waiting!)).at(-1)).toMatchObject({ actor: `cli:${userInfo().username}`, toState: 'delivered' });
    } finally {
      await reader.close();
    }
    const again = await runCli(['resolve', waiting!, '--reference', '40002', '--reason', 'again'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/unknown/);
  });
});

describe('referral observe', () => {
  it('records what the back office saw: removed closes a delivered case once; a repeat and a bad kind change nothing', async () => {
    const [routed] = await seedLedger();
    const store = openStore({ url: db.databaseUrl, poolSize: 1, statementTimeoutMs: 5_000 });
    try {
      await store.transition(routed!, {
        to: 'delivering',
        actor: 'system:test',
        reason: 'test',
        now: Date.parse('2026-03-01T10:02:00Z'),
      });
      await store.transition(routed!, {
        to: 'delivered',
        actor: 'system:test',
        reason: 'test',
        set: { reference: 'PR-1', deliveredAt: Date.parse('2026-03-01T10:03:00Z') },
        now: Date.parse('2026-03-01T10:03:00Z'),
      });
    } finally {
      await store.close();
    }
    const env = { DATABASE_URL: db.databaseUrl };
    const args = ['observe', routed!, '--kind', 'removed', '--at', '2026-03-02T08:30:00Z', '--by', 'Analyst 7', '--note', 'page answers 404'];
    const first = await runCli(args, env);
    expect({ code: first.code, stdout: first.stdout.trim() }).toEqual({
      code: 0,
      stdout: `handover ${routed}: removed at 2026-03-02T08:30:00.000Z closed; now closed`,
    });
    expect((await runCli(args, env)).stdout).toContain('unchanged; now closed');
    const bad = await runCli(['observe', routed!, '--kind', 'gone'], env);
    expect(bad.code).not.toBe(0);
    const reader = openStore({ url: db.databaseUrl, poolSize: 1, statementTimeoutMs: 5_000 });
    try {
      expect(await reader.getHandover(routed!)).toMatchObject({ state: 'closed', outcome: 'removed', contentRemovedAt: Date.parse('2026-03-02T08:30:00Z') });
      const observations = (await reader.listAuditEvents(routed!)).filter((e) => e.kind === 'observation');
      expect(observations).toMatchObject([{ actor: `cli:${userInfo().username}`, data: { observedBy: 'Analyst 7', note: 'page answers 404' } }]);
    } finally {
      await reader.close();
    }
  });
});

describe('a malformed setting', () => {
  const cases: [string, string[], Record<string, string>][] = [
    ['PORT', ['serve'], { PORT: 'abc' }],
    ['DATABASE_URL', ['migrate'], { DATABASE_URL: 'mysql://x' }],
    ['HOME_COUNTRY', ['status'], { HOME_COUNTRY: 'XX' }],
    ['API_KEYS', ['audit', 'verify'], { API_KEYS: 'alice:analyst' }],
    ['ACK_SECRETS', ['reconcile'], { ACK_SECRETS: 'europol:0123456789abcdef0123' }],
    ['POLICE_EXPORT_TOKEN', ['locate', 'https://be-host.test/'], { POLICE_EXPORT_URL: 'https://police.example' }],
  ];
  it('makes every command that reads the configuration exit 2 with one line naming the variable', async () => {
    // Six processes at once on a shared 2-core machine: give them time; each still ends at once.
    const results = await Promise.all(cases.map(([, args, env]) => runCli(args, { DATABASE_URL: db.databaseUrl, ...env }, { timeoutMs: 90_000 })));
    for (const [i, [variable, args]] of cases.entries()) {
      const res = results[i]!;
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.stderr).toMatch(new RegExp(`^Configuration error: ${variable} [^\\n]+\\n$`));
      expect(res.stdout).toBe('');
    }
  }, 120_000);
});

describe('referral audit checkpoint and audit verify', () => {
  const auditEnv = () => ({
    DATABASE_URL: db.databaseUrl,
    AUDIT_SIGNING_KEY_FILE: join(db.dir, 'keys', 'audit.key'),
    AUDIT_CHECKPOINT_FILE: join(db.dir, 'checkpoints.jsonl'),
  });

  it('seals a checkpoint with a key it creates (0600), prints it on verify, and exits 1 after an event was edited', async () => {
    await seedLedger();
    const sealed = await runCli(['audit', 'checkpoint'], auditEnv());
    expect(sealed.code).toBe(0);
    expect(sealed.stdout).toMatch(/checkpoint 1 sealed: 4 events \(1\.\.4\)/);
    expect(statSync(join(db.dir, 'keys', 'audit.key')).mode & 0o777).toBe(0o600);
    // The ledger line, then the checkpoint.
    const lines = readFileSync(join(db.dir, 'checkpoints.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: 'hotline-referral-router/audit-checkpoint-file' });

    const intact = await runCli(['audit', 'verify'], auditEnv());
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/^checkpoints: 1$/m);
    expect(intact.stdout).toMatch(/^ {2}#1 .* events 1\.\.4 \(4\)/m);
    expect(intact.stdout).toMatch(/audit trail intact/);

    // The append-only trigger refuses the edit; someone with the file drops it first.
    const sqlite = new Database(db.file);
    expect(() => sqlite.prepare("UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 2").run()).toThrow(/append-only/);
    sqlite.exec('DROP TRIGGER audit_events_no_update');
    sqlite.prepare("UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 2").run();
    sqlite.close();

    const broken = await runCli(['audit', 'verify'], auditEnv());
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/audit trail BROKEN/);
    expect(broken.stdout).toMatch(/hash_mismatch {2}event 2 /);
  }, 60_000); // four processes of its own, one after the other

  it('exits 2 on a mistyped database path, and creates no file', async () => {
    const typo = join(db.dir, 'referals.db');
    const res = await runCli(['audit', 'verify'], { ...auditEnv(), DATABASE_URL: `sqlite:${typo}` });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/could not check: no database at/);
    expect(existsSync(typo)).toBe(false);
  });

  it('exits 2 on a database that was never migrated, and leaves it unmigrated', async () => {
    new Database(db.file).close();
    const res = await runCli(['audit', 'verify'], auditEnv());
    expect(res.code).toBe(2);
    const sqlite = new Database(db.file, { readonly: true });
    expect(sqlite.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({ n: 0 });
    sqlite.close();
  });
});
