import { describe, expect, it } from 'vitest';
import { normaliseEvidenceOutcomes, type HostingEvidence } from './evidence.js';
import { address, evidence } from './routing/evidence-builder.test-helper.js';

/** Evidence as a row stored before the outcome words became snake_case holds it. */
function storedWithOldWords(dns: string, registry: string[]): HostingEvidence {
  const fresh = evidence({ addresses: registry.map(() => address({ registryOutcome: 'timeout' })) });
  return JSON.parse(
    JSON.stringify({
      ...fresh,
      dns: { ...fresh.dns, outcome: dns },
      addresses: fresh.addresses.map((a, i) => ({ ...a, registry: { ...a.registry, outcome: registry[i] } })),
    }),
  ) as HostingEvidence;
}

describe('normaliseEvidenceOutcomes', () => {
  it('reads the kebab-case outcome words of old rows as today’s snake_case ones', () => {
    const read = normaliseEvidenceOutcomes(storedWithOldWords('bad-name', ['rate-limited', 'not-found', 'ok']));
    expect(read.dns.outcome).toBe('bad_name');
    expect(read.addresses.map((a) => a.registry.outcome)).toEqual(['rate_limited', 'not_found', 'ok']);
    expect(normaliseEvidenceOutcomes(storedWithOldWords('not-applicable', [])).dns.outcome).toBe('not_applicable');
  });

  it('leaves evidence in today’s words as it is, and never changes what it was given', () => {
    const current = storedWithOldWords('nxdomain', ['rate_limited']);
    expect(normaliseEvidenceOutcomes(current)).toBe(current);
    const old = storedWithOldWords('ok', ['rate-limited']);
    normaliseEvidenceOutcomes(old);
    expect(old.addresses[0]!.registry.outcome).toBe('rate-limited');
  });
});
