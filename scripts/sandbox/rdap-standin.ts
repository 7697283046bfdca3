/**
 * An RDAP stand-in for tests and demos: a node:http server that serves the IANA bootstrap
 * files (the bundled snapshot, rewritten so every registry lives under this server as
 * `/{registry}/`) and `/{registry}/ip/{addr}` answers from fixture networks. Behaviours per
 * address simulate a hanging registry, a 429 with Retry-After, or any status.
 *
 * Run by hand: node --import tsx scripts/sandbox/rdap-standin.ts --port 8053 --fixtures test/locate/fixtures/rdap
 * then RDAP_BOOTSTRAP_URL=http://127.0.0.1:8053/bootstrap/
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { bundledBootstrapDir, type BootstrapFile } from '../../src/locate/rdap-bootstrap.js';
import { addressToBigInt, boundsOfRange } from '../../src/locate/registry-network.js';
import { isEntryPoint, readFlags } from './standin-kit.js';

export type RdapBehaviour = { hang: true } | { status: number; retryAfter?: string; body?: unknown } | { redirectTo: string };

export interface RdapStandinOptions {
  /** RDAP ip network objects; each is served for every address inside its range. */
  networks?: unknown[];
  /** Per-address behaviour, checked before the networks. */
  behaviours?: Record<string, RdapBehaviour>;
  port?: number;
}

export interface RdapStandin {
  /** Base URL ending in '/': the bootstrap lives at `${url}bootstrap/`. */
  url: string;
  bootstrapUrl: string;
  /** Request paths received, in order. */
  requests: string[];
  behaviours: Record<string, RdapBehaviour>;
  close(): Promise<void>;
}

/** Reads every *.json in a directory as an RDAP network object. */
export function readRdapFixtures(dir: string): unknown[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown);
}

function boundsOf(network: unknown): { start: bigint; end: bigint } | null {
  const n = network as { startAddress?: string; endAddress?: string; cidr0_cidrs?: { v4prefix?: string; v6prefix?: string; length: number }[] };
  if (n.startAddress && n.endAddress) return boundsOfRange(`${n.startAddress} - ${n.endAddress}`);
  const c = n.cidr0_cidrs?.[0];
  return c ? boundsOfRange(`${c.v4prefix ?? c.v6prefix}/${c.length}`) : null;
}

export async function startRdapStandin(options: RdapStandinOptions = {}): Promise<RdapStandin> {
  const networks = (options.networks ?? []).map((body) => ({ body, bounds: boundsOf(body) }));
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let base = '';
  const bootstrap = (file: 'ipv4.json' | 'ipv6.json'): BootstrapFile => {
    const original = JSON.parse(readFileSync(join(bundledBootstrapDir(), file), 'utf8')) as BootstrapFile;
    return {
      ...original,
      services: original.services.map(([prefixes, urls]) => {
        const registry = /arin|ripe|apnic|lacnic|afrinic/.exec(urls[0] ?? '')?.[0] ?? 'other';
        return [prefixes, [`${base}${registry}/`]];
      }),
    };
  };

  const behaviours = options.behaviours ?? {};
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push(path);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/rdap+json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const boot = /^\/bootstrap\/(ipv4|ipv6)\.json$/.exec(path);
    if (boot) return send(200, bootstrap(`${boot[1] as 'ipv4' | 'ipv6'}.json`), { 'content-type': 'application/json' });
    const ip = /^\/([a-z]+)\/ip\/(.+)$/.exec(path);
    if (!ip) return send(404, { errorCode: 404, title: 'Not Found' });
    const address = decodeURIComponent(ip[2]!);
    const behaviour = standin.behaviours[address];
    if (behaviour && 'hang' in behaviour) return; // never answers: the client's timeout fires
    if (behaviour && 'redirectTo' in behaviour) {
      res.writeHead(301, { location: `${base}${behaviour.redirectTo}/ip/${address}` });
      return res.end();
    }
    if (behaviour)
      return send(
        behaviour.status,
        behaviour.body ?? (behaviour.status === 429 ? '<html>Too Many Requests</html>' : { errorCode: behaviour.status }),
        behaviour.retryAfter ? { 'retry-after': behaviour.retryAfter } : {},
      );
    const key = addressToBigInt(address);
    const hit = key === null ? undefined : networks.find((n) => n.bounds && n.bounds.start <= key && key <= n.bounds.end);
    if (!hit) return send(404, { errorCode: 404, title: 'Not Found', description: ['no network holds this address'] });
    return send(200, hit.body);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const standin: RdapStandin = {
    url: base,
    bootstrapUrl: `${base}bootstrap/`,
    requests,
    behaviours,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging requests would keep close() waiting forever: end their sockets.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return standin;
}

if (isEntryPoint(import.meta.url)) {
  const flags = readFlags(process.argv.slice(2));
  const networks = flags.has('fixtures') ? readRdapFixtures(flags.get('fixtures')!) : [];
  const standin = await startRdapStandin({ networks, port: Number(flags.get('port') ?? 8053) });
  console.log(`rdap stand-in on ${standin.url} (RDAP_BOOTSTRAP_URL=${standin.bootstrapUrl})`);
}
