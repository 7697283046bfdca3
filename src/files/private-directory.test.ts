import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey } from '../audit/signing-key-file.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
function freshRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'hrr-private-'));
  roots.push(root);
  return root;
}
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the directory the audit files are first written to', () => {
  it('is made 0700 when the signing key creates it (the key itself 0600)', () => {
    const root = freshRoot();
    loadOrCreateSigningKey(join(root, 'var', 'audit-signing.key'));
    expect(modeOf(join(root, 'var'))).toBe(0o700);
    expect(modeOf(join(root, 'var', 'audit-signing.key'))).toBe(0o600);
  });

  it('leaves a directory that already existed as it was (it may be shared)', () => {
    const root = freshRoot();
    const shared = join(root, 'shared');
    mkdirSync(shared, { mode: 0o755 });
    chmodSync(shared, 0o755);
    loadOrCreateSigningKey(join(shared, 'audit-signing.key'));
    expect(modeOf(shared)).toBe(0o755);
    expect(modeOf(join(shared, 'audit-signing.key'))).toBe(0o600);
  });
});
