/**
 * Sending partner content on (contract §4 Inbound, Routing): content ICCAM assigned to the home
 * country that our evidence locates in another member country goes to that country's hotline by
 * reassigning it in ICCAM — `PUT rest/Content/{id}/url/hosting?newIpAddress=&newCountryCode=`
 * and `PUT rest/Content/{id}/assigned-country?newCountryCode=` — never as a new report. Both PUTs
 * set a value, so repeating them is harmless; each attempt first reads the content, so one that
 * already took effect is not sent again, and content ICCAM has since assigned to any country but
 * ours is no longer ours to move.
 */
import { performance } from 'node:perf_hooks';
import { sha256Hex } from '../../domain/canonical-json.js';
import type { DeliveryOutcome, DeliveryRequest, StatusFetchError } from './destination-adapter.js';
import type { IccamContentView, IccamPutResult } from './iccam-exchange.js';
import { primaryHostingAddress } from '../../domain/evidence.js';

interface SendOnDeps {
  readContent(contentId: string): Promise<IccamContentView | StatusFetchError>;
  correctHosting(contentId: string, ipAddress: string, countryCode: string): Promise<IccamPutResult>;
  assignCountry(contentId: string, countryCode: string): Promise<IccamPutResult>;
  notReadyRetryMs: number;
}

/** Refused this many times, the reassignment waits for a person (`iccam_assignment_refused`). */
const ASSIGNMENT_TRIES = 3;

export async function sendOnIccamContent(deps: SendOnDeps, req: DeliveryRequest & { iccamContent: NonNullable<DeliveryRequest['iccamContent']> }) {
  const { contentId, reportId, homeCountry } = req.iccamContent;
  const target = req.decision.assignedCountry;
  const ip = primaryHostingAddress(req.evidence.addresses, req.decision.country)?.address ?? '';
  const requestHash = sha256Hex(`reassign ${contentId} ${ip} ${target ?? ''}`);
  const started = performance.now();
  const base = { requestHash, responseDigest: null, durationMs: 0 };
  const took = () => Math.round(performance.now() - started);
  if (target === null) {
    // An ICCAM item assigned to us cannot be made an orphan again.
    return failed(base, 'partner content cannot be left unassigned in ICCAM: a person decides where it goes');
  }
  const delivered = (statusCode: number): DeliveryOutcome => ({
    kind: 'delivered',
    reference: reportId,
    secondaryReference: contentId,
    duplicate: false,
    closeAs: 'moved_on',
    statusCode,
    requestHash,
    // The answers to the PUTs are empty: the digest is of no bytes.
    responseDigest: sha256Hex(''),
    durationMs: took(),
  });
  const content = await deps.readContent(contentId);
  if ('kind' in content)
    return { kind: 'retry', statusCode: content.statusCode, errorClass: 'server_error', retryAfterMs: null, ...base, durationMs: took() } as const;
  // Done before (an answer lost), or ICCAM assigned it elsewhere meanwhile: either way not ours.
  if (content.assignedCountryCode !== null && content.assignedCountryCode !== homeCountry) return delivered(200);
  if (content.hostingCountryCode !== target) {
    const hosting = await deps.correctHosting(contentId, ip, target);
    if (hosting.kind !== 'done') return notDone(hosting, deps.notReadyRetryMs, { ...base, durationMs: took() });
  }
  const assigned = await deps.assignCountry(contentId, target);
  if (assigned.kind !== 'done') return notDone(assigned, deps.notReadyRetryMs, { ...base, durationMs: took() });
  return delivered(assigned.statusCode);
}

type Base = { requestHash: string; responseDigest: null; durationMs: number };

function failed(base: Base, detail: string): DeliveryOutcome {
  return { kind: 'failed', statusCode: null, errorClass: 'rejected', detail, ...base };
}

/** Not yet, not arrived, unknown (both PUTs are safe to repeat) or refused (a person after three). */
function notDone(result: Exclude<IccamPutResult, { kind: 'done' }>, notReadyRetryMs: number, base: Base): DeliveryOutcome {
  if (result.kind === 'not_in_state')
    return { kind: 'retry', statusCode: result.statusCode, errorClass: 'not_in_state', retryAfterMs: null, giveUpAfterMs: notReadyRetryMs, ...base };
  if (result.arrived === 'refused')
    return {
      kind: 'retry',
      statusCode: result.statusCode,
      errorClass: 'assignment_refused',
      retryAfterMs: null,
      reviewAfterAttempts: ASSIGNMENT_TRIES,
      reviewReason: 'iccam_assignment_refused',
      ...base,
    };
  return { kind: 'retry', statusCode: result.statusCode, errorClass: result.statusCode === 429 ? 'rate_limited' : 'server_error', retryAfterMs: null, ...base };
}
