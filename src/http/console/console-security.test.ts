import { describe, expect, it } from 'vitest';
import { isCrossSite } from './console-security.js';

describe('isCrossSite', () => {
  const host = '127.0.0.1:8080';
  it('follows Sec-Fetch-Site when the browser sends it', () => {
    expect(isCrossSite({ secFetchSite: 'same-origin', origin: 'null', host })).toBe(false);
    expect(isCrossSite({ secFetchSite: 'same-site', origin: 'http://127.0.0.1:8080', host })).toBe(true);
    expect(isCrossSite({ secFetchSite: 'cross-site', host })).toBe(true);
  });
  it('falls back to Origin, and lets a client that sends neither rely on the CSRF token', () => {
    expect(isCrossSite({ origin: 'http://127.0.0.1:8080', host })).toBe(false);
    expect(isCrossSite({ origin: 'https://elsewhere.example', host })).toBe(true);
    expect(isCrossSite({ origin: 'null', host })).toBe(true);
    expect(isCrossSite({ host })).toBe(false);
  });
});
