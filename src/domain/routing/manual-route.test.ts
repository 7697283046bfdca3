import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { policy } from './evidence-builder.test-helper.js';
import { manualRoute, type ManualRouteInput } from './manual-route.js';

const now = new Date('2026-11-29T11:00:00.000Z');
const base = { reason: 'Origin confirmed by the hosting provider', actor: 'supervisor-anna' };

describe('manualRoute', () => {
  it.each([
    {
      name: 'police without a country',
      input: { ...base, destination: 'police' as const },
      policy: policy(),
      expected: { destination: 'police', country: null, assignedCountry: null, targetHotline: null },
    },
    {
      name: 'police with a lower-case country',
      input: { ...base, destination: 'police' as const, country: 'pa' },
      policy: policy(),
      expected: { destination: 'police', country: 'PA', assignedCountry: null, targetHotline: null },
    },
    {
      name: 'inhope to a member country',
      input: { ...base, destination: 'inhope' as const, country: 'NL' },
      policy: policy(),
      expected: { destination: 'inhope', country: 'NL', assignedCountry: 'NL', targetHotline: 'Offlimits' },
    },
    {
      name: 'inhope orphan without a country when orphans are allowed',
      input: { ...base, destination: 'inhope' as const },
      policy: policy({ nonMemberRule: 'iccam-orphan' }),
      expected: { destination: 'inhope', country: null, assignedCountry: null, targetHotline: null },
    },
    {
      name: 'inhope orphan for a non-member country when orphans are allowed',
      input: { ...base, destination: 'inhope' as const, country: 'PA' },
      policy: policy({ nonMemberRule: 'iccam-orphan' }),
      expected: { destination: 'inhope', country: 'PA', assignedCountry: null, targetHotline: null },
    },
  ])('$name', ({ input, policy: p, expected }) => {
    const decision = manualRoute(input, p, now);
    expect(decision).toMatchObject({ ...expected, rule: 'manual-override', confidence: 1, reviewReasons: [] });
    expect(decision.reasons).toContain(base.reason);
    expect(decision.reasons.join(' ')).toContain('supervisor-anna');
    expect(decision.decidedAt).toBe(now.toISOString());
    expect(decision.dataVersions).toEqual({ policyAsOf: '2026-11-01', inhopeMembersAsOf: '2026-10-15' });
  });

  it.each<{ name: string; input: ManualRouteInput; field: string }>([
    { name: 'inhope without a country when orphans are not allowed', input: { ...base, destination: 'inhope' }, field: 'country' },
    { name: 'inhope to a non-member when orphans are not allowed', input: { ...base, destination: 'inhope', country: 'PA' }, field: 'country' },
    { name: 'inhope to the home country', input: { ...base, destination: 'inhope', country: 'BE' }, field: 'country' },
    { name: 'a country that is not ISO alpha-2', input: { ...base, destination: 'police', country: 'BEL' }, field: 'country' },
    { name: 'a region code as country', input: { ...base, destination: 'police', country: 'EU' }, field: 'country' },
    { name: 'a blank reason', input: { ...base, destination: 'police', reason: '  ' }, field: 'reason' },
    { name: 'no actor', input: { ...base, destination: 'police', actor: '' }, field: 'actor' },
    { name: 'an unknown destination', input: { ...base, destination: 'interpol' as 'police' }, field: 'destination' },
  ])('refuses $name', ({ input, field }) => {
    let thrown: unknown;
    try {
      manualRoute(input, policy(), now);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).code).toBe('validation_failed');
    expect((thrown as ValidationError).details).toEqual({ field });
  });

  it('refuses inhope to the home country even when orphans are allowed', () => {
    expect(() => manualRoute({ ...base, destination: 'inhope', country: 'BE' }, policy({ nonMemberRule: 'iccam-orphan' }), now)).toThrow(/home country/);
  });
});
