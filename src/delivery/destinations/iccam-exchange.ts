/**
 * Destination `inhope`: ICCAM v3, INHOPE's exchange, spoken as contract §4 describes it.
 *
 * - Every call goes through the deployment-wide gate (one at a time, paced) and carries the
 *   session's bearer token; a 401 means one fresh login and the call once more.
 * - Create: `POST rest/Reports` answers the new report's id as a bare number; `GET
 *   rest/Reports/{id}` then gives the content id of our URL. Both are the reference.
 * - No blind re-send: a failed create is sorted into did not arrive (retry), outcome unknown
 *   (needs a person), not yet in the right state (retry for a while) or refused (failed).
 * - Status by polling `GET rest/Content/{contentId}`, actions mapped by name via the lookups.
 */
import type { Logger } from 'winston';
import { mapIccamActions, type AckObservation, type IccamAction } from '../../domain/ack-mapping.js';
import { canonicalJson, sha256Hex } from '../../domain/canonical-json.js';
import type { Clock } from '../../domain/clock.js';
import type { DeliveryOutcome, DeliveryRequest, DestinationAdapter, StatusFetchError, StatusReference } from './destination-adapter.js';
import { coerceError, IccamAuthError, thrownCode, TransportError } from '../../domain/errors.js';
import { DestinationHttpClient, type HttpExchange } from './destination-http-client.js';
import { LocalIccamGate, type IccamGate } from './iccam-gate.js';
import type { IccamActionName } from './iccam-lookups.js';
import { buildIccamReportBody, type IccamContentTypeIds } from './iccam-report-body.js';
import { IccamSession, type IccamSessionStats } from './iccam-session.js';
import { IccamVocabulary } from './iccam-vocabulary.js';
import { asRecord, nonEmptyString } from './json-fields.js';
import { statusErrorFromStatus, statusErrorFromThrown } from './attempt-outcome.js';
import { classifyStatus } from './status-classification.js';
import { ICCAM_LOOKUP_LISTS, parseLookupList, type IccamLookupEntry, type IccamLookupList } from './iccam-lookups.js';

export interface IccamAdapterOptions {
  baseUrl: string;
  username: string;
  password: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  clientKeyPassphrase?: string;
  caFile?: string;
  timeoutMs: number;
  connectTimeoutMs?: number;
  /** Renew the token this long before it expires (default 60 s). */
  tokenRenewMarginMs?: number;
  clock: Clock;
  logger?: Logger;
  /** The deployment-wide pacing gate (default: this process alone, 1 s apart). */
  gate?: IccamGate;
  /** Pause after a login before the next call (default 2 s). */
  loginPauseMs?: number;
  /** How long a create answered "not in correct state" is retried (default 3 h). */
  notReadyRetryMs?: number;
  vocabulary?: IccamVocabulary;
  contentTypes?: IccamContentTypeIds;
  paymentMethods?: readonly number[];
}

/** What `GET rest/Content/{id}` says, reduced to what we use. */
export interface IccamContentView {
  assignedCountryCode: string | null;
  hostingCountryCode: string | null;
  hostingIpAddress: string | null;
  urlString: string | null;
  actions: IccamAction[];
}

/** The result of one assignment PUT. */
type IccamPutResult =
  | { kind: 'done'; statusCode: number }
  | { kind: 'not_in_state'; statusCode: number; detail: string }
  | { kind: 'error'; statusCode: number | null; detail: string };

export interface IccamAdapter extends DestinationAdapter {
  readonly destination: 'inhope';
  readonly sessionStats: IccamSessionStats;
  readonly vocabulary: IccamVocabulary;
  readonly notReadyRetryMs: number;
  readContent(contentId: string): Promise<IccamContentView | StatusFetchError>;
  /** The content id of `url` in report `reportId` (a create whose second step failed). */
  findContentId(reportId: string, url: string): Promise<string | StatusFetchError>;
  correctHosting(contentId: string, ipAddress: string, countryCode: string): Promise<IccamPutResult>;
  assignCountry(contentId: string, countryCode: string): Promise<IccamPutResult>;
  /** Reads every lookup list; those that answer are kept (store and memory). Returns the lists that failed. */
  refreshLookups(now: number): Promise<{ read: IccamLookupList[]; failed: IccamLookupList[] }>;
  /** The observation a content answer amounts to (actions mapped by name). */
  observe(content: IccamContentView, reference: string): AckObservation;
}

/** Codes of transport failures that certainly happened before any byte of the request left. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNECTTIMEOUT']);
const NOT_IN_STATE = /not\s+(yet\s+)?in\s+(the\s+)?(correct|right|proper)\s+(state|phase)/i;
/** Action names → the codes ack-mapping ranks. */
const ACTION_CODE: Record<IccamActionName, string> = {
  ReportedToLEA: 'LEA',
  ReportedToISP: 'ISP',
  Removed: 'CR',
  Unavailable: 'CU',
  Moved: 'MO',
  NotIllegal: 'NI',
};

export function createIccamAdapter(options: IccamAdapterOptions): IccamAdapter {
  const http = new DestinationHttpClient({
    baseUrl: options.baseUrl.replace(/\/*$/, '/'),
    timeoutMs: options.timeoutMs,
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.caFile ? { caFile: options.caFile } : {}),
    ...(options.clientCertFile ? { clientCertFile: options.clientCertFile } : {}),
    ...(options.clientKeyFile ? { clientKeyFile: options.clientKeyFile } : {}),
    ...(options.clientKeyPassphrase ? { clientKeyPassphrase: options.clientKeyPassphrase } : {}),
  });
  const gate = options.gate ?? new LocalIccamGate(1_000);
  const loginPauseMs = options.loginPauseMs ?? 2_000;
  const notReadyRetryMs = options.notReadyRetryMs ?? 3 * 3_600_000;
  const vocabulary = options.vocabulary ?? new IccamVocabulary();
  const log = options.logger?.child({ component: 'iccam-exchange' });
  const JSON_HEADERS = { 'Content-Type': 'application/json', accept: 'application/json' };

  /** One paced call, no token (the login itself). A successful login pauses the next call. */
  const paced = (method: 'GET' | 'POST' | 'PUT', path: string, headers: Record<string, string>, body?: string, isLogin = false) =>
    gate.run(
      () => http.send(method, path, { ...JSON_HEADERS, ...headers }, body),
      (exchange) => (isLogin && exchange && exchange.statusCode >= 200 && exchange.statusCode < 300 ? loginPauseMs : 0),
    );
  const session = new IccamSession(
    (path, body) => paced('POST', path, {}, body, true),
    { username: options.username, password: options.password },
    options.clock,
    options.tokenRenewMarginMs,
  );

  /** One call with the token; a 401 means one fresh login and the call once more. */
  async function call(method: 'GET' | 'POST' | 'PUT', path: string, body?: string): Promise<HttpExchange> {
    const token = await session.token();
    const first = await paced(method, path, { Authorization: `Bearer ${token}` }, body);
    if (first.statusCode !== 401) return first;
    const renewed = await session.tokenAfterRejection(token);
    return paced(method, path, { Authorization: `Bearer ${renewed}` }, body);
  }

  async function deliver(req: DeliveryRequest): Promise<DeliveryOutcome> {
    // Another replica may have read the lists since (the lookup job runs in one of them).
    await vocabulary.loadIfOlderThan(60_000);
    if (vocabulary.missing.length > 0) {
      // Sending ids for names ICCAM no longer lists would misfile the case: hold it (readyz says why).
      return { kind: 'retry', statusCode: null, errorClass: 'lookup_missing', retryAfterMs: null, requestHash: '', responseDigest: null, durationMs: 0 };
    }
    const body = buildIccamReportBody(req, vocabulary.ids, {
      ...(options.contentTypes ? { contentTypes: options.contentTypes } : {}),
      ...(options.paymentMethods ? { paymentMethods: options.paymentMethods } : {}),
    });
    // The hash covers exactly the bytes sent.
    const text = canonicalJson(body);
    const requestHash = sha256Hex(text);
    const outcome = await create(req, text, requestHash);
    log?.debug('iccam report attempt', { handoverId: req.handoverId, kind: outcome.kind, statusCode: outcome.statusCode, durationMs: outcome.durationMs });
    return outcome;
  }

  async function create(req: DeliveryRequest, text: string, requestHash: string): Promise<DeliveryOutcome> {
    let exchange: HttpExchange;
    try {
      exchange = await call('POST', 'rest/Reports', text);
    } catch (thrown) {
      return createFailure(thrown, requestHash);
    }
    const base = { statusCode: exchange.statusCode, requestHash, responseDigest: exchange.responseDigest, durationMs: exchange.durationMs };
    const s = exchange.statusCode;
    if (s >= 200 && s < 300) {
      const reportId = reportIdOf(exchange.json);
      if (reportId === null) return { kind: 'unknown', errorClass: 'bad_response', detail: `ICCAM answered HTTP ${s} without a report id`, ...base };
      // The content id is looked up in a second call; when that fails, the follow-up finds it later.
      const contentId = await findContentId(reportId, req.url);
      return { kind: 'delivered', reference: reportId, ...(typeof contentId === 'string' ? { secondaryReference: contentId } : {}), duplicate: false, ...base };
    }
    // Refused before processing: certainly not created.
    if (s === 401) return { kind: 'retry', errorClass: 'auth_rejected', retryAfterMs: null, ...base };
    if (s === 429 || s === 503) {
      const cls = classifyStatus(s, exchange.headers['retry-after'], options.clock.now());
      return { kind: 'retry', errorClass: s === 429 ? 'rate_limited' : 'server_error', retryAfterMs: cls.kind === 'retry' ? cls.retryAfterMs : null, ...base };
    }
    if (s >= 500) return { kind: 'unknown', errorClass: 'server_error', detail: `ICCAM answered HTTP ${s}: it may have stored the report`, ...base };
    const errors = errorCodes(exchange.json);
    if (s === 400 && errors.messages.some((m) => NOT_IN_STATE.test(m))) {
      return { kind: 'retry', errorClass: 'not_in_state', retryAfterMs: null, giveUpAfterMs: notReadyRetryMs, ...base };
    }
    if (s >= 300 && s < 400)
      return { kind: 'failed', errorClass: 'redirect', detail: `ICCAM answered with a redirect (HTTP ${s}); redirects are never followed`, ...base };
    return {
      kind: 'failed',
      errorClass: 'rejected',
      detail: `ICCAM refused the report (HTTP ${s})${errors.codes.length ? `: ${errors.codes.join(', ')}` : ''}`,
      ...base,
    };
  }

  async function findContentId(reportId: string, url: string): Promise<string | StatusFetchError> {
    let exchange: HttpExchange;
    try {
      exchange = await call('GET', `rest/Reports/${encodeURIComponent(reportId)}`);
    } catch (thrown) {
      return thrown instanceof IccamAuthError ? authStatusError(thrown) : statusErrorFromThrown(thrown);
    }
    const cls = classifyStatus(exchange.statusCode, exchange.headers['retry-after'], options.clock.now());
    if (cls.kind !== 'success') return statusErrorFromStatus(cls, exchange.statusCode);
    const contents = asRecord(exchange.json)?.reportContents;
    const match = Array.isArray(contents) ? contents.map(asRecord).find((c) => c !== null && c.urlString === url) : undefined;
    const contentId = nonEmptyString(match?.contentId);
    if (contentId === null)
      return {
        kind: 'status_error',
        retryable: true,
        statusCode: exchange.statusCode,
        errorClass: 'bad_response',
        detail: 'the report lists no content for our URL',
      };
    return contentId;
  }

  async function readContent(contentId: string): Promise<IccamContentView | StatusFetchError> {
    let exchange: HttpExchange;
    try {
      exchange = await call('GET', `rest/Content/${encodeURIComponent(contentId)}`);
    } catch (thrown) {
      return thrown instanceof IccamAuthError ? authStatusError(thrown) : statusErrorFromThrown(thrown);
    }
    if (exchange.statusCode === 401)
      return { kind: 'status_error', retryable: true, statusCode: 401, errorClass: 'auth_rejected', detail: 'ICCAM refused a fresh token' };
    const cls = classifyStatus(exchange.statusCode, exchange.headers['retry-after'], options.clock.now());
    if (cls.kind !== 'success') return statusErrorFromStatus(cls, exchange.statusCode);
    const json = asRecord(exchange.json);
    if (json === null || (json.actions !== undefined && json.actions !== null && !Array.isArray(json.actions))) {
      return {
        kind: 'status_error',
        retryable: true,
        statusCode: exchange.statusCode,
        errorClass: 'bad_response',
        detail: 'content answer without an action list',
      };
    }
    const url = asRecord(json.url);
    const actions: IccamAction[] = [];
    for (const raw of (json.actions as unknown[] | null | undefined) ?? []) {
      const action = asRecord(raw);
      const id = typeof action?.actionType === 'number' ? action.actionType : null;
      const name = id === null ? undefined : vocabulary.ids.actionById.get(id);
      // Action types we do not use (or ICCAM added since) are not ours to interpret.
      if (name === undefined) continue;
      actions.push({ type: ACTION_CODE[name], date: nonEmptyString(action?.actionDate), reason: null });
    }
    return {
      assignedCountryCode: nonEmptyString(json.assignedCountryCode),
      hostingCountryCode: nonEmptyString(url?.hostingCountryCode),
      hostingIpAddress: nonEmptyString(url?.hostingIpAddress),
      urlString: nonEmptyString(url?.urlString),
      actions,
    };
  }

  function observe(content: IccamContentView, reference: string): AckObservation {
    return mapIccamActions(content.actions, reference);
  }

  async function fetchStatus(ref: StatusReference): Promise<AckObservation | StatusFetchError> {
    const contentId = ref.secondaryReference;
    if (!contentId)
      return {
        kind: 'status_error',
        retryable: false,
        statusCode: null,
        errorClass: 'missing_reference',
        detail: 'no ICCAM content id is known for this handover',
      };
    const content = await readContent(contentId);
    return 'kind' in content ? content : observe(content, ref.reference);
  }

  async function put(path: string): Promise<IccamPutResult> {
    let exchange: HttpExchange;
    try {
      exchange = await call('PUT', path);
    } catch (thrown) {
      return { kind: 'error', statusCode: null, detail: coerceError(thrown).message };
    }
    const s = exchange.statusCode;
    if (s >= 200 && s < 300) return { kind: 'done', statusCode: s };
    const errors = errorCodes(exchange.json);
    if (s === 400 && errors.messages.some((m) => NOT_IN_STATE.test(m)))
      return { kind: 'not_in_state', statusCode: s, detail: 'ICCAM: report not in correct state' };
    return { kind: 'error', statusCode: s, detail: `ICCAM answered HTTP ${s}${errors.codes.length ? `: ${errors.codes.join(', ')}` : ''}` };
  }

  async function refreshLookups(now: number) {
    const fresh: Partial<Record<IccamLookupList, IccamLookupEntry[]>> = {};
    const failed: IccamLookupList[] = [];
    for (const list of ICCAM_LOOKUP_LISTS) {
      try {
        const exchange = await call('GET', `rest/${list}`);
        const entries = exchange.statusCode === 200 ? parseLookupList(exchange.json) : null;
        if (entries) fresh[list] = entries;
        else failed.push(list);
      } catch {
        failed.push(list);
      }
    }
    if (Object.keys(fresh).length > 0) await vocabulary.replace(fresh, now);
    return { read: Object.keys(fresh) as IccamLookupList[], failed };
  }

  return {
    destination: 'inhope',
    deliver,
    fetchStatus,
    readContent,
    findContentId,
    observe,
    correctHosting: (contentId, ip, country) =>
      put(`rest/Content/${encodeURIComponent(contentId)}/url/hosting?newIpAddress=${encodeURIComponent(ip)}&newCountryCode=${encodeURIComponent(country)}`),
    assignCountry: (contentId, country) => put(`rest/Content/${encodeURIComponent(contentId)}/assigned-country?newCountryCode=${encodeURIComponent(country)}`),
    refreshLookups,
    vocabulary,
    notReadyRetryMs,
    close: () => http.close(),
    get sessionStats() {
      return { ...session.stats };
    },
  };
}

/** A bare number (or a number as text): ICCAM's answer to a create. */
function reportIdOf(json: unknown): string | null {
  if (typeof json === 'number' && Number.isInteger(json) && json > 0) return String(json);
  if (typeof json === 'string' && /^\d+$/.test(json.trim())) return json.trim();
  return null;
}

/** ICCAM's error body `{ errors: { code: [messages] } }`: codes (log-safe) and messages. */
function errorCodes(json: unknown): { codes: string[]; messages: string[] } {
  const errors = asRecord(asRecord(json)?.errors);
  if (!errors) return { codes: [], messages: [] };
  const messages = Object.values(errors).flatMap((v) =>
    Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : typeof v === 'string' ? [v] : [],
  );
  return { codes: Object.keys(errors).slice(0, 10), messages };
}

function codeOf(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = thrownCode(current);
    if (code !== undefined && code !== 'destination_transport' && code !== 'ERR_BAD_REQUEST') {
      if (/^E[A-Z]+$/.test(code) || code === 'ECONNECTTIMEOUT') return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** A create that threw: certainly not sent (retry), unknown (needs a person), or our own fault. */
function createFailure(thrown: unknown, requestHash: string): DeliveryOutcome {
  if (thrown instanceof IccamAuthError) {
    // The login failed: the report was never sent.
    return {
      kind: 'retry',
      statusCode: thrown.statusCode,
      errorClass: thrown.errorClass,
      retryAfterMs: thrown.retryAfterMs,
      requestHash,
      responseDigest: thrown.responseDigest,
      durationMs: thrown.durationMs,
    };
  }
  if (thrown instanceof TransportError) {
    const common = { statusCode: null, requestHash, responseDigest: null, durationMs: thrown.durationMs };
    if (!thrown.retryable) return { kind: 'failed', errorClass: thrown.errorClass, detail: thrown.message, ...common };
    const code = codeOf(thrown);
    if (thrown.errorClass === 'tls' || thrown.errorClass === 'connect_timeout' || (code !== null && NOT_SENT_CODES.has(code))) {
      return { kind: 'retry', errorClass: thrown.errorClass, retryAfterMs: null, ...common };
    }
    return { kind: 'unknown', errorClass: thrown.errorClass, detail: `${thrown.message} after the report was sent`, ...common };
  }
  // Not expected (our own bug before or after sending): a person looks rather than risk a duplicate.
  return {
    kind: 'unknown',
    statusCode: null,
    errorClass: 'client',
    detail: 'unexpected error while sending',
    requestHash,
    responseDigest: null,
    durationMs: 0,
  };
}

function authStatusError(error: IccamAuthError): StatusFetchError {
  return { kind: 'status_error', retryable: true, statusCode: error.statusCode, errorClass: error.errorClass, detail: error.message };
}

export function isIccamAdapter(adapter: DestinationAdapter | undefined): adapter is IccamAdapter {
  return adapter !== undefined && adapter.destination === 'inhope' && 'readContent' in adapter;
}
