/**
 * The floor intake is measured against: express on the same machine, the same SQLite
 * settings as the store (WAL, synchronous=FULL, foreign keys, busy timeout), inserting each
 * JSON body as one row. No validation, no handovers, no audit events: what the hardware and
 * the durability settings allow, in the same run, so the ratio holds on a busy machine too.
 */
import Database from 'better-sqlite3';
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IntakeTarget } from './intake-load.js';

export async function startBareIntake(): Promise<IntakeTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-bench-bare-'));
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  db.exec('CREATE TABLE bodies (id INTEGER PRIMARY KEY, body TEXT NOT NULL, received_at INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO bodies (body, received_at) VALUES (?, ?)');
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.post('/v1/referrals', (req, res) => {
    const { lastInsertRowid } = insert.run(JSON.stringify(req.body), Date.now());
    res.status(201).json({ id: Number(lastInsertRowid) });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    headers: {},
    reportPrefix: 'BARE',
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
