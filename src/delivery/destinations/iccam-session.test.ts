import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../domain/clock.js';
import type { HttpExchange } from './destination-http-client.js';
import { IccamSession } from './iccam-session.js';

/** A session whose logins answer `body`, counting them. */
function sessionAnswering(body: Record<string, unknown>) {
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const calls: string[] = [];
  const exchange = (json: unknown): HttpExchange => ({ statusCode: 200, headers: {}, json, responseDigest: 'd', durationMs: 1 });
  let n = 0;
  const session = new IccamSession(
    async (path) => {
      calls.push(path);
      n += 1;
      return exchange({ bearerToken: `t${n}`, refreshToken: `r${n}`, ...body });
    },
    { username: 'u', password: 'p' },
    clock,
  );
  return { session, clock, calls };
}

describe('ICCAM session (contract §4, Login)', () => {
  it.each([
    ['missing', {}],
    ['non-numeric', { bearerTokenExpiresIn: 'soon' }],
    ['zero', { bearerTokenExpiresIn: 0 }],
  ])('a %s bearerTokenExpiresIn counts as 1800 s (as SCARt does): the token is kept until a minute before', async (_what, body) => {
    const { session, clock, calls } = sessionAnswering(body);
    expect(await session.token()).toBe('t1');
    clock.advance(1739_000);
    expect(await session.token()).toBe('t1');
    expect(calls).toEqual(['Authentication']);
    clock.advance(2_000);
    expect(await session.token()).toBe('t2');
    expect(calls).toEqual(['Authentication', 'Authentication/refresh']);
  });

  it('reads a number written as text, and prefers bearerTokenValidTo when it is there', async () => {
    const text = sessionAnswering({ bearerTokenExpiresIn: '600' });
    await text.session.token();
    text.clock.advance(541_000);
    await text.session.token();
    expect(text.calls).toEqual(['Authentication', 'Authentication/refresh']);

    const validTo = sessionAnswering({ bearerTokenExpiresIn: 60, bearerTokenValidTo: '2026-03-01T11:00:00Z' });
    await validTo.session.token();
    validTo.clock.advance(3_000_000);
    await validTo.session.token();
    expect(validTo.calls).toEqual(['Authentication']);
  });
});
