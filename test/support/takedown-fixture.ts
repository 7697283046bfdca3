/**
 * A hand-computed fixture for the takedown clock, written through the store: eleven referrals
 * with known times (the clock starts at each referral), seen from NOW, ten days after T0. The
 * expected figures are worked out by hand in the tests that use it (nearest-rank percentiles:
 * the value at rank ceil(p/100 × n) of the sorted durations; shares of `referred`).
 *
 *   name  dest    country asn   referred  delivered  acknowledged  down     end
 *   P1    police  BE      2611  T0        +10 min    +1 h          +20 h    closed removed
 *   D1    (duplicate of P1's URL, referred T0 + 2 h)
 *   P2    police  BE      2611  T0        +20 min    +2 h          +50 h    closed removed
 *   P3    police  BE      2611  T0        +30 min    +3 h          +100 h   closed removed
 *   P4    police  BE      2611  T0        +40 min    +4 h          —        acknowledged (open)
 *   P5    —       —       —     T0        —          —             —        needs_review (open)
 *   I1    inhope  NL      1136  T0        +1 h       +10 h         +30 h    closed unavailable
 *   I2    inhope  NL      1136  T0        +2 h       +20 h         —        closed (no removal time)
 *   I3    inhope  DE      3320  T0 + 1 d  +3 h       —             —        delivered (open)
 *   I4    inhope  DE      3320  T0        —          —             —        failed
 *   X1    police  BE      2611  T0 − 40 d +1 h       +2 h          +5 h     closed removed
 */
import { randomUUID } from 'node:crypto';
import type { Destination } from '../../src/domain/decision.js';
import type { HostingEvidence } from '../../src/domain/evidence.js';
import type { HandoverState } from '../../src/domain/handover-states.js';
import type { HandoverPatch, Store } from '../../src/store/store.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** 2026-03-01 (a Sunday: its ISO week began on Monday 23 February). */
export const T0 = Date.parse('2026-03-01T00:00:00Z');
export const NOW = T0 + 10 * DAY;
/** The default TAKEDOWN_TARGETS: 24h, 60h, 7d. */
export const MARKS_MS = [24 * HOUR, 60 * HOUR, 7 * DAY] as const;

const COUNTRY_ASN: Record<string, number> = { BE: 2611, NL: 1136, DE: 3320 };

/** Just what the hosting network is read from: the first publicly routable address's ASN. */
function evidenceIn(country: string): HostingEvidence {
  return { addresses: [{ address: '192.0.2.1', publiclyRoutable: true, geo: { country, asn: COUNTRY_ASN[country] ?? null } }] } as unknown as HostingEvidence;
}

interface Seed {
  name: string;
  referredAt: number;
  destination?: Destination;
  country?: string;
  delivered?: number;
  acknowledged?: number;
  down?: { after: number; outcome: 'removed' | 'unavailable' };
  end?: 'closed' | 'needs_review' | 'failed';
}

const SEEDS: Seed[] = [
  { name: 'P1', referredAt: T0, destination: 'police', country: 'BE', delivered: 10 * MIN, acknowledged: HOUR, down: { after: 20 * HOUR, outcome: 'removed' } },
  {
    name: 'P2',
    referredAt: T0,
    destination: 'police',
    country: 'BE',
    delivered: 20 * MIN,
    acknowledged: 2 * HOUR,
    down: { after: 50 * HOUR, outcome: 'removed' },
  },
  {
    name: 'P3',
    referredAt: T0,
    destination: 'police',
    country: 'BE',
    delivered: 30 * MIN,
    acknowledged: 3 * HOUR,
    down: { after: 100 * HOUR, outcome: 'removed' },
  },
  { name: 'P4', referredAt: T0, destination: 'police', country: 'BE', delivered: 40 * MIN, acknowledged: 4 * HOUR },
  { name: 'P5', referredAt: T0, end: 'needs_review' },
  {
    name: 'I1',
    referredAt: T0,
    destination: 'inhope',
    country: 'NL',
    delivered: HOUR,
    acknowledged: 10 * HOUR,
    down: { after: 30 * HOUR, outcome: 'unavailable' },
  },
  { name: 'I2', referredAt: T0, destination: 'inhope', country: 'NL', delivered: 2 * HOUR, acknowledged: 20 * HOUR, end: 'closed' },
  { name: 'I3', referredAt: T0 + DAY, destination: 'inhope', country: 'DE', delivered: 3 * HOUR },
  { name: 'I4', referredAt: T0, destination: 'inhope', country: 'DE', end: 'failed' },
  {
    name: 'X1',
    referredAt: T0 - 40 * DAY,
    destination: 'police',
    country: 'BE',
    delivered: HOUR,
    acknowledged: 2 * HOUR,
    down: { after: 5 * HOUR, outcome: 'removed' },
  },
];

const urlOf = (name: string) => `https://${name.toLowerCase()}.clock.test/item`;

async function refer(store: Store, name: string, url: string, at: number): Promise<string> {
  const handoverId = randomUUID();
  await store.createReferral(
    {
      id: randomUUID(),
      reportId: `CLOCK-${name}`,
      bodyHash: name,
      classification: { category: 'baseline', ageGroup: 'unknown' },
      reportedAt: null,
      urls: [{ handoverId, url, contentType: 'image' }],
    },
    'key:test',
    at,
  );
  return handoverId;
}

/** Seeds the fixture; returns the handover id of each name. */
export async function seedTakedownFixture(store: Store): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const s of SEEDS) {
    const id = await refer(store, s.name, urlOf(s.name), s.referredAt);
    ids[s.name] = id;
    // The duplicate is referred while P1 still carries the URL.
    if (s.name === 'P1') ids.D1 = await refer(store, 'D1', urlOf('P1'), T0 + 2 * HOUR);
    const go = (to: HandoverState, at: number, set: HandoverPatch = {}) =>
      store.transition(id, { to, actor: 'system:fixture', reason: 'fixture', set, now: at });
    const at = (after: number) => s.referredAt + after;
    if (s.end === 'needs_review') {
      await go('needs_review', at(MIN));
      continue;
    }
    await go('routed', at(MIN), {
      destination: s.destination!,
      country: s.country!,
      assignedCountry: s.destination === 'inhope' ? s.country! : null,
      evidence: evidenceIn(s.country!),
    });
    await go('delivering', at(2 * MIN));
    if (s.end === 'failed') {
      await go('failed', at(3 * MIN), { failureReason: 'fixture' });
      continue;
    }
    await go('delivered', at(s.delivered!), { deliveredAt: at(s.delivered!), reference: `REF-${s.name}` });
    if (s.acknowledged !== undefined) await go('acknowledged', at(s.acknowledged), { acknowledgedAt: at(s.acknowledged) });
    if (s.down) await go('closed', at(s.down.after), { closedAt: at(s.down.after), outcome: s.down.outcome, contentRemovedAt: at(s.down.after) });
    else if (s.end === 'closed') await go('closed', at(30 * HOUR), { closedAt: at(30 * HOUR), outcome: 'closed' });
  }
  return ids;
}
