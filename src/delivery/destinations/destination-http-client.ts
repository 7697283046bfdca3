/**
 * The HTTP transport both destination adapters share: one axios instance per adapter with
 * keep-alive agents, a connect timeout, a whole-exchange deadline, optional TLS material
 * (a private CA, a client certificate for mutual TLS), redirects followed only within the same
 * origin and only when the adapter asks for it (ICCAM), and no status-based throwing — the
 * adapters classify every answer themselves.
 *
 * Bodies are handled as bytes: what is sent is hashed exactly as sent, what is received is
 * hashed and parsed here and then dropped (it may echo the reported URL; it is never stored
 * or logged).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import axios, { type AxiosInstance, type AxiosResponseHeaders, type RawAxiosResponseHeaders } from 'axios';
import { sha256Hex } from '../../domain/canonical-json.js';
import { SetupError, thrownCode, TransportError } from '../../domain/errors.js';

export interface DestinationHttpOptions {
  baseUrl: string;
  /** Deadline for one whole exchange (connect, send, wait, read). */
  timeoutMs: number;
  /** Deadline for establishing the connection (TCP and TLS); defaults to min(timeoutMs, 10 s). */
  connectTimeoutMs?: number;
  /** PEM file of the CA that signs the destination's certificate (instead of the system roots). */
  caFile?: string;
  /** PEM client certificate and key for mutual TLS (ICCAM requires one). */
  clientCertFile?: string;
  clientKeyFile?: string;
  /** Passphrase of an encrypted client key. */
  clientKeyPassphrase?: string;
  /**
   * Follow up to this many redirects whose target has the base URL's origin (scheme, host and
   * port); any other redirect is answered as it came. Default 0: no redirect is followed.
   */
  sameOriginRedirects?: number;
}

export interface HttpExchange {
  statusCode: number;
  headers: Record<string, string>;
  /** Parsed JSON body, or null when the body is empty or not JSON. */
  json: unknown;
  /** SHA-256 (hex) of the raw response body. */
  responseDigest: string;
  durationMs: number;
}

const CONNECT_TIMEOUT_CODE = 'ECONNECTTIMEOUT';

export class DestinationHttpClient {
  private readonly axios: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly timeoutMs: number;
  private readonly baseUrl: string;
  private readonly origin: string;
  private readonly sameOriginRedirects: number;

  constructor(options: DestinationHttpOptions) {
    this.timeoutMs = options.timeoutMs;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(options.baseUrl).origin;
    this.sameOriginRedirects = options.sameOriginRedirects ?? 0;
    const connectTimeoutMs = options.connectTimeoutMs ?? Math.min(options.timeoutMs, 10_000);
    const tls = {
      ca: readPem(options.caFile, 'CA file'),
      cert: readPem(options.clientCertFile, 'client certificate'),
      key: readPem(options.clientKeyFile, 'client key'),
      passphrase: options.clientKeyPassphrase,
    };
    this.httpAgent = withConnectTimeout(new http.Agent({ keepAlive: true, maxSockets: 16 }), connectTimeoutMs, 'connect');
    this.httpsAgent = withConnectTimeout(new https.Agent({ keepAlive: true, maxSockets: 16, ...dropUndefined(tls) }), connectTimeoutMs, 'secureConnect');
    this.axios = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs,
      // Redirects are never followed by axios: send() follows those within the origin, if asked.
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'arraybuffer',
      // Keep the raw bytes: we hash them before parsing.
      transformResponse: [(data: unknown) => data],
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      proxy: false,
      decompress: true,
    });
  }

  /**
   * Send one request; `body` is the exact text to send (already canonical JSON) or undefined.
   * The deadline covers the whole exchange, redirects followed included.
   */
  async send(method: 'GET' | 'POST' | 'PUT', path: string, headers: Record<string, string>, body?: string): Promise<HttpExchange> {
    const started = performance.now();
    // axios' own timeout is an idle timer once connected; this deadline bounds the whole exchange.
    const deadline = AbortSignal.timeout(this.timeoutMs + 50);
    // The absolute URL, as axios would join it, so a relative Location resolves against it.
    let request: { method: 'GET' | 'POST' | 'PUT'; url: string; body: string | undefined } = {
      method,
      url: `${this.baseUrl}/${path.replace(/^\/+/, '')}`,
      body,
    };
    try {
      for (let hop = 0; ; hop++) {
        const response = await this.axios.request<ArrayBuffer | Buffer>({
          method: request.method,
          url: request.url,
          headers: { Accept: 'application/json', ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
          data: request.body,
          signal: deadline,
        });
        const responseHeaders = flattenHeaders(response.headers);
        const next = hop < this.sameOriginRedirects ? this.redirectTarget(response.status, responseHeaders.location, request) : null;
        if (next) {
          request = next;
          continue;
        }
        const raw = toBuffer(response.data);
        return {
          statusCode: response.status,
          headers: responseHeaders,
          json: parseJson(raw),
          responseDigest: sha256Hex(raw),
          durationMs: Math.round(performance.now() - started),
        };
      }
    } catch (error) {
      throw toTransportError(error, deadline.aborted, Math.round(performance.now() - started));
    }
  }

  /**
   * Where a redirect leads, when it stays within the base URL's origin: 307 and 308 repeat the
   * request as it was, 301, 302 and 303 ask for the target with GET (what every HTTP client
   * does); null for anything else, which is then answered as it came.
   */
  private redirectTarget(
    status: number,
    location: string | undefined,
    current: { method: 'GET' | 'POST' | 'PUT'; url: string; body: string | undefined },
  ): { method: 'GET' | 'POST' | 'PUT'; url: string; body: string | undefined } | null {
    if (![301, 302, 303, 307, 308].includes(status) || !location) return null;
    let target: URL;
    try {
      target = new URL(location, current.url);
    } catch {
      return null;
    }
    if (target.origin !== this.origin) return null;
    const keep = status === 307 || status === 308;
    return { method: keep ? current.method : 'GET', url: target.href, body: keep ? current.body : undefined };
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Error codes Node and OpenSSL use for certificate and handshake failures. */
const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/;

function toTransportError(error: unknown, deadlinePassed: boolean, durationMs: number): TransportError {
  const code = thrownCode(error);
  const causeCode = thrownCode((error as { cause?: unknown } | null)?.cause);
  const anyCode = (c: string) => code === c || causeCode === c;
  if (anyCode(CONNECT_TIMEOUT_CODE)) return new TransportError('connect_timeout', true, 'connection not established in time', durationMs, error);
  if (anyCode('ETIMEDOUT') || anyCode('ECONNABORTED') || (anyCode('ERR_CANCELED') && deadlinePassed)) {
    return new TransportError('timeout', true, 'no answer in time', durationMs, error);
  }
  const tlsCode = [code, causeCode].find((c) => c !== undefined && TLS_CODE.test(c));
  // A certificate problem is usually configuration on one side or the other; it is retried
  // (the handover did not reach the destination) and shows up in metrics by its class.
  if (tlsCode) return new TransportError('tls', true, `TLS failure (${tlsCode})`, durationMs, error);
  if (anyCode('ERR_INVALID_URL') || anyCode('ERR_BAD_OPTION_VALUE') || anyCode('ERR_BAD_OPTION')) {
    return new TransportError('client', false, `request could not be built (${code ?? causeCode})`, durationMs, error);
  }
  return new TransportError('connection', true, `connection failed (${code ?? causeCode ?? 'unknown'})`, durationMs, error);
}

/**
 * Make an agent destroy a socket that has not connected within `ms`. Node's socket timeout is
 * an idle timer that axios re-arms per request, so it cannot tell "slow to connect" apart.
 */
function withConnectTimeout<A extends http.Agent>(agent: A, ms: number, readyEvent: 'connect' | 'secureConnect'): A {
  const original = agent.createConnection.bind(agent) as (...args: unknown[]) => Socket | null | undefined;
  (agent as unknown as { createConnection: (...args: unknown[]) => unknown }).createConnection = (...args: unknown[]) => {
    const socket = original(...args);
    if (!socket || typeof socket.once !== 'function') return socket;
    const timer = setTimeout(() => {
      socket.destroy(Object.assign(new Error(`connection not established within ${ms} ms`), { code: CONNECT_TIMEOUT_CODE }));
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    socket.once(readyEvent, clear);
    socket.once('close', clear);
    return socket;
  };
  return agent;
}

function readPem(file: string | undefined, what: string): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (error) {
    throw new SetupError('destination_config', `The destination ${what} could not be read: ${file}`, { cause: error });
  }
}

function dropUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data === null || data === undefined) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify(data), 'utf8');
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return null;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

function flattenHeaders(headers: RawAxiosResponseHeaders | AxiosResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}
