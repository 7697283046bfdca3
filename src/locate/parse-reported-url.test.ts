import { describe, expect, it } from 'vitest';
import { checkIntakeUrl as validateUrlForIntake, serialiseIntakeUrl } from '../domain/intake-url.js';
import { ReportedUrlError } from '../domain/errors.js';
import { parseReportedUrl } from './parse-reported-url.js';

describe('parseReportedUrl', () => {
  it.each([
    ['https://www.hosting.example/a?b=1', 'www.hosting.example', 'domain', 'https://www.hosting.example/a?b=1'],
    ['http://Bücher.example./gallery', 'xn--bcher-kva.example', 'domain', 'http://xn--bcher-kva.example/gallery'],
    ['http://WWW.Hosting.TEST.', 'www.hosting.test', 'domain', 'http://www.hosting.test/'],
    ['http://193.190.198.10:8080/x', '193.190.198.10', 'ipv4', 'http://193.190.198.10:8080/x'],
    ['http://2130706433/', '127.0.0.1', 'ipv4', 'http://127.0.0.1/'],
    ['http://[2001:67C:2E8:0:0:0:0:1]/p', '2001:67c:2e8::1', 'ipv6', 'http://[2001:67c:2e8::1]/p'],
    ['http://abcdefghijklmnop.onion/', 'abcdefghijklmnop.onion', 'onion', 'http://abcdefghijklmnop.onion/'],
    ['http://intranet/', 'intranet', 'unresolvable-name', 'http://intranet/'],
    ['http://printer.local/', 'printer.local', 'unresolvable-name', 'http://printer.local/'],
    ['http://svc.internal/', 'svc.internal', 'unresolvable-name', 'http://svc.internal/'],
    ['http://app.localhost/', 'app.localhost', 'unresolvable-name', 'http://app.localhost/'],
    ['http://x.invalid/', 'x.invalid', 'unresolvable-name', 'http://x.invalid/'],
    ['http://site.i2p/', 'site.i2p', 'unresolvable-name', 'http://site.i2p/'],
  ])('%s → %s (%s)', (raw, host, kind, url) => {
    const parsed = parseReportedUrl(raw);
    expect(parsed).toEqual({ host, hostKind: kind, url });
  });

  it.each([
    ['ftp://files.example/x', 'scheme_not_allowed'],
    ['https://user:pw@hosting.example/', 'credentials_in_url'],
    ['not a url', 'not_a_url'],
    [`https://hosting.example/${'a'.repeat(2048)}`, 'too_long'],
    // Dot-only hosts: nothing to locate. They once made every locate run throw.
    ['http://../', 'no_host'],
    ['http://%E3%80%82./', 'no_host'],
    ['http://\u3002\u3002/', 'no_host'],
    ['http://./x', 'no_host'],
  ])('rejects %s with %s', (raw, code) => {
    expect(validateUrlForIntake(raw)).toBe(code);
    expect(() => parseReportedUrl(raw)).toThrow(ReportedUrlError);
    try {
      parseReportedUrl(raw);
    } catch (error) {
      expect((error as ReportedUrlError).code).toBe(code);
    }
  });

  it('serialises the URL as the WHATWG parser does, so every reader sees the same host', () => {
    expect(serialiseIntakeUrl('http://a.test\\@b.test/')).toBe('http://a.test/@b.test/');
    expect(serialiseIntakeUrl('HTTP://Hosting.Example/a b')).toBe('http://hosting.example/a%20b');
  });

  it('accepts an ordinary https URL for intake', () => {
    expect(validateUrlForIntake('https://images.hosting.example/a/b.jpg')).toBeNull();
  });
});
