import { describe, expect, it } from 'vitest';
import { circuitInWords, scheduleInWords } from './overview-words.js';
import { stateInWords } from './state-words.js';
import { eventKindInWords, eventReasonInWords } from './timeline-words.js';
import { unicodeHostOf, withVisibleControls } from './visible-text.js';

const why = (reason: string | null) => eventReasonInWords({ reason });

describe('the console’s words', () => {
  it('writes the codes the service puts in reasons out, and leaves a person’s words alone', () => {
    expect(why('locate_failed')).toBe('Locating failed on every attempt: no hosting evidence could be gathered.');
    expect(why('rule home-country')).toBe('Decided: hosted in the home country, so to the federal police.');
    expect(why('retry later: server_error (503)')).toBe('Will try again later: a server error at the destination (HTTP 503).');
    expect(why('attempt 2: unknown')).toBe('Attempt 2: outcome unknown.');
    expect(why('attempts exhausted (max_attempts) after timeout')).toBe('Gave up: the number of attempts allowed ran out, after no answer in time.');
    expect(why('police poll: registered')).toBe('The police export said “registered” (when asked).');
    expect(why('inhope refused it: ICCAM refused the report (HTTP 400): urls[0].hostingIpAddress')).toBe(
      'ICCAM refused it for good: ICCAM refused the report (HTTP 400): urls[0].hostingIpAddress.',
    );
    expect(why('Origin confirmed with the CDN’s abuse desk')).toBe('Origin confirmed with the CDN’s abuse desk');
    expect(why('some_new_code')).toBe('Reason “some_new_code” (no description yet).');
    expect(why(null)).toBeNull();
    expect(eventKindInWords('duplicate_received')).toBe('the same URL was referred again');
    expect(eventKindInWords('brand_new_kind')).toBe('brand new kind');
  });

  it('names states, circuits and schedules in words', () => {
    expect(stateInWords('needs_review')).toBe('needs review');
    expect(stateInWords('a_state_from_tomorrow')).toBe('a state from tomorrow');
    expect(circuitInWords('closed')).toBe('working normally');
    expect(scheduleInWords('*/5 * * * * *')).toBe('Every 5 seconds');
    expect(scheduleInWords('0 6 * * *')).toBe('At 06:00');
    expect(scheduleInWords('not a schedule')).toBe('not a schedule');
    expect(scheduleInWords(null)).toBe('not scheduled here');
  });

  it('shows bidi controls instead of obeying them, and IDN hosts in Unicode', () => {
    expect(withVisibleControls('abc\u202Edef\u2066x\u2069')).toBe('abc[U+202E RLO]def[U+2066 LRI]x[U+2069 PDI]');
    expect(withVisibleControls('ordinary, and عربي')).toBe('ordinary, and عربي');
    expect(unicodeHostOf('https://xn--bcher-kva.example/x')).toBe('bücher.example');
    expect(unicodeHostOf('https://plain.example/x')).toBeNull();
    expect(unicodeHostOf('not a url')).toBeNull();
  });
});
