import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApiKey, findApiKey, hashKeySecret, isKeyRole, parseApiKeyEntries } from './api-keys.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('parseApiKeyEntries', () => {
  it('reads name:role:sha256 entries, comma-separated, ignoring blanks and spaces', () => {
    const entries = parseApiKeyEntries(` alice:analyst:${sha('a')}, ,bo.b-2:supervisor:${sha('b').toUpperCase()},backoffice:service:${sha('c')},`);
    expect(entries.map((e) => [e.name, e.role, e.sha256.toString('hex')])).toEqual([
      ['alice', 'analyst', sha('a')],
      ['bo.b-2', 'supervisor', sha('b')],
      ['backoffice', 'service', sha('c')],
    ]);
  });

  it('reads an empty setting as no keys', () => {
    expect(parseApiKeyEntries('')).toEqual([]);
  });

  const bad: [string, string, RegExp][] = [
    ['two parts', 'alice:analyst', /name:role:sha256/],
    ['four parts', `alice:analyst:${sha('a')}:extra`, /name:role:sha256/],
    ['an unknown role', `alice:admin:${sha('a')}`, /unknown role "admin"/],
    ['a short hash', 'alice:analyst:abcdef', /64-hex-digit/],
    ['a hash that is not hex', `alice:analyst:${'z'.repeat(64)}`, /64-hex-digit/],
    ['a name with spaces', `al ice:analyst:${sha('a')}`, /may only hold/],
    ['the same name twice', `alice:analyst:${sha('a')},alice:service:${sha('b')}`, /appears twice/],
  ];
  for (const [name, raw, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => parseApiKeyEntries(raw)).toThrow(message);
    });
  }

  it('never repeats a hash in its messages', () => {
    const hash = sha('a');
    expect(() => parseApiKeyEntries(`alice:admin:${hash}`)).toThrow(expect.objectContaining({ message: expect.not.stringContaining(hash) }));
  });
});

describe('findApiKey', () => {
  const entries = parseApiKeyEntries(`alice:analyst:${sha('secret-a')},sam:supervisor:${sha('secret-s')}`);

  it('finds the entry whose hash matches the presented secret', () => {
    expect(findApiKey(entries, 'secret-s')).toMatchObject({ name: 'sam', role: 'supervisor' });
    expect(findApiKey(entries, 'secret-a')).toMatchObject({ name: 'alice', role: 'analyst' });
  });

  it('finds nothing for an unknown secret, the hash itself, or no entries', () => {
    expect(findApiKey(entries, 'secret-x')).toBeNull();
    expect(findApiKey(entries, sha('secret-a'))).toBeNull();
    expect(findApiKey(entries, '')).toBeNull();
    expect(findApiKey([], 'secret-a')).toBeNull();
  });
});

describe('createApiKey', () => {
  it('makes a key whose entry parses back and finds that key', () => {
    const { secret, entry } = createApiKey('night-shift', 'supervisor');
    expect(secret).toMatch(/^hrr_[A-Za-z0-9_-]{43}$/);
    const [parsed] = parseApiKeyEntries(entry);
    expect(parsed).toMatchObject({ name: 'night-shift', role: 'supervisor' });
    expect(parsed!.sha256.equals(hashKeySecret(secret))).toBe(true);
    expect(findApiKey(parseApiKeyEntries(entry), secret)).toMatchObject({ name: 'night-shift' });
    // The entry carries the hash, never the secret.
    expect(entry).not.toContain(secret.slice(4));
  });

  it('uses the randomness it is given, and differs from call to call otherwise', () => {
    const fixed = createApiKey('k', 'analyst', (n) => Buffer.alloc(n, 1));
    expect(fixed.secret).toBe(`hrr_${Buffer.alloc(32, 1).toString('base64url')}`);
    expect(fixed.entry).toBe(`k:analyst:${sha(fixed.secret)}`);
    expect(createApiKey('k', 'analyst').secret).not.toBe(createApiKey('k', 'analyst').secret);
  });

  it('knows the three roles', () => {
    expect(['analyst', 'supervisor', 'service', 'admin'].map(isKeyRole)).toEqual([true, true, true, false]);
  });
});
