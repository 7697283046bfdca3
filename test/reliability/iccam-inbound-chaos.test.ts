/**
 * Inbound under chaos: two dozen partner items against an ICCAM stand-in that fails 30 % of its
 * calls — 503 and 429 before anything happens, and answers lost after it did (the connection
 * dropped, or a 500). Whatever ICCAM drops, nothing is lost and nothing is sent twice: every item
 * becomes one handover whose id ICCAM holds, every action reaches ICCAM exactly once (ICCAM
 * refusing none as a repeat), the assessment once, and no call breaks the pacing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Composed } from '../../src/compose.js';
import { pollAcknowledgements } from '../../src/delivery/ack-poller.js';
import type { IccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { importFromIccam } from '../../src/delivery/iccam-import.js';
import { tellIccam } from '../../src/delivery/iccam-tell.js';
import { reapExpiredLeases } from '../../src/delivery/lease-reaper.js';
import { HANDOVER_STATES } from '../../src/domain/handover-states.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { assessPartnerItem } from '../../src/services/assess-partner-item.js';
import { CLASSIFICATION_IDS, type IccamInboundReport, type IccamStandin } from '../../scripts/sandbox/iccam-standin.js';
import { startStandinDestinations, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator, type HostAnswer } from '../support/table-locator.js';
import { createTestService, type TestService } from '../support/test-service.js';

const ITEMS = 24;
const host = (i: number) => `p${i}.partner-chaos.example`;
/** Every sixth item is hosted in the Netherlands now: sent on; the rest are hosted here. */
const movedOn = (i: number) => i % 6 === 5;
/** Odd items are National (an analyst assesses them), even ones Baseline. */
const national = (i: number) => i % 2 === 1;
/** Of the National ones, every other is found not illegal (a third of those not found). */
const notIllegal = (i: number) => national(i) && i % 4 === 3;

function partnerReports(): IccamInboundReport[] {
  return Array.from({ length: ITEMS / 2 }, (_, r) => ({
    reportId: 31_000 + r,
    reportingHotlineId: 20 + (r % 5),
    reportingAnalystName: 'Partner Analyst',
    hotlineReference: `P-${r}`,
    hotlineReceivedDate: '2026-02-28T08:00:00Z',
    sourceUrlSiteType: 20,
    contents: [0, 1].map((k) => {
      const i = 2 * r + k;
      return {
        contentId: 710_000 + i,
        urlString: `https://${host(i)}/c/${i}.jpg`,
        isSourceUrl: k === 0,
        hostingCountryCode: 'BE',
        hostingIpAddress: '193.190.198.10',
        assignedAgoMs: (ITEMS - i) * 60_000,
        assessments: [
          {
            assessingAnalystName: 'Partner Analyst',
            classification: national(i) ? CLASSIFICATION_IDS.national : CLASSIFICATION_IDS.baseline,
            ageCategorization: 3,
            genderCategorization: 1,
          },
        ],
      };
    }),
  }));
}

let svc: TestService;
let destinations: StandinDestinations;
let iccam: IccamStandin;
let parts: Composed;
let adapter: IccamAdapter;

beforeEach(async () => {
  svc = await createTestService({ RETRY_BASE_MS: '1000' });
  destinations = await startStandinDestinations(svc.clock, { iccam: { inbound: partnerReports(), retryAfterSeconds: 0, seed: 17 }, timeoutMs: 300 });
  iccam = destinations.iccam;
  const table: Record<string, HostAnswer> = {};
  for (let i = 0; i < ITEMS; i++) table[host(i)] = { geo: movedOn(i) ? 'NL' : 'BE' };
  parts = await svc.recompose({ locator: new TableLocator(table), adapters: destinations.adapters({ store: svc.ctx.store }) });
  adapter = parts.adapters.inhope as IccamAdapter;
  await adapter.refreshLookups(svc.clock.now().getTime());
  await iccam.setChaos({ probability: 0.3, seed: 23, faults: ['unavailable', 'rate-limited', 'drop-after-commit', 'error-after-processing'] });
});

afterEach(async () => {
  await destinations.close();
  await svc.close();
});

describe('ICCAM inbound under 30 % faults', () => {
  it('nothing lost, nothing sent twice, no pacing violation', async () => {
    const store = svc.ctx.store;
    const all = () => store.findHandovers({ states: HANDOVER_STATES, limit: 1_000 });
    const contentOf = (h: { inboundContentId: string | null }) => Number(h.inboundContentId) - 710_000;
    let told = 0;
    for (let round = 0; round < 150; round++) {
      await importFromIccam(svc.ctx, adapter);
      told += (await tellIccam(svc.ctx, adapter)).told;
      for (const h of await store.findHandovers({ states: ['awaiting_assessment'], limit: 100 })) {
        const i = contentOf(h);
        const verdict = notIllegal(i)
          ? { illegal: false as const, reason: i % 12 === 3 ? ('not_found' as const) : ('below_threshold' as const) }
          : { illegal: true as const, classification: { category: 'national' as const, ageGroup: 'prepubescent' as const } };
        await assessPartnerItem(svc.ctx, h.id, verdict, 'key:analyst-key');
      }
      await locatePending(svc.ctx, parts.locator);
      await parts.dispatcher.runOnce();
      await reapExpiredLeases(svc.ctx);
      await pollAcknowledgements(svc.ctx, parts.adapters, { intervalMs: 0 });
      // Reported to the police and told so: the content is then observed gone (removed or unavailable).
      for (const h of await store.findHandovers({ states: ['acknowledged'], limit: 100 })) {
        if (!h.iccamTold?.actions?.ReportedToLEA) continue;
        const now = svc.clock.now().getTime();
        await store.transition(h.id, {
          to: 'closed',
          actor: 'system:test',
          reason: 'observed',
          set: { outcome: contentOf(h) % 3 === 0 ? 'unavailable' : 'removed', closedAt: now },
          now,
        });
      }
      svc.clock.advance(5 * 60_000);
      const items = (await all()).filter((h) => h.inboundContentId);
      if (items.length === ITEMS && items.every((h) => h.inboundDoneAt !== null)) break;
    }

    const items = (await all()).filter((h) => h.inboundContentId);
    // Nothing lost: every item taken in once, and owed nothing more.
    expect(items).toHaveLength(ITEMS);
    expect(new Set(items.map((h) => h.inboundContentId)).size).toBe(ITEMS);
    for (const h of items) expect(h.inboundDoneAt, `item ${h.inboundContentId} (${h.state})`).not.toBeNull();

    const state = iccam.snapshot();
    const content = (i: number) => state.contents.find((c) => c.contentId === 710_000 + i)!;
    for (const h of items) {
      const i = contentOf(h);
      const c = content(i);
      expect(c.hotlineReference).toBe(h.id);
      const actions = c.actions.map((a) => a.actionName).sort();
      // Nothing sent twice: one action of each kind, exactly what the item came to.
      const expected = notIllegal(i)
        ? [i % 12 === 3 ? 'Unavailable' : 'NotIllegal']
        : movedOn(i)
          ? []
          : ['ReportedToLEA', i % 3 === 0 ? 'Unavailable' : 'Removed'].sort();
      expect(actions, `item ${i}`).toEqual(expected);
      if (national(i) && !notIllegal(i))
        expect(
          c.assessments.filter((a) => a.assessingAnalystName === 'u'),
          `item ${i}`,
        ).toHaveLength(1);
      if (movedOn(i) && !notIllegal(i)) expect(c.assignedCountryCode).toBe('NL');
    }
    // ICCAM refused nothing as a repeat, and nothing came too close.
    expect(state.callLog.filter((call) => call.status === 400)).toEqual([]);
    expect(state.pacingViolations).toEqual([]);
    // The chaos did drop answers after ICCAM acted, and refused calls before it did.
    expect(state.faultsServed['drop-after-commit'] ?? 0).toBeGreaterThan(0);
    expect((state.faultsServed.unavailable ?? 0) + (state.faultsServed['rate-limited'] ?? 0)).toBeGreaterThan(0);
    expect(told).toBeGreaterThan(ITEMS);
    expect(state.reports.filter((r) => !r.inbound)).toEqual([]);
    expect((await store.verifyAudit()).ok).toBe(true);
  }, 240_000);
});
