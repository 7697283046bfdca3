/**
 * Signed checkpoints over the audit trail, modelled on Certificate Transparency's signed tree
 * heads. A checkpoint seals every event with `fromSeq < seq <= toSeq`: the Merkle root over
 * them in `seq` order, the hash of the previous checkpoint (so checkpoints form a chain of
 * their own), signed with Ed25519. Verifying needs only the public key. Pure apart from the
 * signing primitives of node:crypto.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { GENESIS_HASH } from './audit-chain.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';

const CHECKPOINT_LOG_NAME = 'hotline-referral-router/audit';
/** Signed text = this line, then the canonical JSON of the body (domain separation). */
const SIGNING_CONTEXT = 'hotline-referral-router audit checkpoint v1\n';

export interface CheckpointBody {
  v: 1;
  log: string;
  /** 1, 2, 3... */
  id: number;
  /** Events after this seq ... */
  fromSeq: number;
  /** ... up to and including this one. */
  toSeq: number;
  /** How many events (seq may skip numbers a rolled-back transaction took). */
  size: number;
  /** Merkle root (hex) over the events' checkpoint entries. */
  root: string;
  /** The previous checkpoint's hash; GENESIS_HASH for the first. */
  prev: string;
  /** Epoch milliseconds. */
  at: number;
  /** SHA-256 of the signing key's public half (SPKI DER), hex. */
  keyId: string;
}

export interface SignedCheckpoint extends CheckpointBody {
  /** Ed25519 signature, base64. */
  signature: string;
  /** SHA-256 over body and signature: what the next checkpoint links to. */
  hash: string;
  /** The public key (SPKI DER, base64), for convenience; verify trusts a pinned key only. */
  publicKey: string;
}

function publicKeyDer(key: KeyObject): Buffer {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
}

export function keyIdOf(publicKey: KeyObject): string {
  return sha256Hex(publicKeyDer(publicKey));
}

function signedText(body: CheckpointBody): Buffer {
  return Buffer.from(SIGNING_CONTEXT + canonicalJson(body), 'utf8');
}

function bodyOf(c: CheckpointBody): CheckpointBody {
  return { v: c.v, log: c.log, id: c.id, fromSeq: c.fromSeq, toSeq: c.toSeq, size: c.size, root: c.root, prev: c.prev, at: c.at, keyId: c.keyId };
}

function checkpointHash(body: CheckpointBody, signature: string): string {
  return sha256Hex(canonicalJson({ ...bodyOf(body), signature }));
}

export function signCheckpoint(body: Omit<CheckpointBody, 'v' | 'log' | 'keyId'>, privateKey: KeyObject): SignedCheckpoint {
  const publicKey = createPublicKey(privateKey);
  const full: CheckpointBody = { v: 1, log: CHECKPOINT_LOG_NAME, ...body, keyId: keyIdOf(publicKey) };
  const signature = sign(null, signedText(full), privateKey).toString('base64');
  return { ...full, signature, hash: checkpointHash(full, signature), publicKey: publicKeyDer(publicKey).toString('base64') };
}

/** Problems with one checkpoint on its own (signature, key, own hash); [] when sound. */
export function checkCheckpointSignature(c: SignedCheckpoint, pinnedKey: KeyObject): string[] {
  const problems: string[] = [];
  const body = bodyOf(c);
  if (c.keyId !== keyIdOf(pinnedKey)) problems.push(`signed by key ${c.keyId.slice(0, 16)}…, not the pinned key ${keyIdOf(pinnedKey).slice(0, 16)}…`);
  if (!signatureVerifies(signedText(body), c.signature, pinnedKey)) problems.push('signature does not verify with the pinned public key');
  if (checkpointHash(body, c.signature) !== c.hash) problems.push('stored hash is not the hash of its body and signature');
  return problems;
}

/** Problems linking a checkpoint to the one before it (or to nothing, for the first). */
export function checkCheckpointLink(c: CheckpointBody, previous: SignedCheckpoint | null): string[] {
  const problems: string[] = [];
  const expectId = previous ? previous.id + 1 : 1;
  if (c.id !== expectId) problems.push(`numbered ${c.id}, expected ${expectId}`);
  if (c.prev !== (previous?.hash ?? GENESIS_HASH)) problems.push('does not link to the previous checkpoint');
  if (c.fromSeq !== (previous?.toSeq ?? 0)) problems.push(`starts after event ${c.fromSeq}, the previous one ended at ${previous?.toSeq ?? 0}`);
  if (c.toSeq < c.fromSeq) problems.push('ends before it starts');
  return problems;
}

/** One line of the checkpoint file. */
export function checkpointLine(c: SignedCheckpoint): string {
  return canonicalJson(c) + '\n';
}

export function parseCheckpointLine(line: string): SignedCheckpoint {
  const v = JSON.parse(line) as Record<string, unknown>;
  const str = (k: string) => {
    if (typeof v[k] !== 'string') throw new Error(`field ${k} is not a string`);
    return v[k];
  };
  const int = (k: string) => {
    if (typeof v[k] !== 'number' || !Number.isSafeInteger(v[k])) throw new Error(`field ${k} is not an integer`);
    return v[k];
  };
  if (v.v !== 1) throw new Error('unknown checkpoint version');
  return {
    v: 1,
    log: str('log'),
    id: int('id'),
    fromSeq: int('fromSeq'),
    toSeq: int('toSeq'),
    size: int('size'),
    root: str('root'),
    prev: str('prev'),
    at: int('at'),
    keyId: str('keyId'),
    signature: str('signature'),
    hash: str('hash'),
    publicKey: str('publicKey'),
  };
}

/** Same checkpoint, field for field. */
export function sameCheckpoint(a: SignedCheckpoint, b: SignedCheckpoint): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** A malformed signature or key makes `verify` throw: that is a signature that does not verify. */
function signatureVerifies(text: Buffer, signatureBase64: string, key: KeyObject): boolean {
  try {
    return verify(null, text, key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
