/**
 * Redirects (contract §4 `inhope`, Transport): a redirect is followed only within the same
 * origin (307/308 repeat the request as it was; 301/302/303 fetch the target with GET), never to
 * another origin, and never at all unless the adapter asks for it (the police export does not).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DestinationHttpClient } from '../../src/delivery/destinations/destination-http-client.js';

interface Seen {
  method: string;
  path: string;
  body: string;
}

let server: http.Server;
let other: http.Server;
let base: string;
let otherBase: string;
let seen: Seen[];

function listen(handler: http.RequestListener): Promise<http.Server> {
  return new Promise((resolve) => {
    const s = http.createServer(handler);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

beforeEach(async () => {
  seen = [];
  other = await listen((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('"elsewhere"'));
  otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  server = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      seen.push({ method: req.method ?? '', path, body: Buffer.concat(chunks).toString('utf8') });
      const redirects: Record<string, [number, string]> = {
        '/api/v3/rest/Reports': [307, 'Reports-v2'],
        '/api/v3/old': [301, '/api/v3/new'],
        '/api/v3/see-other': [303, '/api/v3/new'],
        '/api/v3/away': [302, `${otherBase}/x`],
        '/api/v3/loop': [307, '/api/v3/loop'],
      };
      const hop = redirects[path];
      if (hop) return res.writeHead(hop[0], { Location: hop[1] }).end();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ at: path }));
    });
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3/`;
});

afterEach(async () => {
  await Promise.all([server, other].map((s) => new Promise((resolve) => s.close(resolve))));
});

const client = (sameOriginRedirects: number) => new DestinationHttpClient({ baseUrl: base, timeoutMs: 2_000, sameOriginRedirects });

describe('redirects', () => {
  it('307 within the origin: the same request again, body and all, to the target (relative to the request)', async () => {
    const c = client(5);
    const answer = await c.send('POST', 'rest/Reports', { 'X-Test': '1' }, '{"a":1}');
    c.close();
    expect(answer).toMatchObject({ statusCode: 200, json: { at: '/api/v3/rest/Reports-v2' } });
    expect(seen.map((s) => [s.method, s.path, s.body])).toEqual([
      ['POST', '/api/v3/rest/Reports', '{"a":1}'],
      ['POST', '/api/v3/rest/Reports-v2', '{"a":1}'],
    ]);
  });

  it('301 and 303 within the origin: the target with GET', async () => {
    const c = client(5);
    expect(await c.send('PUT', 'old', {}, '{}')).toMatchObject({ statusCode: 200, json: { at: '/api/v3/new' } });
    expect(await c.send('POST', 'see-other', {}, '{}')).toMatchObject({ statusCode: 200, json: { at: '/api/v3/new' } });
    c.close();
    expect(seen.filter((s) => s.path === '/api/v3/new').map((s) => [s.method, s.body])).toEqual([
      ['GET', ''],
      ['GET', ''],
    ]);
  });

  it('to another origin: not followed, the redirect is answered as it came', async () => {
    const c = client(5);
    const answer = await c.send('GET', 'away', {});
    c.close();
    expect(answer.statusCode).toBe(302);
    expect(answer.headers.location).toBe(`${otherBase}/x`);
  });

  it('at most the hops asked for, and none by default', async () => {
    const c = client(3);
    expect((await c.send('GET', 'loop', {})).statusCode).toBe(307);
    expect(seen.filter((s) => s.path === '/api/v3/loop')).toHaveLength(4);
    c.close();
    const none = client(0);
    expect((await none.send('GET', 'old', {})).statusCode).toBe(301);
    none.close();
  });
});
