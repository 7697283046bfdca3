/**
 * API keys: only the SHA-256 of each secret is configured (`name:role:sha256`), so a leaked
 * configuration does not leak a usable key. Presented keys are hashed and compared in
 * constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type KeyRole = 'analyst' | 'supervisor' | 'service';
const KEY_ROLES: readonly KeyRole[] = ['analyst', 'supervisor', 'service'];

export interface ApiKeyEntry {
  name: string;
  role: KeyRole;
  sha256: Buffer;
}

export function isKeyRole(value: string): value is KeyRole {
  return (KEY_ROLES as readonly string[]).includes(value);
}

export function parseApiKeyEntries(raw: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, role, hash, ...rest] = item.split(':');
    if (!name || !role || !hash || rest.length > 0) throw new Error(`entries are name:role:sha256 (got an entry with ${item.split(':').length} parts)`);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new Error(`key name "${name}" may only hold letters, digits, . _ -`);
    if (!isKeyRole(role)) throw new Error(`key "${name}" has unknown role "${role}" (analyst, supervisor or service)`);
    if (!/^[0-9a-f]{64}$/i.test(hash)) throw new Error(`key "${name}" needs a 64-hex-digit SHA-256`);
    if (entries.some((e) => e.name === name)) throw new Error(`key name "${name}" appears twice`);
    entries.push({ name, role, sha256: Buffer.from(hash, 'hex') });
  }
  return entries;
}

export function hashKeySecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Finds the entry for a presented secret; every entry is compared so timing tells nothing. */
export function findApiKey(entries: readonly ApiKeyEntry[], presented: string): ApiKeyEntry | null {
  const digest = hashKeySecret(presented);
  let found: ApiKeyEntry | null = null;
  for (const entry of entries) {
    if (timingSafeEqual(entry.sha256, digest) && !found) found = entry;
  }
  return found;
}

/** A new key: the secret to hand out once, and the API_KEYS entry to configure. */
export function createApiKey(name: string, role: KeyRole, random: (n: number) => Buffer = randomBytes): { secret: string; entry: string } {
  const secret = `hrr_${random(32).toString('base64url')}`;
  return { secret, entry: `${name}:${role}:${hashKeySecret(secret).toString('hex')}` };
}
