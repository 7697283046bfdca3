/**
 * `referral data update` against a local HTTP server on 127.0.0.1: it writes what parses,
 * refuses what does not or what shrank by more than half (unless forced), and a locator
 * reading the directory uses the new copy.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { updatePublishedData } from '../../src/locate/data-update.js';
import { loadCdnDetector } from '../../src/locate/cdn-detect.js';
import type { DataSource } from '../../src/locate/published-data.js';
import { loadPublishedBootstrap } from '../../src/locate/rdap-bootstrap.js';

const run = promisify(execFile);
const bundledBootstrap = readFileSync(new URL('../../data/rdap-bootstrap/ipv6.json', import.meta.url), 'utf8');

/** What the server answers per path; tests change it. */
let routes: Record<string, { status?: number; body: string }> = {};
const requests: string[] = [];
const server = http.createServer((req, res) => {
  requests.push(req.url ?? '');
  const route = routes[req.url ?? ''];
  res.writeHead(route?.status ?? (route ? 200 : 404), { 'content-type': 'text/plain' });
  res.end(route?.body ?? 'not found');
});
let base: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  routes = {};
});

function sources(): DataSource[] {
  return [
    { id: 'fastly', url: `${base}/fastly`, file: 'cdn/fastly.json', format: 'fastly' },
    { id: 'cloudflare-ipv4', url: `${base}/cf4`, file: 'cdn/cloudflare-ipv4.txt', format: 'cidr-lines' },
    { id: 'rdap-bootstrap-ipv6', url: `${base}/ipv6.json`, file: 'rdap-bootstrap/ipv6.json', format: 'rdap-bootstrap' },
  ];
}
const now = () => new Date('2026-11-29T06:00:00Z');
const fastlyList = (n: number) =>
  JSON.stringify({ addresses: Array.from({ length: n }, (_, i) => `198.${51 + Math.floor(i / 256)}.${i % 256}.0/24`), ipv6_addresses: [] });

describe('updatePublishedData', () => {
  it('follows no redirect, and reads no bootstrap larger than registry answers may be', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrr-data-'));
    const elsewhere = `${base}/elsewhere`;
    routes = {
      '/elsewhere': { body: fastlyList(20) },
      '/ipv6.json': { body: JSON.stringify({ services: [], padding: 'x'.repeat(1024 * 1024) }) },
    };
    const redirecting = http.createServer((_req, res) => res.writeHead(302, { location: elsewhere }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const [fastly, , bootstrap] = sources();
      const from = { ...fastly!, url: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/fastly` };
      const results = await updatePublishedData({ sources: [from, bootstrap!], dir, now });
      expect(results.map((r) => [r.id, r.outcome])).toEqual([
        ['fastly', 'failed'],
        ['rdap-bootstrap-ipv6', 'failed'],
      ]);
      expect(requests).not.toContain('/elsewhere');
      expect(existsSync(join(dir, 'rdap-bootstrap/ipv6.json'))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    }
  });

  it('writes each source that parses, with a manifest of origin and date, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrr-data-'));
    routes = { '/fastly': { body: fastlyList(20) }, '/cf4': { body: '104.16.0.0/13\n173.245.48.0/20\n' }, '/ipv6.json': { body: bundledBootstrap } };
    const results = await updatePublishedData({ sources: sources(), dir, now });
    expect(results.map((r) => [r.id, r.outcome])).toEqual([
      ['fastly', 'updated'],
      ['cloudflare-ipv4', 'refused'],
      ['rdap-bootstrap-ipv6', 'updated'],
    ]);
    // 2 Cloudflare ranges against the 15 of the bundled copy: more than half gone.
    expect(results[1]!.detail).toMatch(/shrank from 15 to 2/);
    expect(existsSync(join(dir, 'cdn/cloudflare-ipv4.txt'))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8'));
    expect(manifest.fastly).toMatchObject({ url: `${base}/fastly`, fetchedAt: '2026-11-29T06:00:00.000Z', entries: 20 });
    // No temporary file is left behind.
    expect(readdirSync(join(dir, 'cdn')).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // What it wrote is what the locator reads.
    const detector = await loadCdnDetector(undefined, dir);
    expect(detector.detect({ address: '198.51.3.1', asn: null, names: [] })).toMatchObject({ provider: 'Fastly' });
    expect(loadPublishedBootstrap(dir).source).toMatch(/2025-11-25 \((updated\+bundled|bundled\+updated)\)/);
  });

  it('accepts a shrunk list with force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrr-data-'));
    routes = { '/cf4': { body: '104.16.0.0/13\n' } };
    const [result] = await updatePublishedData({ sources: sources().filter((s) => s.id === 'cloudflare-ipv4'), dir, now, force: true });
    expect(result).toMatchObject({ outcome: 'updated', entries: 1, previousEntries: 15 });
  });

  it('refuses an answer that does not parse or is empty, and keeps the copy in use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrr-data-'));
    routes = { '/fastly': { body: fastlyList(20) } };
    await updatePublishedData({ sources: sources().slice(0, 1), dir, now });
    const before = readFileSync(join(dir, 'cdn/fastly.json'), 'utf8');

    for (const body of ['<html>maintenance</html>', JSON.stringify({ addresses: [], ipv6_addresses: [] })]) {
      routes = { '/fastly': { body } };
      const [result] = await updatePublishedData({ sources: sources().slice(0, 1), dir, now });
      expect(result!.outcome).toBe('refused');
      expect(readFileSync(join(dir, 'cdn/fastly.json'), 'utf8')).toBe(before);
    }
  });

  it('reports a server error as failed and an identical copy as unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrr-data-'));
    routes = { '/fastly': { body: fastlyList(20) } };
    await updatePublishedData({ sources: sources().slice(0, 1), dir, now });
    expect((await updatePublishedData({ sources: sources().slice(0, 1), dir, now }))[0]!.outcome).toBe('unchanged');
    routes = { '/fastly': { status: 503, body: 'down' } };
    expect((await updatePublishedData({ sources: sources().slice(0, 1), dir, now }))[0]).toMatchObject({ outcome: 'failed', detail: 'HTTP 503' });
  });
});

describe('referral data update', () => {
  it('fetches from the URLs of a source list, prints each outcome and exits 1 when one was refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrr-data-cli-'));
    const list = join(dir, 'sources.json');
    writeFileSync(list, JSON.stringify({ sources: sources() }));
    routes = { '/fastly': { body: fastlyList(20) }, '/cf4': { body: 'garbage' }, '/ipv6.json': { body: bundledBootstrap } };
    const failed = await run('node', ['bin/referral.mjs', 'data', 'update', '--sources', list, '--dir', join(dir, 'out'), '--json'], {
      env: { ...process.env },
    }).catch((e: { code: number; stdout: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    const results = JSON.parse((failed as { stdout: string }).stdout);
    expect(results.map((r: { outcome: string }) => r.outcome)).toEqual(['updated', 'refused', 'updated']);

    const { stdout } = await run('node', ['bin/referral.mjs', 'data', 'update', '--sources', list, '--dir', join(dir, 'out'), '--only', 'fastly']);
    expect(stdout).toMatch(/fastly\s+unchanged/);
    // Two CLI processes: on a loaded machine each takes seconds to start.
  }, 120_000);
});
