import { describe, expect, it } from 'vitest';
import { urlIdentityKey } from './url-identity.js';

describe('urlIdentityKey', () => {
  const same = (a: string, b: string) => expect(urlIdentityKey(a)).toBe(urlIdentityKey(b));
  const different = (a: string, b: string) => expect(urlIdentityKey(a)).not.toBe(urlIdentityKey(b));

  it('is the serialised URL', () => {
    expect(urlIdentityKey('https://files.example/a/b.jpg?x=1')).toBe('https://files.example/a/b.jpg?x=1');
    expect(urlIdentityKey('https://files.example')).toBe('https://files.example/');
  });

  it('lower-cases the scheme and host but not the path or query', () => {
    same('HTTPS://Files.EXAMPLE/a', 'https://files.example/a');
    different('https://files.example/A', 'https://files.example/a');
    different('https://files.example/a?Q=1', 'https://files.example/a?q=1');
  });

  it('writes an internationalised host name in punycode', () => {
    expect(urlIdentityKey('https://bücher.example/x')).toBe('https://xn--bcher-kva.example/x');
    same('https://BÜCHER.example/x', 'https://xn--bcher-kva.example/x');
  });

  it('drops the default port and keeps any other', () => {
    same('https://files.example:443/a', 'https://files.example/a');
    same('http://files.example:80/a', 'http://files.example/a');
    expect(urlIdentityKey('https://files.example:8443/a')).toBe('https://files.example:8443/a');
    different('http://files.example/a', 'https://files.example/a');
  });

  it('drops the fragment', () => {
    same('https://files.example/g#photo-3', 'https://files.example/g');
    same('https://files.example/g?p=2#top', 'https://files.example/g?p=2');
  });

  it('drops a trailing dot on the host, with or without a port', () => {
    same('https://files.example./a', 'https://files.example/a');
    expect(urlIdentityKey('https://files.example.:8443/a')).toBe('https://files.example:8443/a');
  });

  it('treats escapes that spell the same character alike', () => {
    same('https://files.example/%7euser/a%2dB', 'https://files.example/~user/a-B');
    same('https://files.example/caf%c3%a9', 'https://files.example/caf%C3%A9');
    same('https://files.example/café', 'https://files.example/caf%C3%A9');
    same('https://files.example/a?q=%41', 'https://files.example/a?q=A');
    same('https://%66iles.example/a', 'https://files.example/a');
  });

  it('keeps escapes of reserved characters apart from the characters themselves', () => {
    different('https://files.example/a%2Fb', 'https://files.example/a/b');
    different('https://files.example/a?x=1%26y=2', 'https://files.example/a?x=1&y=2');
  });

  it('resolves dot segments as the parser does', () => {
    same('https://files.example/a/./b/../c', 'https://files.example/a/c');
    same('https://files.example/a/%2e%2e/c', 'https://files.example/c');
  });

  it('keeps two query strings as two URLs, and an empty query apart from none', () => {
    different('https://files.example/g?page=1', 'https://files.example/g?page=2');
    different('https://files.example/g?', 'https://files.example/g');
  });

  it('is null for text that is not a URL', () => {
    expect(urlIdentityKey('not a url')).toBeNull();
  });
});
