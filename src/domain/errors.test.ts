import { describe, expect, it } from 'vitest';
import {
  CannotCheckError,
  coerceError,
  ConfigError,
  errorKind,
  IccamAuthError,
  LocalError,
  NotFoundError,
  RegistryQueryError,
  ReportedUrlError,
  ServiceError,
  SetupError,
  thrownCode,
  TransportError,
} from './errors.js';

describe('coerceError', () => {
  it('returns an Error as it is', () => {
    const error = new TypeError('boom');
    expect(coerceError(error)).toBe(error);
  });

  it.each([
    ['a string', 'plain words', 'plain words'],
    ['an object', { reason: 'x' }, '{"reason":"x"}'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a bigint', 10n, '10'],
  ])('turns %s into an Error that describes it and keeps it as the cause', (_what, thrown, message) => {
    const error = coerceError(thrown);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe(message);
    expect(error.cause).toBe(thrown);
  });

  it('does not throw on a value JSON cannot write', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(coerceError(cyclic).message).toBe('[object Object]');
  });
});

describe('thrownCode and errorKind', () => {
  it('read a string code from anything thrown, and nothing else', () => {
    expect(thrownCode(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe('ENOENT');
    expect(thrownCode(Object.assign(new Error('x'), { code: 28 }))).toBeUndefined();
    expect(thrownCode('ENOENT')).toBeUndefined();
    expect(thrownCode(null)).toBeUndefined();
  });

  it('names an error by its code, else its class, never its message', () => {
    expect(errorKind(new SetupError('asn_load_failed', 'http://reported.example/ could not be read'))).toBe('asn_load_failed');
    expect(errorKind(new TypeError('http://reported.example/'))).toBe('TypeError');
    expect(errorKind('http://reported.example/')).toBe('unknown_error');
    expect(errorKind({ code: 'has spaces in it', name: 'Odd' })).toBe('Odd');
  });
});

describe('the error table', () => {
  it('keeps local errors apart from the ones answered over HTTP', () => {
    const local = new SetupError('cdn_list_invalid', 'The CDN network list could not be read.');
    expect(local).toBeInstanceOf(LocalError);
    expect(local).not.toBeInstanceOf(ServiceError);
    expect(new NotFoundError('Handover')).not.toBeInstanceOf(LocalError);
  });

  it('names each error after its class, with a stable code', () => {
    const cause = new Error('ENOENT');
    const cases: [LocalError, string, string][] = [
      [new ConfigError('PORT', 'is malformed: not a number'), 'ConfigError', 'config_invalid'],
      [new SetupError('geoip_open_failed', 'The GeoIP country database could not be opened.', { cause }), 'SetupError', 'geoip_open_failed'],
      [new RegistryQueryError('whois_timeout', 'WHOIS query timed out'), 'RegistryQueryError', 'whois_timeout'],
      [new ReportedUrlError('no_host'), 'ReportedUrlError', 'no_host'],
      [new TransportError('timeout', true, 'no answer in time', 12, cause), 'TransportError', 'destination_transport'],
      [new IccamAuthError('ICCAM login answered HTTP 401', { errorClass: 'auth_rejected', statusCode: 401, durationMs: 3 }), 'IccamAuthError', 'iccam_auth'],
      [new CannotCheckError('no database at x.db'), 'CannotCheckError', 'audit_cannot_check'],
    ];
    for (const [error, name, code] of cases) {
      expect(error.name).toBe(name);
      expect(error.code).toBe(code);
      expect(String(error)).toContain(`${name}: `);
    }
  });

  it('keeps the messages and fields callers print and branch on', () => {
    const config = new ConfigError('PORT', 'is malformed: not a number');
    expect(config).toBeInstanceOf(SetupError);
    expect(config.message).toBe('Configuration error: PORT is malformed: not a number');
    expect(config.variable).toBe('PORT');
    expect(new ReportedUrlError('too_long').message).toBe('The reported URL is not acceptable: too_long');
    const cause = new Error('reset');
    const transport = new TransportError('connection', true, 'connection failed (ECONNRESET)', 40, cause);
    expect(transport).toMatchObject({ errorClass: 'connection', retryable: true, durationMs: 40, cause });
    const auth = new IccamAuthError('ICCAM login answered HTTP 429', { errorClass: 'rate_limited', statusCode: 429, retryAfterMs: 5_000, durationMs: 8 });
    expect(auth).toMatchObject({ retryable: true, errorClass: 'rate_limited', statusCode: 429, retryAfterMs: 5_000, responseDigest: null });
  });
});
