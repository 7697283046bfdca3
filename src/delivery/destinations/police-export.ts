/**
 * Destination `police`: the Belgian federal police export (contract §4).
 * `POST {base}/exports` with a bearer token delivers; `GET {base}/exports/{handoverId}` says
 * where the case stands (received → registered → closed, or rejected), and when the content was
 * taken down (`contentRemovedAt`), when the police know it.
 */
import type { Logger } from 'winston';
import { mapPoliceStatus, type AckObservation } from '../../domain/ack-mapping.js';
import { sha256Hex } from '../../domain/canonical-json.js';
import type { Clock } from '../../domain/clock.js';
import { failed, outcomeFromStatus, outcomeFromThrown, retry, statusErrorFromStatus, statusErrorFromThrown } from './attempt-outcome.js';
import type { DeliveryOutcome, DeliveryRequest, DestinationAdapter, StatusFetchError, StatusReference } from './destination-adapter.js';
import { DestinationHttpClient } from './destination-http-client.js';
import { asRecord, nonEmptyString } from './json-fields.js';
import { buildPoliceExportBody } from './police-export-body.js';
import { classifyStatus } from './status-classification.js';

export { buildPoliceExportBody } from './police-export-body.js';

export interface PoliceAdapterOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  connectTimeoutMs?: number;
  caFile?: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  clock: Clock;
  logger?: Logger;
}

export function createPoliceAdapter(options: PoliceAdapterOptions): DestinationAdapter {
  const http = new DestinationHttpClient(options);
  const log = options.logger?.child({ component: 'police-export' });
  const auth = { Authorization: `Bearer ${options.token}` };

  async function deliver(req: DeliveryRequest): Promise<DeliveryOutcome> {
    const built = buildPoliceExportBody(req);
    const requestHash = sha256Hex(built.canonicalJson);
    const outcome = await send(req.handoverId, built.canonicalJson, requestHash);
    log?.debug('police export attempt', { handoverId: req.handoverId, kind: outcome.kind, statusCode: outcome.statusCode, durationMs: outcome.durationMs });
    return outcome;
  }

  async function send(handoverId: string, body: string, requestHash: string): Promise<DeliveryOutcome> {
    let exchange;
    try {
      exchange = await http.send('POST', '/exports', { ...auth, 'Idempotency-Key': handoverId }, body);
    } catch (thrown) {
      return outcomeFromThrown(thrown, requestHash);
    }
    const cls = classifyStatus(exchange.statusCode, exchange.headers['retry-after'], options.clock.now());
    const json = asRecord(exchange.json);
    const base = { statusCode: exchange.statusCode, requestHash, responseDigest: exchange.responseDigest, durationMs: exchange.durationMs };
    if (cls.kind === 'success') {
      const receiptId = nonEmptyString(json?.receiptId);
      // Accepted but no receipt: repeating under the same Idempotency-Key is safe and gets one.
      if (receiptId === null) return retry('bad_response', exchange, requestHash);
      return { kind: 'delivered', reference: receiptId, duplicate: json?.duplicate === true, ...base };
    }
    if (cls.kind === 'conflict') {
      if (nonEmptyString(json?.handoverId) !== handoverId) {
        return failed('duplicate_mismatch', 'the destination reported a conflict with another handover (HTTP 409)', exchange, requestHash);
      }
      // Status queries go by handover id, so a 409 without a receipt still leaves a usable reference.
      return { kind: 'delivered', reference: nonEmptyString(json?.receiptId) ?? handoverId, duplicate: true, ...base };
    }
    return outcomeFromStatus(cls, exchange, requestHash);
  }

  async function fetchStatus(ref: StatusReference): Promise<AckObservation | StatusFetchError> {
    let exchange;
    try {
      exchange = await http.send('GET', `/exports/${encodeURIComponent(ref.handoverId)}`, auth);
    } catch (thrown) {
      return statusErrorFromThrown(thrown);
    }
    const cls = classifyStatus(exchange.statusCode, exchange.headers['retry-after'], options.clock.now());
    if (cls.kind !== 'success') return statusErrorFromStatus(cls, exchange.statusCode);
    const json = asRecord(exchange.json);
    const status = nonEmptyString(json?.status);
    if (status === null) {
      return { kind: 'status_error', retryable: true, statusCode: exchange.statusCode, errorClass: 'bad_response', detail: 'status answer without a status' };
    }
    return mapPoliceStatus(status, {
      caseNumber: nonEmptyString(json?.caseNumber),
      reason: nonEmptyString(json?.reason),
      at: nonEmptyString(json?.updatedAt),
      contentRemovedAt: nonEmptyString(json?.contentRemovedAt),
    });
  }

  return { destination: 'police', deliver, fetchStatus, close: () => http.close() };
}
