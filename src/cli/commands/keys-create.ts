import { randomBytes } from 'node:crypto';
import { createApiKey, type KeyRole } from '../../config/api-keys.js';

export function keysCreateCommand(opts: { role: KeyRole; name?: string }): void {
  const name = opts.name ?? `${opts.role}-${randomBytes(3).toString('hex')}`;
  const { secret, entry } = createApiKey(name, opts.role);
  process.stdout.write([`key (shown once; hand it to its user): ${secret}`, `add to API_KEYS (comma-separated with any others): ${entry}`, ''].join('\n'));
}
