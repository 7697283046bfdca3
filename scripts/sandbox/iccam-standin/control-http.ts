/**
 * The stand-in's control endpoint for tests that run it as a child process: a loopback JSON API
 * under `/__standin/`, a path no ICCAM client calls, on its own listener so that it still
 * answers while the ICCAM listener refuses connections. `controlClient(url)` drives it with the
 * same IccamStandinControl calls as the in-process object. A RegExp path travels as
 * `{ "regex": "..." }`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IccamChaos, IccamFaultRule, IccamStandinControl, IccamStandinState } from '../iccam-standin.js';

type WirePath = string | { regex: string } | undefined;

const toWire = (path: string | RegExp | undefined): WirePath => (path instanceof RegExp ? { regex: path.source } : path);
const fromWire = (path: unknown): string | RegExp | undefined =>
  typeof path === 'string' ? path : path !== null && typeof path === 'object' && 'regex' in path ? new RegExp(String(path.regex)) : undefined;

export async function startControlServer(
  standin: IccamStandinControl,
  options: { host: string; port: number },
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const text = Buffer.concat(chunks).toString('utf8');
          const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
          const result = await dispatch(standin, req.method ?? 'GET', new URL(req.url ?? '/', 'http://control.invalid').pathname, body);
          if (result === undefined) {
            res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'no such control call' }));
            return;
          }
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(result));
        } catch (error) {
          res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: (error as Error).message }));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** undefined = unknown call. */
async function dispatch(s: IccamStandinControl, method: string, path: string, b: Record<string, unknown>): Promise<unknown> {
  const call = `${method} ${path}`;
  switch (call) {
    case 'GET /__standin/state':
      return s.state();
    case 'POST /__standin/fail-next':
      // JSON has no Infinity: -1 stands for it on the wire.
      await s.failNext({ ...(b as unknown as IccamFaultRule), path: fromWire(b.path), times: b.times === -1 ? Infinity : (b.times as number | undefined) });
      return { ok: true };
    case 'POST /__standin/clear-faults':
      await s.clearFaults();
      return { ok: true };
    case 'POST /__standin/chaos': {
      const only = Array.isArray(b.only)
        ? (b.only as Record<string, unknown>[]).map((m) => ({ method: m.method as string | undefined, path: fromWire(m.path) }))
        : undefined;
      await s.setChaos({ ...(b as unknown as IccamChaos), only });
      return { ok: true };
    }
    case 'POST /__standin/refuse':
      await s.refuseConnections(typeof b.forMs === 'number' ? b.forMs : undefined);
      return { ok: true };
    case 'POST /__standin/accept':
      await s.acceptConnections();
      return { ok: true };
    case 'POST /__standin/rename-lookup':
      await s.renameLookup(b.list as never, Number(b.id), String(b.name));
      return { ok: true };
    case 'POST /__standin/country-assignment':
      await s.setCountryAssignment(b as never);
      return { ok: true };
    case 'POST /__standin/reassign':
      await s.reassignContent(Number(b.contentId), (b.countryCode as string | null | undefined) ?? null);
      return { ok: true };
    case 'POST /__standin/actions':
      await s.addAction(Number(b.contentId), b.action as never, {
        analystName: b.analystName as string | undefined,
        actionDate: b.actionDate as string | undefined,
      });
      return { ok: true };
    case 'POST /__standin/progression':
      await s.setProgression((b.steps ?? []) as never);
      return { ok: true };
    case 'POST /__standin/expire-tokens':
      await s.expireTokens();
      return { ok: true };
    case 'POST /__standin/reset-counters':
      await s.resetCounters();
      return { ok: true };
    default:
      return undefined;
  }
}

/** The control calls over HTTP (for a stand-in in another process). `close` is left to the owner. */
export function controlClient(url: string, controlUrl: string): Omit<IccamStandinControl, 'close'> {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${controlUrl}/__standin/${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as unknown;
    if (!response.ok) throw new Error(`stand-in control ${path}: ${JSON.stringify(answer)}`);
    return answer;
  };
  const post = async (path: string, body: unknown) => {
    await call('POST', path, body);
  };
  return {
    url,
    state: async () => (await call('GET', 'state')) as IccamStandinState,
    failNext: (rule) => post('fail-next', { ...rule, path: toWire(rule.path), times: rule.times === Infinity ? -1 : rule.times }),
    clearFaults: () => post('clear-faults', {}),
    setChaos: (chaos) => post('chaos', { ...chaos, only: chaos.only?.map((m) => ({ method: m.method, path: toWire(m.path) })) }),
    refuseConnections: (forMs) => post('refuse', { forMs }),
    acceptConnections: () => post('accept', {}),
    renameLookup: (list, id, name) => post('rename-lookup', { list, id, name }),
    setCountryAssignment: (rule) => post('country-assignment', rule),
    reassignContent: (contentId, countryCode) => post('reassign', { contentId, countryCode }),
    addAction: (contentId, action, options = {}) => post('actions', { contentId, action, ...options }),
    setProgression: (steps) => post('progression', { steps }),
    expireTokens: () => post('expire-tokens', {}),
    resetCounters: () => post('reset-counters', {}),
  };
}
