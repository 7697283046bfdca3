import { describe, it, expect } from 'vitest';
import { classifyStatus } from './status-classification.js';

const NOW = new Date('2026-01-01T00:00:00Z');

describe('classifyStatus', () => {
  it.each([
    [200, { kind: 'success' }],
    [201, { kind: 'success' }],
    [409, { kind: 'conflict' }],
    [301, { kind: 'failed', errorClass: 'redirect' }],
    [307, { kind: 'failed', errorClass: 'redirect' }],
    [400, { kind: 'failed', errorClass: 'rejected' }],
    [403, { kind: 'failed', errorClass: 'rejected' }],
    [422, { kind: 'failed', errorClass: 'rejected' }],
    [408, { kind: 'retry', errorClass: 'request_timeout', retryAfterMs: null }],
    [425, { kind: 'retry', errorClass: 'too_early', retryAfterMs: null }],
    [429, { kind: 'retry', errorClass: 'rate_limited', retryAfterMs: null }],
    [500, { kind: 'retry', errorClass: 'server_error', retryAfterMs: null }],
    [503, { kind: 'retry', errorClass: 'server_error', retryAfterMs: null }],
  ] as const)('HTTP %i is %o', (status, expected) => {
    expect(classifyStatus(status, undefined, NOW)).toEqual(expected);
  });

  it('reads Retry-After in seconds and as an HTTP-date', () => {
    expect(classifyStatus(429, '7', NOW)).toMatchObject({ retryAfterMs: 7_000 });
    expect(classifyStatus(503, 'Thu, 01 Jan 2026 00:02:00 GMT', NOW)).toMatchObject({ retryAfterMs: 120_000 });
    expect(classifyStatus(503, 'soon', NOW)).toMatchObject({ retryAfterMs: null });
  });
});
