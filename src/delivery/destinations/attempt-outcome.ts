/**
 * Turning what happened on the wire into the adapter's vocabulary (DeliveryOutcome,
 * StatusFetchError), shared by both destinations so they classify alike.
 */
import type { DeliveryErrorClass, DeliveryOutcome, StatusFetchError } from './destination-adapter.js';
import { TransportError } from '../../domain/errors.js';
import type { HttpExchange } from './destination-http-client.js';
import type { StatusClass } from './status-classification.js';

type NotDelivered = Extract<DeliveryOutcome, { kind: 'retry' | 'failed' }>;

/** Anything thrown while sending: a TransportError, or (defensively) any other error → retry. */
export function outcomeFromThrown(thrown: unknown, requestHash: string): NotDelivered {
  if (thrown instanceof TransportError) {
    return thrown.retryable
      ? { kind: 'retry', statusCode: null, errorClass: thrown.errorClass, retryAfterMs: null, requestHash, responseDigest: null, durationMs: thrown.durationMs }
      : {
          kind: 'failed',
          statusCode: null,
          errorClass: thrown.errorClass,
          detail: thrown.message,
          requestHash,
          responseDigest: null,
          durationMs: thrown.durationMs,
        };
  }
  // Not expected; its message is not kept because it could carry request data.
  return { kind: 'retry', statusCode: null, errorClass: 'connection', retryAfterMs: null, requestHash, responseDigest: null, durationMs: 0 };
}

/** A non-success HTTP answer already classified by classifyStatus. */
export function outcomeFromStatus(cls: Exclude<StatusClass, { kind: 'success' | 'conflict' }>, exchange: HttpExchange, requestHash: string): NotDelivered {
  const base = { statusCode: exchange.statusCode, requestHash, responseDigest: exchange.responseDigest, durationMs: exchange.durationMs };
  if (cls.kind === 'retry') return { kind: 'retry', errorClass: cls.errorClass, retryAfterMs: cls.retryAfterMs, ...base };
  return { kind: 'failed', errorClass: cls.errorClass, detail: failureDetail(cls.errorClass, exchange.statusCode), ...base };
}

export function failed(errorClass: DeliveryErrorClass, detail: string, exchange: HttpExchange, requestHash: string): NotDelivered {
  return {
    kind: 'failed',
    errorClass,
    detail,
    statusCode: exchange.statusCode,
    requestHash,
    responseDigest: exchange.responseDigest,
    durationMs: exchange.durationMs,
  };
}

export function retry(errorClass: DeliveryErrorClass, exchange: HttpExchange, requestHash: string): NotDelivered {
  return {
    kind: 'retry',
    errorClass,
    retryAfterMs: null,
    statusCode: exchange.statusCode,
    requestHash,
    responseDigest: exchange.responseDigest,
    durationMs: exchange.durationMs,
  };
}

export function statusErrorFromThrown(thrown: unknown): StatusFetchError {
  if (thrown instanceof TransportError) {
    return { kind: 'status_error', retryable: thrown.retryable, statusCode: null, errorClass: thrown.errorClass, detail: thrown.message };
  }
  return { kind: 'status_error', retryable: true, statusCode: null, errorClass: 'connection', detail: 'unexpected error while asking the destination' };
}

export function statusErrorFromStatus(cls: StatusClass, statusCode: number): StatusFetchError {
  if (statusCode === 404) {
    // The export may not be visible yet, or the destination lost it: the reconciler decides.
    return { kind: 'status_error', retryable: true, statusCode, errorClass: 'not_found', detail: 'the destination does not know this case' };
  }
  if (cls.kind === 'retry') return { kind: 'status_error', retryable: true, statusCode, errorClass: cls.errorClass, detail: `HTTP ${statusCode}` };
  const errorClass = cls.kind === 'failed' ? cls.errorClass : 'bad_response';
  return { kind: 'status_error', retryable: false, statusCode, errorClass, detail: failureDetail(errorClass, statusCode) };
}

function failureDetail(errorClass: DeliveryErrorClass, statusCode: number): string {
  if (errorClass === 'redirect') return `the destination answered with a redirect (HTTP ${statusCode}); redirects are never followed`;
  return `the destination refused the request (HTTP ${statusCode})`;
}
