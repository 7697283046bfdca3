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
 * - Every analyst name it sends is the configured ICCAM one (ICCAM_ANALYST_NAME).
 * - Its own timeout (ICCAM_TIMEOUT_MS); a redirect is followed within the same origin only.
 */
import type { Logger } from 'winston';
import { mapIccamActions, type AckObservation, type IccamAction } from '../../domain/ack-mapping.js';
import { canonicalJson, sha256Hex } from '../../domain/canonical-json.js';
import type { Clock } from '../../domain/clock.js';
import type { DeliveryOutcome, DeliveryRequest, DestinationAdapter, StatusFetchError, StatusReference } from './destination-adapter.js';
import { coerceError, IccamAuthError, thrownCode, TransportError } from '../../domain/errors.js';
import { DestinationHttpClient, type HttpExchange } from './destination-http-client.js';
import { LocalIccamGate, type IccamGate } from './iccam-gate.js';
import { buildIccamReportBody, type IccamContentTypeIds } from './iccam-report-body.js';
import { sendOnIccamContent } from './iccam-send-on.js';
import { IccamSession, type IccamSessionStats } from './iccam-session.js';
import { IccamVocabulary } from './iccam-vocabulary.js';
import { asRecord, nonEmptyString } from './json-fields.js';
import { statusErrorFromStatus, statusErrorFromThrown } from './attempt-outcome.js';
import { classifyStatus } from './status-classification.js';
import { ICCAM_LOOKUP_LISTS, parseLookupList, type IccamActionWord, type IccamLookupEntry, type IccamLookupList } from './iccam-lookups.js';

export interface IccamAdapterOptions {
  baseUrl: string;
  username: string;
  password: string;
  /** The analyst name on every report, assessment and action (default: the ICCAM user). */
  analystName?: string;
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
  /** Redirects followed within ICCAM's origin (default 5). */
  sameOriginRedirects?: number;
}

/** One assessment as ICCAM lists it on a content item: ids, as its lookup lists number them. */
interface IccamAssessmentView {
  assessingAnalystName: string | null;
  classification: number | null;
  ageCategorization: number | null;
  genderCategorization: number | null;
}

/** What `GET rest/Content/{id}` says, reduced to what we use. */
export interface IccamContentView {
  assignedCountryCode: string | null;
  /** ISO time as ICCAM gave it (null when unassigned). */
  countryAssignmentDate: string | null;
  hostingCountryCode: string | null;
  hostingIpAddress: string | null;
  urlString: string | null;
  isSourceUrl: boolean | null;
  memo: string | null;
  /** Oldest first: the last one is the one that counts (SCARt, on INHOPE's advice). */
  assessments: IccamAssessmentView[];
  /** Actions whose type we know by name, mapped for the acknowledgement rules. */
  actions: IccamAction[];
  /** Every action's type by our word (unknown types left out), with ICCAM's date. */
  actionWords: { word: IccamActionWord; date: string | null }[];
}

/** The result of one PUT or action: done, not yet (ICCAM's "not in correct state"), or refused. */
export type IccamPutResult =
  | { kind: 'done'; statusCode: number }
  | { kind: 'not_in_state'; statusCode: number; detail: string }
  | { kind: 'error'; statusCode: number | null; detail: string; arrived: 'no' | 'unknown' | 'refused' };

export interface IccamAdapter extends DestinationAdapter {
  readonly destination: 'inhope';
  readonly sessionStats: IccamSessionStats;
  readonly vocabulary: IccamVocabulary;
  readonly notReadyRetryMs: number;
  /** ICCAM_ANALYST_NAME: the analyst on every assessment and action we send. */
  readonly analystName: string;
  /** One paced call with the session's token (a 401: one fresh login and the call once more). */
  request(method: 'GET' | 'POST' | 'PUT', path: string, body?: string): Promise<HttpExchange>;
  /** A PUT or POST whose answer says only done, not yet, or refused (assignment, reference, assessment, action). */
  change(method: 'PUT' | 'POST', path: string, body?: string): Promise<IccamPutResult>;
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
/** Action words → the codes ack-mapping ranks. */
const ACTION_CODE: Record<IccamActionWord, string> = {
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
    sameOriginRedirects: options.sameOriginRedirects ?? 5,
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
  const analystName = options.analystName ?? options.username;
  const log = options.logger?.child({ component: 'iccam-exchange' });
  const JSON_HEADERS = { 'Content-Type': 'application/json', accept: 'application/json' };

  /** The login itself: paced, no token; a successful one pauses the next call (ICCAM is not ready at once). */
  const login = (path: string, body: string) =>
    gate.run(
      () => http.send('POST', path, JSON_HEADERS, body),
      (exchange) => (exchange && exchange.statusCode >= 200 && exchange.statusCode < 300 ? loginPauseMs : 0),
    );
  const session = new IccamSession(login, { username: options.username, password: options.password }, options.clock, options.tokenRenewMarginMs);

  /**
   * One call with the token; a 401 means one fresh login and the call once more. `beforeSend`
   * runs inside the pacing slot, after the login, just before the request leaves (the first
   * time only); when it throws, nothing is sent.
   */
  async function call(method: 'GET' | 'POST' | 'PUT', path: string, body?: string, beforeSend?: () => Promise<void>): Promise<HttpExchange> {
    const token = await session.token();
    let marked = false;
    const send = (bearer: string) =>
      gate.run(async () => {
        if (beforeSend && !marked) {
          await beforeSend();
          marked = true;
        }
        return http.send(method, path, { ...JSON_HEADERS, Authorization: `Bearer ${bearer}` }, body);
      });
    const first = await send(token);
    if (first.statusCode !== 401) return first;
    const renewed = await session.tokenAfterRejection(token);
    return send(renewed);
  }

  async function deliver(req: DeliveryRequest): Promise<DeliveryOutcome> {
    if (req.iccamContent) {
      // Partner content: handing it on is reassigning it in ICCAM, not a new report.
      const outcome = await sendOnIccamContent({ readContent, correctHosting, assignCountry, notReadyRetryMs }, { ...req, iccamContent: req.iccamContent });
      log?.debug('iccam content sent on', { handoverId: req.handoverId, kind: outcome.kind, statusCode: outcome.statusCode });
      return outcome;
    }
    // Another replica may have read the lists since (the lookup job runs in one of them).
    await vocabulary.loadIfOlderThan(60_000);
    if (vocabulary.missing.length > 0) {
      // Sending ids for names ICCAM no longer lists would misfile the case: hold it (readyz says why).
      return { kind: 'retry', statusCode: null, errorClass: 'lookup_missing', retryAfterMs: null, requestHash: '', responseDigest: null, durationMs: 0 };
    }
    const body = buildIccamReportBody(req, vocabulary.ids, {
      analystName,
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
    let markFailed = false;
    const beforeSend = req.markSending
      ? async () => {
          try {
            await req.markSending!();
          } catch (error) {
            markFailed = true;
            throw error;
          }
        }
      : undefined;
    try {
      exchange = await call('POST', 'rest/Reports', text, beforeSend);
    } catch (thrown) {
      // "About to send" could not be recorded (the lease was lost, the store is down): not sent.
      if (markFailed) return { kind: 'retry', statusCode: null, errorClass: 'not_sent', retryAfterMs: null, requestHash, responseDigest: null, durationMs: 0 };
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
      return { kind: 'failed', errorClass: 'redirect', detail: `ICCAM answered with a redirect to another origin (HTTP ${s}); it is not followed`, ...base };
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
    const actionWords: IccamContentView['actionWords'] = [];
    for (const raw of (json.actions as unknown[] | null | undefined) ?? []) {
      const action = asRecord(raw);
      const id = typeof action?.actionType === 'number' ? action.actionType : null;
      const word = id === null ? undefined : vocabulary.ids['action-types'].word.get(id);
      // Action types we do not use (or ICCAM added since) are not ours to interpret.
      if (word === undefined) continue;
      const date = nonEmptyString(action?.actionDate);
      actions.push({ type: ACTION_CODE[word], date, reason: null });
      actionWords.push({ word, date });
    }
    const assessments = (Array.isArray(json.assessments) ? json.assessments : []).map((raw) => {
      const a = asRecord(raw);
      const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : null);
      return {
        assessingAnalystName: nonEmptyString(a?.assessingAnalystName),
        classification: num(a?.classification),
        ageCategorization: num(a?.ageCategorization),
        genderCategorization: num(a?.genderCategorization),
      };
    });
    return {
      assignedCountryCode: nonEmptyString(json.assignedCountryCode),
      countryAssignmentDate: nonEmptyString(json.countryAssignmentDate),
      hostingCountryCode: nonEmptyString(url?.hostingCountryCode),
      hostingIpAddress: nonEmptyString(url?.hostingIpAddress),
      urlString: nonEmptyString(url?.urlString),
      isSourceUrl: typeof url?.isSourceUrl === 'boolean' ? url.isSourceUrl : null,
      memo: nonEmptyString(json.memo),
      assessments,
      actions,
      actionWords,
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

  /**
   * A PUT or POST that changes something at ICCAM: done (2xx), not yet (400 "not in correct
   * state"), or an error that certainly did not arrive (429, 503, no connection, the login
   * failed), may have arrived (a timeout or reset after sending, 500, 502, 504), or was refused
   * (any other answer).
   */
  async function change(method: 'PUT' | 'POST', path: string, body?: string): Promise<IccamPutResult> {
    let exchange: HttpExchange;
    try {
      exchange = await call(method, path, body);
    } catch (thrown) {
      const detail = thrown instanceof IccamAuthError || thrown instanceof TransportError ? thrown.message : coerceError(thrown).name;
      return { kind: 'error', statusCode: null, detail, arrived: certainlyNotSent(thrown) ? 'no' : 'unknown' };
    }
    const s = exchange.statusCode;
    if (s >= 200 && s < 300) return { kind: 'done', statusCode: s };
    const errors = errorCodes(exchange.json);
    if (s === 400 && errors.messages.some((m) => NOT_IN_STATE.test(m)))
      return { kind: 'not_in_state', statusCode: s, detail: 'ICCAM: report not in correct state' };
    const detail = `ICCAM answered HTTP ${s}${errors.codes.length ? `: ${errors.codes.join(', ')}` : ''}`;
    if (s === 429 || s === 503 || s === 401) return { kind: 'error', statusCode: s, detail, arrived: 'no' };
    if (s >= 500) return { kind: 'error', statusCode: s, detail, arrived: 'unknown' };
    return { kind: 'error', statusCode: s, detail, arrived: 'refused' };
  }

  function correctHosting(contentId: string, ip: string, country: string) {
    return change(
      'PUT',
      `rest/Content/${encodeURIComponent(contentId)}/url/hosting?newIpAddress=${encodeURIComponent(ip)}&newCountryCode=${encodeURIComponent(country)}`,
    );
  }

  function assignCountry(contentId: string, country: string) {
    return change('PUT', `rest/Content/${encodeURIComponent(contentId)}/assigned-country?newCountryCode=${encodeURIComponent(country)}`);
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
    request: (method, path, body) => call(method, path, body),
    change,
    correctHosting,
    assignCountry,
    analystName,
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

/** A failure before any byte of the request left: the login failed, no connection, no TLS. */
function certainlyNotSent(thrown: unknown): boolean {
  if (thrown instanceof IccamAuthError) return true;
  if (!(thrown instanceof TransportError)) return false;
  const code = codeOf(thrown);
  return thrown.errorClass === 'tls' || thrown.errorClass === 'connect_timeout' || (code !== null && NOT_SENT_CODES.has(code));
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
    if (certainlyNotSent(thrown)) return { kind: 'retry', errorClass: thrown.errorClass, retryAfterMs: null, ...common };
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
