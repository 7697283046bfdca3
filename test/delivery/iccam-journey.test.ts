/**
 * ICCAM cases from referral to their end, against the strict ICCAM v3 stand-in (contract §4
 * `inhope`): the dispatcher creates, the follow-up polls by action name and corrects the
 * country assignment, unknown outcomes wait for a person, and a supervisor resolves them.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Composed } from '../../src/compose.js';
import type { IccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { followUpIccam } from '../../src/delivery/iccam-followup.js';
import type { HostingEvidence } from '../../src/domain/evidence.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { lookAgain } from '../../src/services/look-again.js';
import { submitReferral } from '../../src/services/intake.js';
import type { IccamStandin } from '../../scripts/sandbox/iccam-standin.js';
import { bearer, createTestService, type TestService } from '../support/test-service.js';
import { startStandinDestinations, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator } from '../support/table-locator.js';

/** The table locator, with `www.brand.test` a CNAME to a host in the Netherlands. */
class CnameLocator extends TableLocator {
  override async locate(url: string): Promise<HostingEvidence> {
    const host = new URL(url).hostname;
    if (host !== 'www.brand.test') return super.locate(url);
    const target = await super.locate(url.replace('www.brand.test', 'edge.nl-host.test'));
    return { ...target, url, host, dns: { ...target.dns, cnameChain: ['edge.nl-host.test'] } };
  }
}

let svc: TestService;
let iccam: IccamStandin;
let adapter: IccamAdapter;
let parts: Composed;
let destinations: StandinDestinations;
let locator: CnameLocator;

beforeEach(async () => {
  svc = await createTestService({ LEASE_MS: '60000' });
  destinations = await startStandinDestinations(svc.clock);
  iccam = destinations.iccam;
  locator = new CnameLocator({ 'nl-host.test': { geo: 'NL' }, 'edge.nl-host.test': { geo: 'NL' }, 'us-host.test': { geo: 'US' } });
  parts = await svc.recompose({ locator, adapters: destinations.adapters({ store: svc.ctx.store }) });
  adapter = parts.adapters.inhope as IccamAdapter;
  // Start-up: the lookup lists are read from ICCAM (Moved is only known from there).
  await adapter.refreshLookups(svc.clock.now().getTime());
});

afterEach(async () => {
  await destinations.close();
  await svc.close();
});

async function refer(reportId: string, hosts: string[], extra: { referredBy?: string } = {}) {
  const { handovers } = await submitReferral(
    svc.ctx,
    {
      reportId,
      urls: hosts.map((h) => ({ url: `https://${h}/x/${reportId}`, contentType: 'image' as const })),
      classification: { category: 'baseline', ageGroup: 'prepubescent', siteType: 'image-host' },
      ...extra,
    },
    'key:analyst-key',
  );
  await locatePending(svc.ctx, locator);
  return handovers.map((h) => h.id);
}

const handover = async (id: string) => (await svc.ctx.store.getHandover(id))!;
/** Dispatch until nothing is due (ICCAM takes one call at a time). */
async function dispatchAll() {
  for (let pass = 0; pass < 6; pass++) {
    const s = await parts.dispatcher.runOnce();
    if (s.claimed === 0) break;
  }
}
/** One follow-up pass, an hour later (the delivered cadence). */
async function followUp(afterMs = 3_600_001) {
  svc.clock.advance(afterMs);
  return followUpIccam(svc.ctx, adapter);
}

describe('an ICCAM case from referral to its end', () => {
  it('NL, a CNAME to an NL host, and a US-hosted case: delivered, acknowledged, then closed', async () => {
    const [nl, cname, us] = await refer('J1', ['nl-host.test', 'www.brand.test', 'us-host.test'], { referredBy: 'A. Analyst' });
    expect(await handover(cname!)).toMatchObject({ state: 'routed', destination: 'inhope', country: 'NL', assignedCountry: 'NL' });
    expect(await handover(us!)).toMatchObject({ state: 'routed', destination: 'inhope', country: 'US', assignedCountry: 'US' });
    await dispatchAll();
    for (const id of [nl, cname, us])
      expect(await handover(id!)).toMatchObject({
        state: 'delivered',
        reference: expect.stringMatching(/^\d+$/),
        secondaryReference: expect.stringMatching(/^\d+$/),
      });

    const state = iccam.snapshot();
    expect(state.reportsPerHotlineReference).toEqual({ [nl!]: 1, [cname!]: 1, [us!]: 1 });
    const sent = state.reports.find((r) => r.hotlineReference === us)!.body as {
      reportingAnalystName: string;
      urls: { hostingCountryCode: string; assessment: { assessingAnalystName: string } }[];
    };
    // ICCAM hears of the ICCAM user (ICCAM_ANALYST_NAME unset); the back office's analyst stays ours.
    expect(sent.reportingAnalystName).toBe('u');
    expect(sent.urls[0]!.assessment.assessingAnalystName).toBe('u');
    expect((await handover(us!)).referredBy).toBe('A. Analyst');
    expect(sent.urls[0]!.hostingCountryCode).toBe('US');
    // The attempt's hash is of the body ICCAM received.
    expect((await svc.ctx.store.listAttempts(us!))[0]!.requestHash).toMatch(/^[0-9a-f]{64}$/);

    await iccam.setProgression([
      { afterMs: 0, action: 'ReportedToLEA' },
      { afterMs: 2 * 3_600_000, action: 'Removed' },
    ]);
    expect(await followUp()).toMatchObject({ asked: 3, applied: 3 });
    for (const id of [nl, cname, us]) expect((await handover(id!)).state).toBe('acknowledged');
    // Acknowledged cases are asked every 6 h, not every hour.
    expect(await followUp()).toMatchObject({ asked: 0 });
    await followUp(6 * 3_600_000);
    for (const id of [nl, cname, us]) expect(await handover(id!)).toMatchObject({ state: 'closed', outcome: 'removed' });
    expect(iccam.snapshot().pacingViolations).toEqual([]);
  });

  it('every analyst name is ICCAM_ANALYST_NAME when it is set; the received date is the intake time', async () => {
    const named = await createTestService({ ICCAM_URL: iccam.url, ICCAM_USERNAME: 'u', ICCAM_PASSWORD: 'p', ICCAM_ANALYST_NAME: 'Child Focus analyst' });
    try {
      const composed = await named.recompose({ locator });
      const { handovers } = await submitReferral(
        named.ctx,
        {
          reportId: 'J2',
          urls: [{ url: 'https://nl-host.test/x/J2' }],
          classification: { category: 'baseline', ageGroup: 'unknown' },
          referredBy: 'A. Analyst',
        },
        'key:analyst-key',
      );
      await locatePending(named.ctx, locator);
      await composed.dispatcher.runOnce();
      const body = iccam.snapshot().reports.find((r) => r.hotlineReference === handovers[0]!.id)!.body as {
        reportingAnalystName: string;
        hotlineReceivedDate: string;
        urls: { assessment: { assessingAnalystName: string } }[];
      };
      expect(body.reportingAnalystName).toBe('Child Focus analyst');
      expect(body.urls[0]!.assessment.assessingAnalystName).toBe('Child Focus analyst');
      expect(body.hotlineReceivedDate).toBe(new Date(handovers[0]!.createdAt).toISOString());
    } finally {
      await named.close();
    }
  });

  it('moves a report ICCAM assigned to the home country though our evidence says NL: two PUTs in separate passes, each in the audit trail', async () => {
    await iccam.setCountryAssignment({ hostingCountryCode: 'NL', assignedCountryCode: 'BE' });
    const [id] = await refer('J3', ['nl-host.test']);
    await dispatchAll();
    // The first pass right after delivery: the hosting PUT; "not in correct state" is tried again a few minutes later.
    await iccam.failNext({ method: 'PUT', path: /url\/hosting$/, fault: 'not-in-correct-state' });
    expect(await followUp(0)).toMatchObject({ notInState: 1, hostingCorrected: 0 });
    expect(await followUp(1_000)).toMatchObject({ asked: 0 });
    expect(await followUp(5 * 60_000)).toMatchObject({ hostingCorrected: 1, countriesAssigned: 0 });
    expect(await followUp(1_000)).toMatchObject({ countriesAssigned: 1 });
    expect(iccam.snapshot().contents[0]!.corrections.map((c) => [c.kind, c.query.newCountryCode])).toEqual([
      ['hosting', 'NL'],
      ['assigned-country', 'NL'],
    ]);
    const kinds = (await svc.ctx.store.listAuditEvents(id!)).map((e) => e.kind);
    expect(kinds).toContain('iccam_hosting_corrected');
    expect(kinds).toContain('iccam_country_assigned');
    expect(kinds.indexOf('iccam_hosting_corrected')).toBeLessThan(kinds.indexOf('iccam_country_assigned'));
    // Assigned as we asked: nothing more to correct.
    expect(await followUp()).toMatchObject({ hostingCorrected: 0, countriesAssigned: 0 });
  });

  it('never moves back a report ICCAM assigned to another country: follows it, recorded, and counts it under that country', async () => {
    await iccam.setCountryAssignment({ hostingCountryCode: 'NL', assignedCountryCode: 'DE' });
    const [id] = await refer('J3b', ['nl-host.test']);
    await dispatchAll();
    expect(await followUp(0)).toMatchObject({ assignmentsFollowed: 1, hostingCorrected: 0 });
    expect(iccam.snapshot().contents[0]!.corrections).toEqual([]);
    expect(await handover(id!)).toMatchObject({ state: 'delivered', country: 'DE', assignedCountry: 'DE', iccamAssignment: 'followed' });
    expect((await svc.ctx.store.listAuditEvents(id!)).at(-1)).toMatchObject({
      kind: 'iccam_assignment_followed',
      data: expect.objectContaining({ assignedCountryCode: 'DE', previousCountry: 'NL' }),
    });
    expect(await followUp()).toMatchObject({ assignmentsFollowed: 0, hostingCorrected: 0 });
  });

  it('a reassignment ICCAM refuses goes to a person after 3 tries, not every pass for ever; resolving it follows the report again', async () => {
    await iccam.setCountryAssignment({ hostingCountryCode: 'NL', assignedCountryCode: 'BE' });
    const [id] = await refer('J3c', ['nl-host.test']);
    await dispatchAll();
    await iccam.failNext({ method: 'PUT', path: /url\/hosting$/, fault: 'bad-request', times: 10 });
    await followUp(0);
    expect(await handover(id!)).toMatchObject({ state: 'delivered', iccamAssignmentTries: 1 });
    expect(await followUp(1_000)).toMatchObject({ asked: 0 });
    await followUp(5 * 60_000);
    await followUp(5 * 60_000);
    expect(await handover(id!)).toMatchObject({ state: 'needs_review', failureReason: 'iccam_assignment_refused', iccamAssignmentTries: 3 });
    expect(iccam.snapshot().callLog.filter((c) => c.method === 'PUT')).toHaveLength(3);
    const reference = (await handover(id!)).reference!;
    const res = await request(svc.app())
      .post(`/v1/handovers/${id}/resolve`)
      .set('Authorization', bearer('supervisor'))
      .send({ reference, reason: 'reassigned by hand in ICCAM' });
    expect(res.status).toBe(200);
    expect(await handover(id!)).toMatchObject({
      state: 'delivered',
      reference,
      secondaryReference: expect.stringMatching(/^\d+$/),
      iccamAssignment: 'gave-up',
    });
    await followUp();
    expect(iccam.snapshot().callLog.filter((c) => c.method === 'PUT')).toHaveLength(3);
  });

  it('Moved closes the case as moved and opens a linked successor that is located again', async () => {
    const [id] = await refer('J4', ['nl-host.test']);
    await dispatchAll();
    await iccam.addAction(Number((await handover(id!)).secondaryReference), 'Moved');
    await followUp();
    expect(await handover(id!)).toMatchObject({ state: 'closed', outcome: 'moved' });
    const successors = (await svc.ctx.store.findHandovers({ states: ['locating'], limit: 10 })).filter((h) => h.parentId === id);
    expect(successors).toHaveLength(1);
    await locatePending(svc.ctx, locator);
    expect((await handover(successors[0]!.id)).state).toBe('routed');
  });

  it('NotIllegal fails the case with that reason', async () => {
    const [id] = await refer('J5', ['nl-host.test']);
    await dispatchAll();
    await iccam.addAction(Number((await handover(id!)).secondaryReference), 'NotIllegal');
    await followUp();
    expect(await handover(id!)).toMatchObject({ state: 'failed', outcome: 'not_illegal' });
  });
});

describe('failed creates end where the contract says', () => {
  it('refused before processing (503): routed again, and sent once when it works', async () => {
    const [id] = await refer('F1', ['nl-host.test']);
    await iccam.failNext({ method: 'POST', path: 'rest/Reports', fault: 'unavailable' });
    expect(await parts.dispatcher.runOnce()).toMatchObject({ retried: 1 });
    expect((await handover(id!)).state).toBe('routed');
    svc.clock.set((await handover(id!)).nextAttemptAt!);
    expect(await parts.dispatcher.runOnce()).toMatchObject({ delivered: 1 });
    expect(iccam.snapshot().reportsPerHotlineReference).toEqual({ [id!]: 1 });
  });

  it("refused (400): failed, with ICCAM's error codes", async () => {
    const [id] = await refer('F2', ['nl-host.test']);
    await iccam.failNext({ method: 'POST', path: 'rest/Reports', fault: 'bad-request' });
    expect(await parts.dispatcher.runOnce()).toMatchObject({ failed: 1 });
    expect(await handover(id!)).toMatchObject({ state: 'failed', failureReason: expect.stringContaining('Request') });
  });

  it('not yet in the right state: retried, then failed after 3 h', async () => {
    const [id] = await refer('F3', ['nl-host.test']);
    await iccam.failNext({ method: 'POST', path: 'rest/Reports', fault: 'not-in-correct-state', times: 1000 });
    for (let i = 0; i < 40 && (await handover(id!)).state === 'routed'; i++) {
      const h = await handover(id!);
      if (h.nextAttemptAt) svc.clock.set(Math.max(h.nextAttemptAt, svc.clock.now().getTime()));
      await parts.dispatcher.runOnce();
    }
    const h = await handover(id!);
    expect(h.state).toBe('failed');
    expect(svc.clock.now().getTime() - h.firstAttemptAt!).toBeGreaterThanOrEqual(3 * 3_600_000);
    expect(iccam.snapshot().reports).toHaveLength(0);
  });

  for (const fault of ['error-after-processing', 'drop-after-commit'] as const) {
    it(`outcome unknown (${fault}): needs_review with delivery_outcome_unknown, never posted again; a supervisor resolves it and it is acknowledged`, async () => {
      const [id] = await refer(`U-${fault}`, ['nl-host.test']);
      await iccam.failNext({ method: 'POST', path: 'rest/Reports', fault });
      expect(await parts.dispatcher.runOnce()).toMatchObject({ unknown: 1 });
      expect(await handover(id!)).toMatchObject({ state: 'needs_review', failureReason: 'delivery_outcome_unknown' });
      const audit = (await svc.ctx.store.listAuditEvents(id!)).at(-1)!;
      expect(audit).toMatchObject({
        fromState: 'delivering',
        toState: 'needs_review',
        data: expect.objectContaining({ reviewReason: 'delivery_outcome_unknown' }),
      });
      // Nothing sends it again on its own.
      svc.clock.advance(24 * 3_600_000);
      await dispatchAll();
      const stored = iccam.snapshot().reports;
      expect(stored.map((r) => r.hotlineReference)).toEqual([id]);

      const app = svc.app();
      const analyst = await request(app)
        .post(`/v1/handovers/${id}/resolve`)
        .set('Authorization', bearer('analyst'))
        .send({ reference: String(stored[0]!.reportId), reason: 'found in ICCAM' });
      expect(analyst.status).toBe(403);
      const res = await request(app)
        .post(`/v1/handovers/${id}/resolve`)
        .set('Authorization', bearer('supervisor'))
        .send({ reference: String(stored[0]!.reportId), reason: 'found it in ICCAM by our reference' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ state: 'delivered', reference: String(stored[0]!.reportId) });
      expect((await svc.ctx.store.listAuditEvents(id!)).at(-1)).toMatchObject({
        kind: 'resolved',
        actor: 'key:supervisor-key',
        fromState: 'needs_review',
        toState: 'delivered',
      });

      await iccam.setProgression([{ afterMs: 0, action: 'ReportedToLEA' }]);
      expect(await followUp(0)).toMatchObject({ contentIdsFound: 1, applied: 1 });
      expect(await handover(id!)).toMatchObject({ state: 'acknowledged', secondaryReference: String(stored[0]!.contentIds[0]) });
      expect(iccam.snapshot().reportsPerHotlineReference).toEqual({ [id!]: 1 });
    });
  }

  it('outcome unknown: route and look again are refused without resend (409 outcome_unknown), so ICCAM never holds two reports by a slip', async () => {
    const [id] = await refer('U-guard', ['nl-host.test']);
    await iccam.failNext({ method: 'POST', path: 'rest/Reports', fault: 'error-after-processing' });
    await dispatchAll();
    expect(await handover(id!)).toMatchObject({ state: 'needs_review', failureReason: 'delivery_outcome_unknown' });
    const app = svc.app();
    const route = (body: object) =>
      request(app)
        .post(`/v1/handovers/${id}/route`)
        .set('Authorization', bearer('supervisor'))
        .send({ destination: 'inhope', country: 'NL', reason: 'send it again', ...body });
    expect((await route({})).body.error.code).toBe('outcome_unknown');
    await expect(lookAgain(svc.ctx, id!, 'key:supervisor-key', 'look once more')).rejects.toMatchObject({ code: 'outcome_unknown', status: 409 });
    await dispatchAll();
    expect(iccam.snapshot().reportsPerHotlineReference).toEqual({ [id!]: 1 });
    expect(await handover(id!)).toMatchObject({ state: 'needs_review' });

    // The supervisor looked in ICCAM, found nothing (the stand-in lost it), and says so.
    expect((await route({ resend: true })).status).toBe(200);
    await dispatchAll();
    expect(iccam.snapshot().reportsPerHotlineReference).toEqual({ [id!]: 2 });
  });

  it('resolve refuses a handover whose outcome is not unknown (409), changing nothing', async () => {
    const [id] = await refer('R1', ['nl-host.test']);
    const app = svc.app();
    const res = await request(app).post(`/v1/handovers/${id}/resolve`).set('Authorization', bearer('supervisor')).send({ reference: '1', reason: 'a guess' });
    expect(res.status).toBe(409);
    expect((await handover(id!)).state).toBe('routed');
  });
});

describe('lookup lists and readiness', () => {
  it('a renamed lookup entry makes inhope not ready in /readyz, naming it; ICCAM deliveries wait', async () => {
    const app = svc.app();
    expect((await request(app).get('/readyz')).body.checks.inhope).toMatchObject({ ok: true, detail: { lookups: 'iccam' } });
    await iccam.renameLookup('gender-categories', 2, 'Girl');
    await adapter.refreshLookups(svc.clock.now().getTime());
    // Readiness is read at most once a second.
    svc.clock.advance(1_000);
    const ready = await request(app).get('/readyz');
    // The word, and what ICCAM lists instead: the name to add to config/iccam-names.json.
    expect(ready.body.checks.inhope).toMatchObject({
      ok: false,
      detail: { missing: ['gender-categories: female'], unmatched: { 'gender-categories': ['Girl'] } },
    });
    const [id] = await refer('L1', ['nl-host.test']);
    await parts.dispatcher.runOnce();
    expect((await handover(id!)).state).toBe('routed');
    expect(iccam.snapshot().reports).toHaveLength(0);
  });

  it('keeps the lists in the store: another replica reads them from there', async () => {
    await iccam.renameLookup('site-types', 20, 'Picture host');
    await adapter.refreshLookups(svc.clock.now().getTime());
    const other = destinations.adapters({ store: svc.ctx.store }).inhope as IccamAdapter;
    expect(other.vocabulary.missing).toEqual([]);
    await other.vocabulary.load();
    expect(other.vocabulary.missing).toEqual(['site-types: image-host']);
  });
});
