/**
 * `referral serve` on a machine where a correct-looking configuration still cannot work: it
 * refuses in one line naming the setting and the file or server, and exits 2 — no stack trace.
 * Also the Node check, --version and the typo hint, each as an operator meets them.
 */
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, serviceEnv, startChildService, tempDatabase } from '../support/child-service.js';

let db: ReturnType<typeof tempDatabase>;
beforeEach(() => {
  db = tempDatabase();
});
afterEach(() => db.remove());

async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('referral serve refuses in one line and exits 2', () => {
  it('for missing files, an unopenable SQLite path, unreachable PostgreSQL, a taken port and a bad HOST', async () => {
    const { port, server } = await occupiedPort();
    const notADir = join(db.dir, 'plain-file');
    writeFileSync(notADir, 'x');
    const cases: [string, Record<string, string>, RegExp][] = [
      [
        'GEOIP_COUNTRY_DB',
        { GEOIP_COUNTRY_DB: join(db.dir, 'missing-country.mmdb') },
        /^Configuration error: GEOIP_COUNTRY_DB names \S+missing-country\.mmdb, which does not exist\n$/,
      ],
      [
        'GEOIP_ASN_DB',
        { GEOIP_ASN_DB: join(db.dir, 'missing-asn.mmdb') },
        /^Configuration error: GEOIP_ASN_DB names \S+missing-asn\.mmdb, which does not exist\n$/,
      ],
      [
        'DESTINATION_CA_FILE',
        { DESTINATION_CA_FILE: join(db.dir, 'ca.pem') },
        /^Configuration error: DESTINATION_CA_FILE names \S+ca\.pem, which does not exist\n$/,
      ],
      [
        'DATABASE_URL (SQLite)',
        { DATABASE_URL: `sqlite:${join(notADir, 'referrals.db')}` },
        /^Configuration error: DATABASE_URL names SQLite file \S+plain-file\/referrals\.db, which cannot be opened \(\w+\)\n$/,
      ],
      // Port 1 on loopback: nothing listens there, and nothing leaves the machine.
      [
        'DATABASE_URL (PostgreSQL)',
        { DATABASE_URL: 'postgres://hrr:secret-password@127.0.0.1:1/hrr' },
        /^Configuration error: DATABASE_URL names PostgreSQL at 127\.0\.0\.1:1\/hrr, which cannot be reached \(ECONNREFUSED\)\n$/,
      ],
      ['PORT', { PORT: String(port) }, new RegExp(`^Configuration error: PORT ${port} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\)\\n$`)],
      // TEST-NET-1 (RFC 5737): no interface of this machine has it, and no packet is sent.
      ['HOST', { HOST: '192.0.2.1' }, /^Configuration error: HOST 192\.0\.2\.1 cannot be listened on \(EADDRNOTAVAIL\)\n$/],
    ];
    try {
      const results = await Promise.all(
        cases.map(([, env]) => runCli(['serve'], serviceEnv(db.databaseUrl, { PORT: '0', HOST: '127.0.0.1', ...env }), { timeoutMs: 90_000 })),
      );
      for (const [i, [name, , line]] of cases.entries()) {
        const res = results[i]!;
        expect({ name, code: res.code, stderr: res.stderr }).toEqual({ name, code: 2, stderr: expect.stringMatching(line) });
        expect(res.stderr).not.toContain('secret-password');
      }
    } finally {
      server.close();
    }
  }, 120_000);
});

describe('a misspelt setting', () => {
  it('is named with the setting it probably meant, also in the unconfigured-destination warning', async () => {
    const child = await startChildService(serviceEnv(db.databaseUrl, { POLICE_EXPORT_ULR: 'https://police.example/api' }));
    try {
      const unread = await child.waitForLog((l) => l.message === 'settings that are not read were given');
      expect(unread.didYouMean).toEqual({ POLICE_EXPORT_ULR: 'POLICE_EXPORT_URL' });
      const police = await child.waitForLog((l) => l.message === 'destination not configured: its handovers wait in routed' && l.destination === 'police');
      expect(police.probablyMeant).toEqual(['POLICE_EXPORT_ULR → POLICE_EXPORT_URL']);
    } finally {
      await child.stop();
    }
  });
});

describe('files', () => {
  it('keeps the SQLite database, its -wal/-shm and a directory it creates private to the service user', async () => {
    const dir = join(db.dir, 'var');
    const file = join(dir, 'referrals.db');
    const res = await runCli(['migrate'], { DATABASE_URL: `sqlite:${file}` });
    expect(res.code).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      try {
        expect({ f, mode: statSync(f).mode & 0o777 }).toEqual({ f, mode: 0o600 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  });

  it('tightens an existing world-readable database file', async () => {
    mkdirSync(db.dir, { recursive: true });
    writeFileSync(db.file, '');
    chmodSync(db.file, 0o644);
    expect((await runCli(['migrate'], { DATABASE_URL: db.databaseUrl })).code).toBe(0);
    expect(statSync(db.file).mode & 0o777).toBe(0o600);
  });
});

describe('referral --version', () => {
  it('prints the package version', async () => {
    const res = await runCli(['--version'], {});
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
