import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SetupError } from '../domain/errors.js';
import { isInhopeMember, loadRoutingPolicy, memberHotline } from './routing-policy-file.js';

const validPolicy = { asOf: '2026-11-01', homeCountry: 'BE', nonMemberRule: 'police', disagreement: 'review', hotlineId: 'BE-ChildFocus' };
const validMembers = { asOf: '2026-10-15', source: 'test', hotlines: { BE: 'Child Focus', NL: 'Offlimits' } };

const dirs: string[] = [];
/** `null` leaves the file out. */
function configDir(policyFile: unknown, membersFile: unknown = validMembers): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'routing-policy-'));
  dirs.push(dir);
  const write = (name: string, content: unknown) => writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  if (policyFile !== null) write('routing-policy.json', policyFile);
  if (membersFile !== null) write('inhope-members.json', membersFile);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadRoutingPolicy', () => {
  it('loads the shipped config/ files', () => {
    const policy = loadRoutingPolicy('config');
    expect(policy).toMatchObject({ homeCountry: 'BE', nonMemberRule: 'police', disagreement: 'review', hotlineId: 'BE-ChildFocus' });
    expect(Object.keys(policy.inhopeMembers.hotlines).length).toBeGreaterThanOrEqual(40);
    expect(memberHotline(policy, 'nl')).toMatch(/Offlimits/);
    expect(isInhopeMember(policy, 'US')).toBe(true);
    expect(isInhopeMember(policy, 'BE')).toBe(true);
    expect(isInhopeMember(policy, 'PA')).toBe(false);
    expect(policy.inhopeMembers.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('returns a deeply frozen policy', () => {
    const policy = loadRoutingPolicy(configDir(validPolicy));
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.inhopeMembers.hotlines)).toBe(true);
    expect(() => {
      (policy.inhopeMembers.hotlines as Record<string, string>).PA = 'nobody';
    }).toThrow(TypeError);
  });

  it('lets HOME_COUNTRY override the file, normalised', () => {
    expect(loadRoutingPolicy(configDir(validPolicy), { homeCountry: 'nl' }).homeCountry).toBe('NL');
    expect(() => loadRoutingPolicy(configDir(validPolicy), { homeCountry: 'Belgium' })).toThrow(/homeCountry override/);
  });

  it('defaults disagreement to review', () => {
    const { disagreement: _omitted, ...withoutDisagreement } = validPolicy;
    expect(loadRoutingPolicy(configDir(withoutDisagreement)).disagreement).toBe('review');
  });

  it('does not treat inherited object keys as members', () => {
    const policy = loadRoutingPolicy(configDir(validPolicy));
    expect(isInhopeMember(policy, 'constructor')).toBe(false);
    expect(memberHotline(policy, '__proto__')).toBeNull();
  });

  it.each([
    { name: 'an unknown nonMemberRule', policy: { ...validPolicy, nonMemberRule: 'interpol' }, file: 'routing-policy.json', field: 'nonMemberRule' },
    { name: 'a lower-case homeCountry', policy: { ...validPolicy, homeCountry: 'be' }, file: 'routing-policy.json', field: 'homeCountry' },
    { name: 'an unknown disagreement', policy: { ...validPolicy, disagreement: 'majority' }, file: 'routing-policy.json', field: 'disagreement' },
    { name: 'a misspelt field', policy: { ...validPolicy, homeCounty: 'BE' }, file: 'routing-policy.json', field: 'homeCounty' },
    { name: 'an empty hotlineId', policy: { ...validPolicy, hotlineId: ' ' }, file: 'routing-policy.json', field: 'hotlineId' },
    { name: 'a bad asOf date', policy: { ...validPolicy, asOf: 'last week' }, file: 'routing-policy.json', field: 'asOf' },
    {
      name: 'a member key that is not a country code',
      members: { ...validMembers, hotlines: { Netherlands: 'Offlimits' } },
      file: 'inhope-members.json',
      field: 'hotlines',
    },
    { name: 'an empty hotline name', members: { ...validMembers, hotlines: { NL: '' } }, file: 'inhope-members.json', field: 'hotlines.NL' },
    { name: 'a toCheck entry not in the list', members: { ...validMembers, toCheck: ['FR'] }, file: 'inhope-members.json', field: 'toCheck.0' },
    { name: 'a missing source', members: { asOf: '2026-01-01', hotlines: {} }, file: 'inhope-members.json', field: 'source' },
  ])('names the file and field for $name', ({ policy, members, file, field }) => {
    const dir = configDir(policy ?? validPolicy, members ?? validMembers);
    let thrown: unknown;
    try {
      loadRoutingPolicy(dir);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SetupError);
    const message = (thrown as Error).message;
    expect(message).toContain(path.join(dir, file));
    expect(message).toContain(field);
    expect((thrown as SetupError).code).toBe('routing_policy_invalid');
  });

  it('names a file that is not JSON', () => {
    const dir = configDir('{ "homeCountry": ');
    expect(() => loadRoutingPolicy(dir)).toThrow(`${path.join(dir, 'routing-policy.json')}: is not valid JSON`);
  });

  it('names a file that is missing', () => {
    const dir = configDir(validPolicy, null);
    expect(() => loadRoutingPolicy(dir)).toThrow(`${path.join(dir, 'inhope-members.json')}: cannot be read`);
  });
});
