/**
 * What partner hotlines hand to Belgium through ICCAM, taken in and reported back (contract §4
 * Inbound), against the strict stand-in holding four items assigned to BE: record first, then
 * claim; ICCAM's Baseline goes straight to locating, the rest waits for a Belgian analyst; the
 * assessment, ReportedToLEA, Removed, Unavailable and NotIllegal each told exactly once, checked
 * against the content first; an item hosted in another member country sent on by reassignment.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Composed } from '../../src/compose.js';
import type { IccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { iccamImportCommand } from '../../src/cli/commands/iccam-import.js';
import { importFromIccam } from '../../src/delivery/iccam-import.js';
import { tellIccam } from '../../src/delivery/iccam-tell.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { submitReferral } from '../../src/services/intake.js';
import type { HandoverRecord } from '../../src/store/store.js';
import type { IccamStandin } from '../../scripts/sandbox/iccam-standin.js';
import { startStandinDestinations, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator } from '../support/table-locator.js';
import { bearer, createTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
let destinations: StandinDestinations;
let iccam: IccamStandin;
let adapter: IccamAdapter;
let parts: Composed;
let locator: TableLocator;

beforeEach(async () => {
  svc = await createTestService();
  destinations = await startStandinDestinations(svc.clock, { iccam: { inbound: true } });
  iccam = destinations.iccam;
  locator = new TableLocator({
    'img.partner-one.example': { geo: 'BE' },
    'forum.partner-two.example': { geo: 'BE' },
    // Moved since the partner looked: now in the Netherlands, whose hotline takes it over.
    'moved.partner-three.example': { geo: 'NL' },
  });
  parts = await svc.recompose({ locator, adapters: destinations.adapters({ store: svc.ctx.store }) });
  adapter = parts.adapters.inhope as IccamAdapter;
  await adapter.refreshLookups(svc.clock.now().getTime());
});

afterEach(async () => {
  await destinations.close();
  await svc.close();
});

const store = () => svc.ctx.store;
const byContent = async (contentId: number): Promise<HandoverRecord> => {
  const all = await store().findHandovers({
    states: ['awaiting_assessment', 'locating', 'routed', 'delivered', 'acknowledged', 'closed', 'duplicate', 'needs_review'],
    limit: 100,
  });
  return all.find((h) => h.inboundContentId === String(contentId))!;
};
const content = (contentId: number) => iccam.snapshot().contents.find((c) => c.contentId === contentId)!;
const calls = (method: string, pattern: RegExp) => iccam.snapshot().callLog.filter((c) => c.method === method && pattern.test(c.path)).length;
const pass = async () => ({ ...(await importFromIccam(svc.ctx, adapter)), ...(await tellIccam(svc.ctx, adapter)) });

describe('taking in what partners hand to Belgium', () => {
  it('records each item once as a handover whose id ICCAM then holds as our reference; Baseline is located, the rest awaits assessment', async () => {
    expect(await pass()).toMatchObject({ listed: 4, recorded: 4, told: 4 });
    const items = await Promise.all([700001, 700002, 700003, 700004].map(byContent));
    expect(items.map((h) => h.state)).toEqual(['locating', 'awaiting_assessment', 'awaiting_assessment', 'locating']);
    for (const [i, h] of items.entries()) expect(content([700001, 700002, 700003, 700004][i]!).hotlineReference).toBe(h.id);
    // The sibling ICCAM assigned to FR is not ours: not listed, not touched.
    expect(content(700005)).toMatchObject({ hotlineReference: null, actions: [], referencePuts: [] });

    const referral = (await store().getReferralByReportId('iccam:30001'))!;
    expect(referral.referral).toMatchObject({ source: 'iccam', partnerHotline: '21', reportedAt: Date.parse('2026-02-27T08:15:00Z') });
    expect(referral.referral.countryAssignmentDate).toBe(Date.parse(content(700001).countryAssignmentDate!));
    expect(referral.handovers.map((h) => h.inboundContentId)).toEqual(['700001', '700002']);
    expect(items[0]).toMatchObject({
      source: 'iccam',
      partnerHotline: '21',
      classification: { category: 'baseline', ageGroup: 'prepubescent', gender: 'female' },
    });
    // ICCAM's last assessment counts: 700003 was Baseline, then National.
    expect(items[2]!.partnerAssessment).toMatchObject({ classification: 'national', classificationName: 'National CSAM' });
    expect((await store().listAuditEvents(items[0]!.id)).map((e) => e.kind)).toEqual(['intake', 'iccam_reference_set']);

    // Again: nothing new is recorded, nothing sent twice.
    expect(await pass()).toMatchObject({ listed: 0, recorded: 0, told: 0 });
    expect(calls('PUT', /hotline-reference$/)).toBe(4);
  });

  it('a crash between record and claim is harmless: the next import finds the items recorded and only sends the references', async () => {
    // Recorded, not yet claimed (the process died before the PUTs).
    expect(await importFromIccam(svc.ctx, adapter)).toMatchObject({ recorded: 4 });
    // The next import lists them again (a window reaching back before them): recorded already, nothing new.
    await store().saveIccamImportMark(svc.clock.now().getTime() - 10 * 3_600_000);
    expect(await importFromIccam(svc.ctx, adapter)).toMatchObject({ listed: 4, recorded: 0 });
    // Whatever the window, an item recorded and not claimed gets its reference: the claim is the first thing it owes ICCAM.
    expect(await importFromIccam(svc.ctx, adapter)).toMatchObject({ listed: 0 });
    expect(await tellIccam(svc.ctx, adapter)).toMatchObject({ told: 4 });
    expect(await pass()).toMatchObject({ listed: 0, recorded: 0, told: 0 });
    expect(calls('PUT', /hotline-reference$/)).toBe(4);
    expect(await store().findHandovers({ states: ['awaiting_assessment', 'locating'], limit: 10 })).toHaveLength(4);
  });

  it('locates a partner item only once ICCAM holds our reference: nothing it leads to comes before the claim', async () => {
    await importFromIccam(svc.ctx, adapter);
    expect(await locatePending(svc.ctx, locator)).toMatchObject({ routed: 0 });
    expect((await byContent(700004)).state).toBe('locating');
    await tellIccam(svc.ctx, adapter);
    expect(await locatePending(svc.ctx, locator)).toMatchObject({ routed: 2 });
  });

  it('a back-office referral of a URL a partner item carries is a duplicate of it', async () => {
    await pass();
    const partner = await byContent(700002);
    const { handovers } = await submitReferral(
      svc.ctx,
      { reportId: 'CF-1', urls: [{ url: 'https://img.partner-one.example/a/2.jpg' }], classification: { category: 'national', ageGroup: 'pubescent' } },
      'key:analyst-key',
    );
    expect(handovers[0]).toMatchObject({ state: 'duplicate', duplicateOf: partner.id });
  });
});

describe('assessment and what ICCAM is told', () => {
  it('illegal here: the National assessment is overruled in ICCAM, then located; not illegal here: NotIllegal with its reason, closed', async () => {
    await pass();
    const national = await byContent(700002);
    const app = svc.app();
    const illegal = await request(app)
      .post(`/v1/handovers/${national.id}/assessment`)
      .set('Authorization', bearer('analyst'))
      .send({ illegal: true, classification: { category: 'national', ageGroup: 'pubescent', gender: 'male' } });
    expect(illegal.status).toBe(200);
    expect(illegal.body).toMatchObject({ state: 'locating' });
    const other = await byContent(700003);
    const notIllegal = await request(app)
      .post(`/v1/handovers/${other.id}/assessment`)
      .set('Authorization', bearer('analyst'))
      .send({ illegal: false, reason: 'age_over_threshold', note: 'Adults by Belgian law' });
    expect(notIllegal.body).toMatchObject({ state: 'closed', outcome: 'not_illegal' });

    expect(await tellIccam(svc.ctx, adapter)).toMatchObject({ told: 2 });
    expect(content(700002).assessments.at(-1)).toMatchObject({ assessingAnalystName: 'u', classification: 2, ageCategorization: 4, genderCategorization: 3 });
    expect(content(700003).actions).toEqual([
      expect.objectContaining({ actionName: 'NotIllegal', analystName: 'u', reasonId: 21, reasonText: 'Adults by Belgian law' }),
    ]);
    expect((await byContent(700003)).inboundDoneAt).toBeNull();
    // Nothing more is owed for 700003: settled, never told again.
    await tellIccam(svc.ctx, adapter);
    expect((await byContent(700003)).inboundDoneAt).not.toBeNull();
    expect(await tellIccam(svc.ctx, adapter)).toMatchObject({ told: 0, items: 3 });
    expect(calls('POST', /actions$/)).toBe(1);
  });

  it('not found: told as Unavailable with reason 2, not as NotIllegal', async () => {
    await pass();
    const h = await byContent(700003);
    const res = await request(svc.app())
      .post(`/v1/handovers/${h.id}/assessment`)
      .set('Authorization', bearer('service'))
      .send({ illegal: false, reason: 'not_found' });
    expect(res.status).toBe(200);
    await tellIccam(svc.ctx, adapter);
    expect(content(700003).actions).toEqual([expect.objectContaining({ actionName: 'Unavailable', reasonId: 2 })]);
  });

  it('refuses an assessment of anything not awaiting one (409), and a body that is neither verdict (400), changing nothing', async () => {
    await pass();
    const app = svc.app();
    const baseline = await byContent(700001);
    expect(
      (await request(app).post(`/v1/handovers/${baseline.id}/assessment`).set('Authorization', bearer('analyst')).send({ illegal: false, reason: 'adult' }))
        .status,
    ).toBe(409);
    const waiting = await byContent(700002);
    expect(
      (await request(app).post(`/v1/handovers/${waiting.id}/assessment`).set('Authorization', bearer('analyst')).send({ illegal: false, reason: 'boring' }))
        .status,
    ).toBe(400);
    expect((await request(app).post(`/v1/handovers/${waiting.id}/assessment`).set('Authorization', bearer('analyst')).send({ illegal: true })).status).toBe(
      400,
    );
    expect((await byContent(700002)).state).toBe('awaiting_assessment');
  });

  it('hosted here: to the police; ReportedToLEA once the export accepted it, Removed once it is closed as removed — each once', async () => {
    await pass();
    await locatePending(svc.ctx, locator);
    const item = await byContent(700001);
    expect(item).toMatchObject({ state: 'routed', destination: 'police', country: 'BE' });
    await parts.dispatcher.runOnce();
    expect((await byContent(700001)).state).toBe('delivered');
    expect(await tellIccam(svc.ctx, adapter)).toMatchObject({ told: 1 });
    expect(content(700001).actions).toEqual([expect.objectContaining({ actionName: 'ReportedToLEA', analystName: 'u' })]);
    expect(content(700001).actions[0]!.reasonId).toBeUndefined();

    const now = svc.clock.now().getTime();
    await store().transition(item.id, { to: 'closed', actor: 'system:test', reason: 'removed', set: { outcome: 'removed', closedAt: now }, now });
    expect(await tellIccam(svc.ctx, adapter)).toMatchObject({ told: 1 });
    expect(content(700001).actions.map((a) => a.actionName)).toEqual(['ReportedToLEA', 'Removed']);
    await tellIccam(svc.ctx, adapter);
    await tellIccam(svc.ctx, adapter);
    expect(calls('POST', /actions$/)).toBe(2);
    const kinds = (await store().listAuditEvents(item.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'iccam_action_sent')).toHaveLength(2);
    expect(kinds.at(-1)).toBe('iccam_inbound_settled');
  });

  it('hosted in another member country: sent on with the two assignment PUTs, closed as moved_on, told nothing more', async () => {
    await pass();
    await locatePending(svc.ctx, locator);
    expect(await byContent(700004)).toMatchObject({ state: 'routed', destination: 'inhope', assignedCountry: 'NL' });
    await parts.dispatcher.runOnce();
    expect(await byContent(700004)).toMatchObject({ state: 'closed', outcome: 'moved_on', reference: '30003', secondaryReference: '700004' });
    expect(content(700004)).toMatchObject({ assignedCountryCode: 'NL', hostingCountryCode: 'NL' });
    expect(content(700004).corrections.map((c) => c.kind)).toEqual(['hosting', 'assigned-country']);
    // No new report: the partner's content went on.
    expect(iccam.snapshot().reports.filter((r) => !r.inbound)).toHaveLength(0);
    await tellIccam(svc.ctx, adapter);
    expect(content(700004).actions).toEqual([]);
    expect((await byContent(700004)).inboundDoneAt).not.toBeNull();
  });

  it('tells ICCAM nothing but our reference while a name it needs is missing from its lists', async () => {
    await pass();
    const h = await byContent(700003);
    await request(svc.app()).post(`/v1/handovers/${h.id}/assessment`).set('Authorization', bearer('analyst')).send({ illegal: false, reason: 'virtual' });
    await iccam.renameLookup('action-reasons', 18, 'Virtual or generated');
    await adapter.refreshLookups(svc.clock.now().getTime());
    expect(await tellIccam(svc.ctx, adapter)).toMatchObject({ told: 0 });
    expect(content(700003).actions).toEqual([]);
    await iccam.renameLookup('action-reasons', 18, 'VirtualMaterial');
    await adapter.refreshLookups(svc.clock.now().getTime());
    expect(await tellIccam(svc.ctx, adapter)).toMatchObject({ told: 1 });
    expect(content(700003).actions).toEqual([expect.objectContaining({ actionName: 'NotIllegal', reasonId: 18 })]);
  });

  it('an action whose answer was lost is found at ICCAM in the next pass, not sent again', async () => {
    await pass();
    await locatePending(svc.ctx, locator);
    await parts.dispatcher.runOnce();
    await iccam.failNext({ method: 'POST', path: /\/actions$/, fault: 'drop-after-commit' });
    expect(await tellIccam(svc.ctx, adapter)).toMatchObject({ told: 0 });
    expect(content(700001).actions).toHaveLength(1);
    expect(await tellIccam(svc.ctx, adapter)).toMatchObject({ told: 0, found: 1 });
    expect(calls('POST', /actions$/)).toBe(1);
    expect((await byContent(700001)).iccamTold?.actions?.ReportedToLEA).toMatchObject({ found: true });
  });

  it('a message ICCAM refuses three times is left to a person, not sent for ever', async () => {
    await pass();
    await locatePending(svc.ctx, locator);
    await parts.dispatcher.runOnce();
    await iccam.failNext({ method: 'POST', path: /\/actions$/, fault: 'bad-request', times: 10 });
    for (let i = 0; i < 5; i++) await tellIccam(svc.ctx, adapter);
    expect(calls('POST', /actions$/)).toBe(3);
    const h = await byContent(700001);
    expect(h.iccamTold?.gaveUp?.ReportedToLEA).toMatchObject({ detail: expect.stringContaining('400') });
    expect((await store().listAuditEvents(h.id)).map((e) => e.kind)).toEqual(expect.arrayContaining(['iccam_refused', 'iccam_gave_up']));
  });

  it('an item ICCAM reassigned to another country is followed, never told anything more', async () => {
    await pass();
    const waiting = await byContent(700002);
    // The partner's hotline moved it to France meanwhile.
    await iccam.reassignContent(700002, 'FR');
    await request(svc.app()).post(`/v1/handovers/${waiting.id}/assessment`).set('Authorization', bearer('analyst')).send({ illegal: false, reason: 'adult' });
    expect(await tellIccam(svc.ctx, adapter)).toMatchObject({ followed: 1, told: 0 });
    expect(content(700002).actions).toEqual([]);
    const h = await byContent(700002);
    expect(h).toMatchObject({ iccamTold: { followed: { country: 'FR' } }, inboundDoneAt: expect.any(Number) });
    expect((await store().listAuditEvents(h.id)).at(-1)).toMatchObject({ kind: 'iccam_assignment_followed' });
    expect(await tellIccam(svc.ctx, adapter)).toMatchObject({ items: 3 });
  });
});

describe('referral iccam import', () => {
  const output = () => {
    let text = '';
    return { stream: { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream, text: () => text };
  };

  it('runs one pass now; says so and waits its turn while a service tells ICCAM; refuses without ICCAM', async () => {
    const configured = await createTestService({
      ICCAM_URL: iccam.url,
      ICCAM_USERNAME: 'u',
      ICCAM_PASSWORD: 'p',
      ICCAM_LOGIN_PAUSE_MS: '0',
      ICCAM_MIN_INTERVAL_MS: '20',
    });
    try {
      const overrides = { clock: configured.clock, locator };
      // A replica's follow-up (which tells ICCAM while the import is off) holds the lease.
      await configured.ctx.store.acquireJobLease('iccam-poll', 'another-replica', configured.clock.now().getTime(), 60_000);
      const busy = output();
      expect(await iccamImportCommand(configured.config, { json: true }, { err: busy.stream, overrides })).toBe(1);
      expect(busy.text()).toContain('try again');
      await configured.ctx.store.releaseJobLease('iccam-poll', 'another-replica');
      const out = output();
      expect(await iccamImportCommand(configured.config, { json: true }, { out: out.stream, overrides })).toBe(0);
      expect(JSON.parse(out.text())).toMatchObject({ listed: 4, recorded: 4, told: 4 });
    } finally {
      await configured.close();
    }
    const none = output();
    expect(await iccamImportCommand(svc.config, {}, { err: none.stream, overrides: { clock: svc.clock, locator } })).toBe(2);
    expect(none.text()).toContain('ICCAM is not configured');
  });
});
