/**
 * The service's files name reported URLs (the ledger) or seal its evidence (the signing key,
 * the checkpoint file): only the service's own user may read them. A directory made for them is
 * 0700 whoever makes it first; a directory that already existed is left alone, since it may
 * be shared (/tmp, a mounted volume).
 */
import { chmodSync, mkdirSync } from 'node:fs';

export function ensurePrivateDirectory(dir: string): void {
  // mkdirSync's mode is filtered by the umask; chmod makes it exact for what we created.
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created) chmodSync(dir, 0o700);
}
