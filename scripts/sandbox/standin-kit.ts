/**
 * What the two destination stand-ins (police-standin.ts, iccam-standin.ts) share: a small
 * node:http JSON server that can be closed even while requests hang, the chaos behaviours
 * (failures, hangs, rate limits, lost replies) decided by a seedable random source so a
 * chaos run can be replayed, and signed acknowledgement callbacks (Standard Webhooks).
 *
 * Stand-ins are test and demo servers: they hold fake cases in memory and nothing else.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Random } from '../../src/domain/clock.js';
import { signWebhook } from '../../src/domain/webhook-signature.js';

/** Behaviours common to both stand-ins; every field can be changed while the server runs. */
export interface ChaosBehaviour {
  /** Share of requests (0..1) answered 500. */
  failRate: number;
  /** Share of requests that never get an answer (the client's timeout fires). */
  timeoutRate: number;
  /** Share of requests answered 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitRate: number;
  retryAfterSeconds: number;
  /**
   * Share of POSTs that are recorded and then have their connection dropped before the reply:
   * the worst case for duplicates, since the client cannot know the case exists.
   */
  lostReplyRate: number;
  /**
   * Record each new case, then never answer: the sender is stuck after the destination got it
   * (crash tests kill the sender then).
   */
  hangAfterRecording: boolean;
  /** Delay before every answer. */
  delayMs: number;
  /** When set, every new delivery is refused with this 4xx status. */
  reject: number | false;
  /** The case status never advances (no acknowledgement, ever). */
  dropAcks: boolean;
  /** Time after a case is created until it is acknowledged; null = never. */
  ackAfterMs: number | null;
  /** Time after a case is created until it is closed; null = never. */
  closeAfterMs: number | null;
  /** Where to POST signed acknowledgement callbacks as the status advances; null = none. */
  callback: { url: string; secret: string } | null;
}

export const DEFAULT_CHAOS: ChaosBehaviour = {
  failRate: 0,
  timeoutRate: 0,
  rateLimitRate: 0,
  retryAfterSeconds: 1,
  lostReplyRate: 0,
  hangAfterRecording: false,
  delayMs: 0,
  reject: false,
  dropAcks: false,
  ackAfterMs: 1_000,
  closeAfterMs: null,
  callback: null,
};

export type ChaosVerdict = 'timeout' | 'fail' | 'rate-limit' | null;

/**
 * One random draw per request against cumulative bands, so a seed gives the same sequence
 * of verdicts whatever the rates are set to.
 */
export function chaosVerdict(behaviour: ChaosBehaviour, random: Random): ChaosVerdict {
  const draw = random();
  let band = behaviour.timeoutRate;
  if (draw < band) return 'timeout';
  band += behaviour.failRate;
  if (draw < band) return 'fail';
  band += behaviour.rateLimitRate;
  if (draw < band) return 'rate-limit';
  return null;
}

/** mulberry32: a tiny, well-spread 32-bit generator; good enough to replay chaos runs. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface StandinRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body; undefined when empty, `INVALID_JSON` when unparseable. */
  body: unknown;
}

export const INVALID_JSON = Symbol('invalid-json');

export interface StandinReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Record the effect, then drop the connection instead of replying (a lost reply). */
  dropConnection?: boolean;
}

export type StandinHandler = (req: StandinRequest) => Promise<StandinReply | 'hang'> | StandinReply | 'hang';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Listen on host:port (port 0 = any free one) and serve JSON; close() ends hanging requests too. */
export async function startJsonServer(handler: StandinHandler, options: { host?: string; port?: number } = {}): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    void serve(handler, req, res);
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function serve(handler: StandinHandler, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    const text = await readBody(req);
    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = INVALID_JSON;
      }
    }
    const url = new URL(req.url ?? '/', 'http://standin.invalid');
    const reply = await handler({ method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body });
    if (reply === 'hang') return; // never answered; close() or the client ends it
    if (reply.dropConnection) {
      req.socket.destroy();
      return;
    }
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...(payload === '' ? {} : { 'Content-Type': 'application/json' }),
      'Content-Length': String(Buffer.byteLength(payload)),
      ...reply.headers,
    });
    res.end(payload);
  } catch {
    if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: 'standin_error' }));
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Apply delay and the chaos verdict; null means "go on and answer normally". */
export async function applyChaos(behaviour: ChaosBehaviour, random: Random): Promise<StandinReply | 'hang' | null> {
  if (behaviour.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
  switch (chaosVerdict(behaviour, random)) {
    case 'timeout':
      return 'hang';
    case 'fail':
      return { status: 500, body: { error: 'internal_error' } };
    case 'rate-limit':
      return { status: 429, body: { error: 'rate_limited' }, headers: { 'Retry-After': String(behaviour.retryAfterSeconds) } };
    default:
      return null;
  }
}

export function headerValue(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export interface CallbackRecord {
  handoverId: string;
  status: string;
  /** HTTP status of the callback target's answer; null when it could not be reached. */
  answeredWith: number | null;
  at: string;
}

/** POST one signed acknowledgement `{ handoverId, status, reference? }`; never throws. */
export async function sendSignedCallback(
  target: { url: string; secret: string },
  payload: { handoverId: string; status: string; reference?: string; contentRemovedAt?: string },
  now: Date,
): Promise<number | null> {
  const body = JSON.stringify(payload);
  const headers = signWebhook({ id: `msg_${randomUUID()}`, timestamp: now, body, secrets: target.secret });
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return null;
  }
}

/** `--name value` flags for running a stand-in by hand. */
export function readFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg?.startsWith('--')) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        flags.set(arg.slice(2), next);
        i += 1;
      } else {
        flags.set(arg.slice(2), 'true');
      }
    }
  }
  return flags;
}

/** Behaviour overrides from flags (`--fail-rate 0.2 --ack-after-ms 500 ...`). */
export function behaviourFromFlags(flags: Map<string, string>): Partial<ChaosBehaviour> {
  const number = (name: string) => (flags.has(name) ? Number(flags.get(name)) : undefined);
  const out: Partial<ChaosBehaviour> = {};
  const set = <K extends keyof ChaosBehaviour>(key: K, value: ChaosBehaviour[K] | undefined) => {
    if (value !== undefined && !(typeof value === 'number' && Number.isNaN(value))) out[key] = value;
  };
  set('failRate', number('fail-rate'));
  set('timeoutRate', number('timeout-rate'));
  set('rateLimitRate', number('rate-limit-rate'));
  set('lostReplyRate', number('lost-reply-rate'));
  set('delayMs', number('delay-ms'));
  set('ackAfterMs', number('ack-after-ms'));
  set('closeAfterMs', number('close-after-ms'));
  if (flags.has('drop-acks')) out.dropAcks = flags.get('drop-acks') !== 'false';
  if (flags.has('reject')) out.reject = Number(flags.get('reject')) || 422;
  const callbackUrl = flags.get('callback-url');
  const callbackSecret = flags.get('callback-secret');
  if (callbackUrl && callbackSecret) out.callback = { url: callbackUrl, secret: callbackSecret };
  return out;
}

/** True when this file is the entry point (`node --import tsx scripts/sandbox/x.ts`). */
export function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(resolve(entry)).href === moduleUrl;
}

/**
 * Timers that send a stand-in's due callbacks when a new case reaches its acknowledgement
 * and closing times; cleared on close so a stopped stand-in sends nothing more.
 */
export class CallbackTimers {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly flush: () => Promise<void>) {}

  /** One timer per delay that is set; nothing when no callback target is configured. */
  schedule(behaviour: Pick<ChaosBehaviour, 'ackAfterMs' | 'closeAfterMs' | 'callback'>): void {
    if (behaviour.callback === null) return;
    for (const delay of [behaviour.ackAfterMs, behaviour.closeAfterMs]) {
      if (delay === null) continue;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.flush();
      }, delay + 5);
      timer.unref();
      this.timers.add(timer);
    }
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
