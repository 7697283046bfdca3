/**
 * Graceful shutdown of the real process: on SIGTERM it stops taking connections, lets the
 * requests in flight finish, and exits 0; a second signal exits at once.
 */
import Database from 'better-sqlite3';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpJson, serviceEnv, startChildService, tempDatabase, type ChildService, type HttpAnswer } from '../support/child-service.js';
import { KEYS, sampleReferral } from '../support/test-service.js';

let db: ReturnType<typeof tempDatabase>;
const children: ChildService[] = [];
const sockets: net.Socket[] = [];

beforeEach(() => {
  db = tempDatabase();
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await child.exited;
  }
  db.remove();
});

async function start(): Promise<ChildService> {
  // A grace period far longer than the test needs: nothing is cut short by the timer.
  const child = await startChildService(serviceEnv(db.databaseUrl, { SHUTDOWN_GRACE_MS: '20000' }));
  children.push(child);
  return child;
}

const referralBody = (reportId: string, urls = 2) =>
  JSON.stringify({ ...sampleReferral(reportId), urls: Array.from({ length: urls }, (_, i) => ({ url: `https://be-host.test/${reportId}/${i}` })) });

/**
 * A POST /v1/referrals whose body is held back: the server has its headers (the connection is
 * busy, not idle) but cannot answer until `finish()` sends the rest.
 */
async function heldBackReferral(port: number, reportId: string) {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  await once(socket, 'connect');
  const body = referralBody(reportId);
  const half = Math.floor(body.length / 2);
  socket.write(
    `POST /v1/referrals HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEYS.analyst}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
  );
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = once(socket, 'close');
  return {
    /** Sends the rest and resolves with the status line's code. */
    finish: async (): Promise<number> => {
      socket.write(body.slice(half));
      while (!/\r\n\r\n/.test(received)) await Promise.race([once(socket, 'data'), closed]);
      return Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]);
    },
    received: () => received,
    closed,
  };
}

/** A full POST whose `sent` resolves once every byte is handed to the OS. */
function referralPost(port: number, reportId: string): { sent: Promise<void>; answer: Promise<HttpAnswer> } {
  const payload = referralBody(reportId, 100);
  let sent!: () => void;
  const sentPromise = new Promise<void>((resolve) => (sent = resolve));
  const answer = new Promise<HttpAnswer>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/referrals',
        agent: false,
        headers: { authorization: `Bearer ${KEYS.service}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: null }));
      },
    );
    req.on('error', reject);
    req.on('finish', () => sent());
    req.end(payload);
  });
  return { sent: sentPromise, answer };
}

function referralsOnDisk(): string[] {
  const sqlite = new Database(db.file, { readonly: true });
  try {
    return (sqlite.prepare('SELECT report_id FROM referrals ORDER BY report_id').all() as { report_id: string }[]).map((r) => r.report_id);
  } finally {
    sqlite.close();
  }
}

describe('SIGTERM', () => {
  it('lets the requests in flight finish, refuses new connections, and exits 0', async () => {
    const child = await start();
    const held = await heldBackReferral(child.port, 'CF-HELD');
    const posts = Array.from({ length: 8 }, (_, i) => referralPost(child.port, `CF-BUSY-${i}`));
    await Promise.all(posts.map((p) => p.sent));
    // The server answers a later connection only after it has read everything sent before it.
    expect((await httpJson(child.port, 'GET', '/healthz')).status).toBe(200);

    child.kill('SIGTERM');
    await child.waitForLog((l) => l.message === 'shutting down');
    // Refused, or reset when it reached the kernel's backlog in the instant before the
    // listening socket closed: either way it is not served.
    const late = await httpJson(child.port, 'GET', '/healthz').then(
      () => 'served',
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(late);

    expect(await held.finish()).toBe(202);
    // The connection ends with its answer instead of idling open until keepAliveTimeout.
    expect(held.received()).toMatch(/\r\nConnection: close\r\n/i);
    await held.closed;
    expect((await Promise.all(posts.map((p) => p.answer))).map((a) => a.status)).toEqual(Array(8).fill(202));
    expect(await child.exited).toBe(0);

    // The held request was answered after shutdown began, and shutdown then completed.
    const messages = child.logs.map((l) => (l.message === 'request' ? `request ${String(l.route)} ${String(l.status)}` : l.message));
    const shuttingDown = messages.indexOf('shutting down');
    expect(messages.slice(shuttingDown)).toContain('request /v1/referrals 202');
    expect(messages.at(-1)).toBe('stopped');
    expect(referralsOnDisk()).toEqual(['CF-BUSY-0', 'CF-BUSY-1', 'CF-BUSY-2', 'CF-BUSY-3', 'CF-BUSY-4', 'CF-BUSY-5', 'CF-BUSY-6', 'CF-BUSY-7', 'CF-HELD']);
  });

  it('exits at once, non-zero, on a second signal while a request still holds shutdown open', async () => {
    const child = await start();
    const held = await heldBackReferral(child.port, 'CF-ABANDONED');
    expect((await httpJson(child.port, 'GET', '/healthz')).status).toBe(200);

    child.kill('SIGTERM');
    await child.waitForLog((l) => l.message === 'shutting down');
    child.kill('SIGINT');
    expect(await child.exited).toBe(130);
    await held.closed;

    expect(held.received()).toBe('');
    expect(child.logs.some((l) => l.message === 'second signal: exiting at once')).toBe(true);
    expect(child.logs.some((l) => l.message === 'stopped')).toBe(false);
    expect(referralsOnDisk()).toEqual([]);
  });
});
