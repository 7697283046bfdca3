/**
 * How an HTTP status from a destination is treated (contract §4, "Responses and retries").
 * Pure. A 409 is left to the adapter: only the adapter knows whether the body names the same
 * handover (then it is a duplicate, i.e. delivered) or another one.
 */
import { parseRetryAfter } from '../../domain/backoff.js';
import type { DeliveryErrorClass } from './destination-adapter.js';

export type StatusClass =
  | { kind: 'success' }
  | { kind: 'conflict' }
  | { kind: 'retry'; errorClass: DeliveryErrorClass; retryAfterMs: number | null }
  | { kind: 'failed'; errorClass: DeliveryErrorClass };

export function classifyStatus(statusCode: number, retryAfterHeader: string | undefined, now: Date): StatusClass {
  if (statusCode >= 200 && statusCode < 300) return { kind: 'success' };
  if (statusCode === 409) return { kind: 'conflict' };
  if (statusCode >= 300 && statusCode < 400) return { kind: 'failed', errorClass: 'redirect' };
  // Retry-After is honoured on every retryable answer (seconds or HTTP-date, in ms from now).
  const retryAfterMs = parseRetryAfter(retryAfterHeader, now);
  if (statusCode === 408) return { kind: 'retry', errorClass: 'request_timeout', retryAfterMs };
  if (statusCode === 425) return { kind: 'retry', errorClass: 'too_early', retryAfterMs };
  if (statusCode === 429) return { kind: 'retry', errorClass: 'rate_limited', retryAfterMs };
  if (statusCode >= 500) return { kind: 'retry', errorClass: 'server_error', retryAfterMs };
  // Other 4xx, and anything outside the known ranges (1xx cannot reach us; 6xx is nonsense).
  return { kind: 'failed', errorClass: 'rejected' };
}
