/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com) for acknowledgement
 * callbacks (contract §4): HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}`,
 * sent as `webhook-signature: v1,<base64> [v1,<base64> ...]` (several during a secret rotation).
 *
 * Secrets: a secret written `whsec_<base64>` is the Standard Webhooks form and its base64 part
 * is decoded to the key bytes, so partners using any Standard Webhooks library interoperate.
 * Any other string is used as-is (its UTF-8 bytes) — the common ad-hoc HMAC convention; such a
 * partner using the `standardwebhooks` library must construct it with `{ format: 'raw' }`.
 *
 * Replays are not detected here: the caller must refuse a `webhook-id` it has already seen.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SetupError } from './errors.js';

const WEBHOOK_TOLERANCE_MS = 5 * 60 * 1_000;
const SECRET_PREFIX = 'whsec_';
const SIGNATURE_VERSION = 'v1';
const HMAC_SHA256_BYTES = 32;
/** More entries than this in one header is no rotation but an attempt to make us work. */
const MAX_SIGNATURES = 16;
/**
 * A webhook-id is the sender's message id (`msg_<ulid>` and the like): printable ASCII, and
 * short, since it is stored to refuse replays.
 */
const MAX_WEBHOOK_ID_LENGTH = 128;
const WEBHOOK_ID = /^[\x21-\x7e]{1,128}$/;
const SIGNATURE_ENTRY = /^v1,[A-Za-z0-9+/]{43}=$/;

type WebhookFailureCode =
  | 'missing_headers'
  /** A header is present but unreadable (timestamp not an integer number of seconds). */
  | 'malformed_headers'
  | 'bad_signature'
  | 'timestamp_too_old'
  | 'timestamp_in_future';

export type WebhookVerification = { ok: true; id: string; timestamp: Date } | { ok: false; code: WebhookFailureCode; message: string };

/** A configured secret that cannot be used (empty, or `whsec_` with no valid base64). */
/** Headers as Node and Express give them: names in any case, values possibly repeated. */
type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyWebhookInput {
  headers: WebhookHeaders;
  /** The raw request body, exactly as received: re-serialised JSON will not verify. */
  body: string | Uint8Array;
  /** One secret, or several while ours is being rotated; any one may match. */
  secrets: string | readonly string[];
  now: Date;
  toleranceMs?: number;
}

/** The key bytes of a secret (see the module comment for the two forms). Throws SetupError (`webhook_secret_invalid`). */
export function decodeWebhookSecret(secret: string): Buffer {
  if (secret.startsWith(SECRET_PREFIX)) {
    const encoded = secret.slice(SECRET_PREFIX.length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) {
      throw new SetupError('webhook_secret_invalid', 'A whsec_ secret must be followed by base64.');
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length === 0) throw new SetupError('webhook_secret_invalid', 'A whsec_ secret must not be empty.');
    return key;
  }
  if (secret.length === 0) throw new SetupError('webhook_secret_invalid', 'A webhook secret must not be empty.');
  return Buffer.from(secret, 'utf8');
}

export function verifyWebhook(input: VerifyWebhookInput): WebhookVerification {
  const id = header(input.headers, 'webhook-id');
  const timestampText = header(input.headers, 'webhook-timestamp');
  const signatureText = header(input.headers, 'webhook-signature');
  if (!id || !timestampText || !signatureText) {
    return { ok: false, code: 'missing_headers', message: 'webhook-id, webhook-timestamp and webhook-signature are required.' };
  }
  if (!/^\d{1,15}$/.test(timestampText.trim())) {
    return { ok: false, code: 'malformed_headers', message: 'webhook-timestamp must be whole seconds since the epoch.' };
  }
  if (!WEBHOOK_ID.test(id)) {
    return { ok: false, code: 'malformed_headers', message: `webhook-id must be 1 to ${MAX_WEBHOOK_ID_LENGTH} printable ASCII characters.` };
  }
  // Every entry must at least look like a signature: what cannot match is refused before the body is read.
  const entries = signatureText.split(/\s+/).filter((entry) => entry !== '');
  if (entries.length === 0 || entries.length > MAX_SIGNATURES || !entries.some((entry) => SIGNATURE_ENTRY.test(entry))) {
    return {
      ok: false,
      code: 'malformed_headers',
      message: `webhook-signature must hold 1 to ${MAX_SIGNATURES} space-separated entries, at least one of them v1,<base64 HMAC-SHA256>.`,
    };
  }

  const timestampSeconds = Number(timestampText.trim());
  const tolerance = input.toleranceMs ?? WEBHOOK_TOLERANCE_MS;
  const skew = input.now.getTime() - timestampSeconds * 1_000;
  if (skew > tolerance) {
    return { ok: false, code: 'timestamp_too_old', message: 'webhook-timestamp is more than the allowed tolerance in the past.' };
  }
  if (-skew > tolerance) {
    return { ok: false, code: 'timestamp_in_future', message: 'webhook-timestamp is more than the allowed tolerance in the future.' };
  }

  const offered = entries.flatMap((entry) => {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== SIGNATURE_VERSION) return [];
    const encoded = entry.slice(comma + 1);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return [];
    const bytes = Buffer.from(encoded, 'base64');
    return bytes.length === HMAC_SHA256_BYTES ? [bytes] : [];
  });

  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  let matched = false;
  for (const secret of secrets) {
    const expected = hmac(decodeWebhookSecret(secret), id, timestampText.trim(), input.body);
    // No early exit: the time taken does not tell which entry or secret matched.
    for (const candidate of offered) matched = timingSafeEqual(expected, candidate) || matched;
  }
  if (!matched) {
    return { ok: false, code: 'bad_signature', message: 'No webhook-signature entry matches.' };
  }
  return { ok: true, id, timestamp: new Date(timestampSeconds * 1_000) };
}

export interface SignWebhookInput {
  id: string;
  /** A Date, or whole seconds since the epoch. */
  timestamp: Date | number;
  body: string | Uint8Array;
  /** Several secrets give several `v1,` entries, as during a rotation. */
  secrets: string | readonly string[];
}

/** The three headers a sender attaches; for tests and the destination stand-ins. */
export function signWebhook(input: SignWebhookInput): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  const seconds = typeof input.timestamp === 'number' ? Math.floor(input.timestamp) : Math.floor(input.timestamp.getTime() / 1_000);
  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  const signature = secrets
    .map((secret) => `${SIGNATURE_VERSION},${hmac(decodeWebhookSecret(secret), input.id, String(seconds), input.body).toString('base64')}`)
    .join(' ');
  return { 'webhook-id': input.id, 'webhook-timestamp': String(seconds), 'webhook-signature': signature };
}

function hmac(key: Buffer, id: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest();
}

/** The first value of a header, whatever the case of its name. */
function header(headers: WebhookHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const first = typeof value === 'string' ? value : value?.[0];
    if (first !== undefined && first !== '') return first;
  }
  return undefined;
}
