/**
 * Destination `inhope`: the ICCAM partner-hotline exchange (contract §4).
 * `POST {base}/rest/Reports` delivers (reference = reportId, secondaryReference = contentId);
 * `GET {base}/rest/Content/{contentId}` lists the actions taken, which ack-mapping reduces to
 * one observation. Every call carries the session's bearer token; a 401 renews it once and
 * repeats that call once.
 */
import type { Logger } from 'winston';
import { mapIccamActions, type AckObservation, type IccamAction } from '../../domain/ack-mapping.js';
import { canonicalJson, sha256Hex } from '../../domain/canonical-json.js';
import type { Clock } from '../../domain/clock.js';
import { failed, outcomeFromStatus, outcomeFromThrown, retry, statusErrorFromStatus, statusErrorFromThrown } from './attempt-outcome.js';
import type { DeliveryOutcome, DeliveryRequest, DestinationAdapter, StatusFetchError, StatusReference } from './destination-adapter.js';
import { DestinationHttpClient, type HttpExchange } from './destination-http-client.js';
import { buildIccamReportBody } from './iccam-report-body.js';
import { IccamAuthError, IccamSession, type IccamSessionStats } from './iccam-session.js';
import { asRecord, nonEmptyString } from './json-fields.js';
import { classifyStatus } from './status-classification.js';

export { buildIccamReportBody, toIccamClassification, type IccamReportBody } from './iccam-report-body.js';

export interface IccamAdapterOptions {
  baseUrl: string;
  username: string;
  password: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  caFile?: string;
  timeoutMs: number;
  connectTimeoutMs?: number;
  /** Renew the token this long before it expires (default 60 s). */
  tokenRenewMarginMs?: number;
  clock: Clock;
  logger?: Logger;
}

export interface IccamAdapter extends DestinationAdapter {
  readonly destination: 'inhope';
  /** How often this adapter authenticated and refreshed (for tests and metrics). */
  readonly sessionStats: IccamSessionStats;
}

export function createIccamAdapter(options: IccamAdapterOptions): IccamAdapter {
  const http = new DestinationHttpClient(options);
  const session = new IccamSession(http, { username: options.username, password: options.password }, options.clock, options.tokenRenewMarginMs);
  const log = options.logger?.child({ component: 'iccam-exchange' });

  /** One call with the session's token; a 401 renews the token once and repeats the call once. */
  async function sendAuthorised(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<HttpExchange> {
    const token = await session.token();
    const first = await http.send(method, path, { ...headers, Authorization: `Bearer ${token}` }, body);
    if (first.statusCode !== 401) return first;
    const renewed = await session.tokenAfterRejection(token);
    return http.send(method, path, { ...headers, Authorization: `Bearer ${renewed}` }, body);
  }

  async function deliver(req: DeliveryRequest): Promise<DeliveryOutcome> {
    const text = canonicalJson(buildIccamReportBody(req));
    const requestHash = sha256Hex(text);
    const outcome = await send(req.handoverId, text, requestHash);
    log?.debug('iccam report attempt', { handoverId: req.handoverId, kind: outcome.kind, statusCode: outcome.statusCode, durationMs: outcome.durationMs });
    return outcome;
  }

  async function send(handoverId: string, text: string, requestHash: string): Promise<DeliveryOutcome> {
    let exchange: HttpExchange;
    try {
      exchange = await sendAuthorised('POST', '/rest/Reports', { 'Idempotency-Key': handoverId }, text);
    } catch (thrown) {
      if (thrown instanceof IccamAuthError) return outcomeFromAuthError(thrown, requestHash);
      return outcomeFromThrown(thrown, requestHash);
    }
    const base = { statusCode: exchange.statusCode, requestHash, responseDigest: exchange.responseDigest, durationMs: exchange.durationMs };
    // Still refused after a fresh token: our credentials lack the right; keep it for later.
    if (exchange.statusCode === 401) return retry('auth_rejected', exchange, requestHash);
    const cls = classifyStatus(exchange.statusCode, exchange.headers['retry-after'], options.clock.now());
    const json = asRecord(exchange.json);
    if (cls.kind === 'success') {
      const reportId = nonEmptyString(json?.reportId);
      const contentId = nonEmptyString(json?.contentId);
      // Accepted without references: repeating under the same Idempotency-Key is safe and gets them.
      if (reportId === null || contentId === null) return retry('bad_response', exchange, requestHash);
      return { kind: 'delivered', reference: reportId, secondaryReference: contentId, duplicate: false, ...base };
    }
    if (cls.kind === 'conflict') {
      if (nonEmptyString(json?.reportingHotlineReference) !== handoverId) {
        return failed('duplicate_mismatch', 'the destination reported a conflict with another report (HTTP 409)', exchange, requestHash);
      }
      const contentId = nonEmptyString(json?.contentId);
      return {
        kind: 'delivered',
        reference: nonEmptyString(json?.reportId) ?? handoverId,
        ...(contentId === null ? {} : { secondaryReference: contentId }),
        duplicate: true,
        ...base,
      };
    }
    return outcomeFromStatus(cls, exchange, requestHash);
  }

  async function fetchStatus(ref: StatusReference): Promise<AckObservation | StatusFetchError> {
    const contentId = ref.secondaryReference;
    if (!contentId) {
      return { kind: 'status-error', retryable: false, statusCode: null, errorClass: 'missing_reference', detail: 'no ICCAM content id is known for this handover' };
    }
    let exchange: HttpExchange;
    try {
      exchange = await sendAuthorised('GET', `/rest/Content/${encodeURIComponent(contentId)}`, {});
    } catch (thrown) {
      if (thrown instanceof IccamAuthError) {
        return { kind: 'status-error', retryable: thrown.retryable, statusCode: thrown.statusCode, errorClass: thrown.errorClass, detail: thrown.message };
      }
      return statusErrorFromThrown(thrown);
    }
    if (exchange.statusCode === 401) {
      return { kind: 'status-error', retryable: true, statusCode: 401, errorClass: 'auth_rejected', detail: 'ICCAM refused a fresh token' };
    }
    const cls = classifyStatus(exchange.statusCode, exchange.headers['retry-after'], options.clock.now());
    if (cls.kind !== 'success') return statusErrorFromStatus(cls, exchange.statusCode);
    const json = asRecord(exchange.json);
    if (json === null || (json.actions !== undefined && json.actions !== null && !Array.isArray(json.actions))) {
      return { kind: 'status-error', retryable: true, statusCode: exchange.statusCode, errorClass: 'bad_response', detail: 'content answer without an action list' };
    }
    const actions = ((json.actions as unknown[] | null | undefined) ?? []).map(toAction).filter((a): a is IccamAction => a !== null);
    return mapIccamActions(actions, ref.reference);
  }

  return {
    destination: 'inhope',
    deliver,
    fetchStatus,
    close: () => http.close(),
    get sessionStats() {
      return { ...session.stats };
    },
  };
}

function outcomeFromAuthError(error: IccamAuthError, requestHash: string): DeliveryOutcome {
  const common = { statusCode: error.statusCode, requestHash, responseDigest: error.responseDigest, durationMs: error.durationMs };
  if (error.retryable) return { kind: 'retry', errorClass: error.errorClass, retryAfterMs: error.retryAfterMs, ...common };
  return { kind: 'failed', errorClass: error.errorClass, detail: error.message, ...common };
}

function toAction(value: unknown): IccamAction | null {
  const record = asRecord(value);
  const type = nonEmptyString(record?.type);
  if (record === null || type === null) return null;
  return { type, date: nonEmptyString(record.date), reason: nonEmptyString(record.reason) };
}
