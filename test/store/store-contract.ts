/**
 * The store contract: one suite, run against SQLite and PostgreSQL alike, so both drivers keep
 * the same promises (idempotent intake, checked transitions, fencing, claims, audit chain).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SqlStore } from '../../src/store/sql-store.js';
import type { SqlDriver } from '../../src/store/sql-driver.js';
import { PATCHABLE_HANDOVER_FIELDS, type HandoverPatch, type NewReferral, type Store } from '../../src/store/store.js';
import type { ClaimReply, ClaimTask } from './support/claim-process.js';
import { takedownStoreContract } from './takedown-store-contract.js';

const CLAIM_PROCESS = fileURLToPath(new URL('./support/claim-process.ts', import.meta.url));

export interface StoreHarness {
  driver: SqlDriver;
  /** How another process opens the same database (openStore's url and schema). */
  connection: { databaseUrl: string; schema?: string };
  /** Runs SQL around the store's rules, as someone with file or database access could. */
  tamper(sql: string, params?: unknown[]): Promise<void>;
  cleanup(): Promise<void>;
}

const classification = { category: 'baseline', ageGroup: 'prepubescent' } as const;

/** Each report names its own URLs unless told otherwise: the same URL twice is a duplicate (issue #15). */
export function newReferral(reportId: string, urls = [`https://a.example/${reportId}/1`, `https://b.example/${reportId}/2`], bodyHash = 'hash-1'): NewReferral {
  return {
    id: randomUUID(),
    reportId,
    bodyHash,
    classification,
    reportedAt: 1_000,
    urls: urls.map((url) => ({ handoverId: randomUUID(), url, contentType: 'image' as const })),
  };
}

export function describeStoreContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      harness = await makeHarness();
      store = new SqlStore(harness.driver);
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    async function routedHandover(reportId = 'R-route', destination: 'police' | 'inhope' = 'police') {
      const { handovers } = await store.createReferral(newReferral(reportId, [`https://x.example/${reportId}`]), 'key:test', 10);
      return store.transition(handovers[0]!.id, { to: 'routed', actor: 'system:test', reason: 'test', set: { destination, country: 'BE' }, now: 20 });
    }

    it('applies migrations once', async () => {
      expect(await store.migrate()).toEqual([]);
    });

    it('creates a referral with one handover per URL, in locating, each with an intake event', async () => {
      const input = newReferral('R-1');
      const result = await store.createReferral(input, 'key:alice', 100);
      expect(result.created).toBe(true);
      expect(result.handovers.map((h) => [h.url, h.state, h.reportId])).toEqual([
        ['https://a.example/R-1/1', 'locating', 'R-1'],
        ['https://b.example/R-1/2', 'locating', 'R-1'],
      ]);
      const audit = await store.listAuditEvents(result.handovers[0]!.id);
      expect(audit).toMatchObject([{ kind: 'intake', actor: 'key:alice', toState: 'locating', at: 100 }]);
    });

    it('answers intake with exactly the records a later read gives: a case, a duplicate and a reappearance', async () => {
      // Intake builds its answer from the rows as inserted (RETURNING), not from a read-back.
      const earlier = await routedHandover('R-earlier');
      await store.transition(earlier.id, { to: 'cancelled', actor: 'system:test', reason: 'test', now: 30 });
      const input = newReferral('R-answer', [earlier.url, 'https://d.example/R-answer', 'https://d.example/R-answer']);
      const answered = await store.createReferral({ ...input, referredBy: 'analyst-7', reportedAt: 5 }, 'key:alice', 40);
      expect(answered.handovers.map((h) => [h.state, h.reappearanceOf !== null, h.duplicateOf !== null])).toEqual([
        ['locating', true, false],
        ['locating', false, false],
        ['duplicate', false, true],
      ]);
      expect(await store.getReferralByReportId('R-answer')).toEqual({ referral: answered.referral, handovers: answered.handovers });
    });

    it('returns the same referral for the same body and refuses a different body', async () => {
      const first = await store.createReferral(newReferral('R-2'), 'key:alice', 100);
      const again = await store.createReferral(newReferral('R-2'), 'key:alice', 200);
      expect(again.created).toBe(false);
      expect(again.handovers.map((h) => h.id)).toEqual(first.handovers.map((h) => h.id));
      await expect(store.createReferral(newReferral('R-2', undefined, 'other-hash'), 'key:alice', 300)).rejects.toMatchObject({
        code: 'referral_conflict',
        status: 409,
      });
    });

    it('creates one referral when identical requests race', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => store.createReferral(newReferral('R-race'), 'key:alice', 100)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.referral.id)).size).toBe(1);
      const listed = await store.listHandovers({ limit: 100 });
      expect(listed).toHaveLength(2);
    });

    it('allows a transition from the table and records who, when, from, to and why', async () => {
      const h = await routedHandover();
      expect(h).toMatchObject({ state: 'routed', destination: 'police', country: 'BE', updatedAt: 20 });
      const audit = await store.listAuditEvents(h.id);
      expect(audit.at(-1)).toMatchObject({ actor: 'system:test', fromState: 'locating', toState: 'routed', reason: 'test', at: 20 });
    });

    it('refuses a transition outside the table and changes nothing', async () => {
      const h = await routedHandover();
      await expect(store.transition(h.id, { to: 'acknowledged', actor: 'x', reason: null, now: 30 })).rejects.toMatchObject({ code: 'invalid_transition' });
      expect((await store.getHandover(h.id))!.state).toBe('routed');
      expect(await store.listAuditEvents(h.id)).toHaveLength(2);
    });

    it('refuses when the handover is no longer in the expected state', async () => {
      const h = await routedHandover();
      await expect(store.transition(h.id, { to: 'cancelled', actor: 'x', reason: null, expectState: 'failed', now: 30 })).rejects.toMatchObject({
        code: 'invalid_transition',
      });
    });

    it('refuses a decision taken on a row that has changed since it was read (expectUpdatedAt), changing nothing', async () => {
      const h = await routedHandover();
      await expect(store.transition(h.id, { to: 'cancelled', actor: 'x', reason: null, expectUpdatedAt: h.updatedAt - 1, now: 30 })).rejects.toMatchObject({
        code: 'invalid_transition',
      });
      expect((await store.getHandover(h.id))!.state).toBe('routed');
      expect(await store.transition(h.id, { to: 'cancelled', actor: 'x', reason: null, expectUpdatedAt: h.updatedAt, now: 30 })).toMatchObject({
        state: 'cancelled',
      });
    });

    it('keeps console sessions: live until ended on purpose, touched forward only, a draft until cleared, listed while live, pruned by age', async () => {
      await store.createConsoleSession({ id: 'hash-a', keyName: 'alice', keyTag: 'tag-a', role: 'supervisor', issuedAt: 100 });
      await store.createConsoleSession({ id: 'hash-b', keyName: 'bob', keyTag: 'tag-b', role: 'analyst', issuedAt: 200, draft: '{"reason":"kept"}' });
      expect((await store.getConsoleSession('hash-b'))!.draft).toBe('{"reason":"kept"}');
      await store.clearConsoleSessionDraft('hash-b');
      expect((await store.getConsoleSession('hash-b'))!.draft).toBeNull();
      expect(await store.getConsoleSession('hash-a')).toEqual({
        id: 'hash-a',
        keyName: 'alice',
        keyTag: 'tag-a',
        role: 'supervisor',
        issuedAt: 100,
        seenAt: 100,
        endedAt: null,
        endReason: null,
        draft: null,
      });
      await store.touchConsoleSession('hash-a', 500);
      await store.touchConsoleSession('hash-a', 400);
      expect((await store.getConsoleSession('hash-a'))!.seenAt).toBe(500);
      expect(await store.endConsoleSession('hash-a', 'signed_out', 600)).toBe(true);
      expect(await store.endConsoleSession('hash-a', 'key_changed', 700)).toBe(false);
      await store.touchConsoleSession('hash-a', 800);
      expect(await store.getConsoleSession('hash-a')).toMatchObject({ seenAt: 500, endedAt: 600, endReason: 'signed_out' });
      expect((await store.listLiveConsoleSessions()).map((x) => x.id)).toEqual(['hash-b']);
      expect(await store.getConsoleSession('hash-unknown')).toBeNull();
      expect(await store.pruneConsoleSessions(150)).toBe(1);
      expect(await store.getConsoleSession('hash-a')).toBeNull();
      expect(await store.getConsoleSession('hash-b')).not.toBeNull();
    });

    it('finds handovers by the short end of their id, by report id in any case and in part, and by host with the names under it', async () => {
      const first = await store.createReferral(
        newReferral('CF-2026-0042', ['https://img.host.example/1', 'https://host.example/2', 'https://hostile.example/3', 'http://192.0.2.10/4']),
        'key:test',
        10,
      );
      const second = await store.createReferral(newReferral('cf-2026-0420', ['https://other.test/5']), 'key:test', 20);
      const [img, apex, hostile, address] = first.handovers.map((h) => h.id);
      const ids = (found: { id: string }[]) => found.map((h) => h.id);

      expect(ids(await store.searchHandovers({ by: 'shortId', shortId: img!.slice(-8).toUpperCase() }, 10))).toEqual([img]);
      // A report named in full is that report; other text is looked for inside report ids, newest first.
      expect(ids(await store.searchHandovers({ by: 'reportId', text: 'CF-2026-0420' }, 10))).toEqual([second.handovers[0]!.id]);
      expect(ids(await store.searchHandovers({ by: 'reportId', text: '2026-0' }, 10))).toEqual([second.handovers[0]!.id, ...ids(first.handovers)]);
      expect(ids(await store.searchHandovers({ by: 'reportId', text: 'cf-2026-0042' }, 2))).toEqual([img, apex]);
      expect(await store.searchHandovers({ by: 'reportId', text: '%' }, 10)).toEqual([]);
      expect(await store.searchHandovers({ by: 'reportId', text: '_' }, 10)).toEqual([]);

      expect(ids(await store.searchHandovers({ by: 'host', hostKey: 'example.host.' }, 10))).toEqual([apex, img]);
      expect(ids(await store.searchHandovers({ by: 'host', hostKey: 'example.host.img.' }, 10))).toEqual([img]);
      expect(ids(await store.searchHandovers({ by: 'host', hostKey: 'example.hostile.' }, 10))).toEqual([hostile]);
      expect(ids(await store.searchHandovers({ by: 'host', hostKey: '192.0.2.' }, 10))).toEqual([address]);
      expect(await store.searchHandovers({ by: 'host', hostKey: 'example.hos.' }, 10)).toEqual([]);

      // Rows written before the host key existed get theirs when the store starts.
      await harness.tamper('UPDATE handovers SET host_key = NULL');
      await store.migrate();
      expect(ids(await store.searchHandovers({ by: 'host', hostKey: 'example.host.' }, 10))).toEqual([apex, img]);
    });

    it('lists the handovers waiting longest first when asked, and those waiting since a time', async () => {
      const { handovers } = await store.createReferral(
        newReferral('R-wait', ['https://w.example/1', 'https://w.example/2', 'https://w.example/3']),
        'key:test',
        10,
      );
      const [a, b, c] = handovers.map((h) => h.id);
      for (const [id, at] of [
        [c, 30],
        [a, 50],
        [b, 40],
      ] as const)
        await store.transition(id!, { to: 'needs_review', actor: 'system:test', reason: null, now: at });
      const waiting = await store.findHandovers({ states: ['needs_review'], order: 'longest-waiting', limit: 10 });
      expect(waiting.map((h) => h.id)).toEqual([c, b, a]);
      const since = await store.findHandovers({ states: ['needs_review'], order: 'longest-waiting', updatedBefore: 40, limit: 10 });
      expect(since.map((h) => h.id)).toEqual([c, b]);
    });

    it('reports an unknown handover as not found', async () => {
      await expect(store.transition(randomUUID(), { to: 'routed', actor: 'x', reason: null, now: 1 })).rejects.toMatchObject({ status: 404 });
    });

    it('stores every patchable field and reads it back', async () => {
      const { handovers } = await store.createReferral(newReferral('R-patch', ['https://x.example/R-patch']), 'key:test', 10);
      const text = new Set([
        'destination',
        'country',
        'targetHotline',
        'assignedCountry',
        'leaseToken',
        'reference',
        'secondaryReference',
        'outcome',
        'failureReason',
        'iccamAssignment',
        'sendingToken',
      ]);
      const json = new Set(['evidence', 'decision', 'ownClassification', 'hotlineAssessment', 'iccamTold']);
      const patch = Object.fromEntries(
        PATCHABLE_HANDOVER_FIELDS.map((field, i) => [
          field,
          field === 'destination' ? 'police' : text.has(field) ? `${field}-value` : json.has(field) ? { field } : 1_000 + i,
        ]),
      ) as unknown as HandoverPatch;
      const written = await store.annotate(handovers[0]!.id, { actor: 'system:test', kind: 'note', reason: null, set: patch, now: 20 });
      expect(written).toMatchObject(patch);
      expect(await store.getHandover(written.id)).toMatchObject(patch);
    });

    it('claims only due, routed handovers of the asked destination, under a lease', async () => {
      const due = await routedHandover('R-due');
      const later = await routedHandover('R-later');
      await store.annotate(later.id, { actor: 'x', kind: 'scheduled', reason: null, set: { nextAttemptAt: 10_000 }, now: 25 });
      await routedHandover('R-inhope', 'inhope');
      const claimed = await store.claimDue({ destination: 'police', now: 1_000, limit: 10, leaseMs: 500, token: 'tok-1', actor: 'system:dispatcher' });
      expect(claimed.map((h) => h.id)).toEqual([due.id]);
      expect(await store.getHandover(due.id)).toMatchObject({ state: 'delivering', leaseToken: 'tok-1', leaseExpiresAt: 1_500 });
      expect(await store.claimDue({ destination: 'police', now: 1_000, limit: 10, leaseMs: 500, token: 'tok-2', actor: 'system:dispatcher' })).toEqual([]);
    });

    it('never hands the same handover to two concurrent claimers', async () => {
      for (let i = 0; i < 20; i++) await routedHandover(`R-c${i}`);
      const batches = await Promise.all(
        ['a', 'b', 'c', 'd'].map((t) => store.claimDue({ destination: 'police', now: 1_000, limit: 7, leaseMs: 500, token: t, actor: 'system:dispatcher' })),
      );
      const ids = batches.flat().map((h) => h.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    });

    it('never hands the same handover to two claimers in two processes', async () => {
      const routed: string[] = [];
      for (let i = 0; i < 60; i++) routed.push((await routedHandover(`R-p2-${i}`)).id);
      const reports = await claimInProcesses(['a', 'b'].map((token) => ({ ...harness.connection, token, now: 1_000, limit: 2 })));
      // Both took part, so the two really contended for the same rows.
      for (const claimed of reports) expect(claimed.length).toBeGreaterThan(0);
      // Every due handover claimed, none twice: by one process or the other, exactly once.
      expect(reports.flat().sort()).toEqual([...routed].sort());
      for (const id of routed) {
        const claims = (await store.listAuditEvents(id)).filter((e) => e.fromState === 'routed' && e.toState === 'delivering');
        expect(claims).toHaveLength(1);
      }
      expect(await store.verifyAudit()).toMatchObject({ ok: true });
    }, 60_000);

    it('fences a completion from a worker whose lease was taken over', async () => {
      const h = await routedHandover();
      await store.claimDue({ destination: 'police', now: 100, limit: 1, leaseMs: 50, token: 'old', actor: 'w1' });
      await store.transition(h.id, {
        to: 'routed',
        actor: 'system:reaper',
        reason: 'lease expired',
        expectState: 'delivering',
        set: { leaseToken: null },
        now: 200,
      });
      await store.claimDue({ destination: 'police', now: 300, limit: 1, leaseMs: 50, token: 'new', actor: 'w2' });
      await expect(store.transition(h.id, { to: 'delivered', actor: 'w1', reason: null, expectLeaseToken: 'old', now: 310 })).rejects.toMatchObject({
        code: 'lease_lost',
      });
      const done = await store.transition(h.id, {
        to: 'delivered',
        actor: 'w2',
        reason: null,
        expectLeaseToken: 'new',
        set: { reference: 'RCPT-1' },
        now: 320,
      });
      expect(done).toMatchObject({ state: 'delivered', reference: 'RCPT-1' });
    });

    it('refuses an annotation fenced by a lease the handover no longer holds ("about to send"), and writes it under the lease it holds', async () => {
      const h = await routedHandover('R-mark', 'inhope');
      await store.claimDue({ destination: 'inhope', now: 100, limit: 1, leaseMs: 50, token: 'mine', actor: 'w1' });
      const mark = (token: string, now: number) =>
        store.annotate(h.id, { actor: 'w1', kind: 'about_to_send', reason: null, expectLeaseToken: token, set: { sendingToken: token }, now });
      await expect(mark('someone-else', 110)).rejects.toMatchObject({ code: 'lease_lost' });
      expect(await mark('mine', 120)).toMatchObject({ state: 'delivering', sendingToken: 'mine' });
      await store.transition(h.id, {
        to: 'routed',
        actor: 'system:reaper',
        reason: 'lease expired',
        expectLeaseToken: 'mine',
        set: { leaseToken: null },
        now: 200,
      });
      await expect(mark('mine', 210)).rejects.toMatchObject({ code: 'lease_lost' });
      expect((await store.listAuditEvents(h.id)).filter((e) => e.kind === 'about_to_send')).toHaveLength(1);
    });

    const partnerReport = (reportId: string, contentIds: string[], state: 'locating' | 'awaiting_assessment' = 'awaiting_assessment') => ({
      referralId: randomUUID(),
      reportId,
      bodyHash: `h-${reportId}`,
      classification,
      reportedAt: 900,
      partnerHotline: '21',
      countryAssignmentDate: 950,
      items: contentIds.map((contentId) => ({
        handoverId: randomUUID(),
        contentId,
        url: `https://partner.example/${reportId}/${contentId}`,
        reportedUrl: null,
        state,
        partnerAssessment: { classification: 'national' as const, classificationName: 'National CSAM', ageName: 'Pubescent', genderName: null },
        classification: { category: 'national' as const, ageGroup: 'pubescent' as const },
        auditData: { partnerHotline: '21' },
      })),
    });

    it('records a partner’s ICCAM report once, and each of its items once by content id, whatever is recorded again', async () => {
      const first = await store.recordInboundReport(partnerReport('iccam:30001', ['700001']), 'system:iccam-import', 1_000);
      expect(first.recorded).toEqual(['700001']);
      expect(first.referral).toMatchObject({ reportId: 'iccam:30001', source: 'iccam', partnerHotline: '21', countryAssignmentDate: 950, reportedAt: 900 });
      expect(first.handovers[0]).toMatchObject({
        state: 'awaiting_assessment',
        inboundContentId: '700001',
        source: 'iccam',
        partnerHotline: '21',
        countryAssignmentDate: 950,
        partnerAssessment: { classification: 'national' },
        classification: { category: 'national', ageGroup: 'pubescent' },
        ownClassification: { category: 'national', ageGroup: 'pubescent' },
      });
      expect(await store.listAuditEvents(first.handovers[0]!.id)).toMatchObject([
        { kind: 'intake', fromState: null, toState: 'awaiting_assessment', data: { source: 'iccam', contentId: '700001', partnerHotline: '21' } },
      ]);
      // Again, with one more item (a later import): the first is left as it is, the second added.
      const again = await store.recordInboundReport(partnerReport('iccam:30001', ['700001', '700002'], 'locating'), 'system:iccam-import', 2_000);
      expect(again.recorded).toEqual(['700002']);
      expect(again.referral.id).toBe(first.referral.id);
      expect(again.handovers.map((h) => [h.inboundContentId, h.state, h.position])).toEqual([
        ['700001', 'awaiting_assessment', 0],
        ['700002', 'locating', 1],
      ]);
      expect((await store.recordInboundReport(partnerReport('iccam:30001', ['700002']), 'system:iccam-import', 3_000)).recorded).toEqual([]);
      // A back-office referral keeps its own shape.
      const ours = await store.createReferral(newReferral('R-ours'), 'key:alice', 4_000);
      expect(ours.referral).toMatchObject({ source: 'backoffice', partnerHotline: null, countryAssignmentDate: null });
      expect(ours.handovers[0]).toMatchObject({ source: 'backoffice', inboundContentId: null, ownClassification: null, partnerAssessment: null });
      await expect(store.recordInboundReport(partnerReport('R-ours', ['1']), 'system:iccam-import', 5_000)).rejects.toMatchObject({
        code: 'referral_conflict',
      });
      expect((await store.verifyAudit()).ok).toBe(true);
    });

    it('records one handover per item when two imports race', async () => {
      const input = partnerReport('iccam:30009', ['700009', '700010']);
      const results = await Promise.all([
        store.recordInboundReport(input, 'system:iccam-import', 1_000),
        store.recordInboundReport(
          { ...input, referralId: randomUUID(), items: input.items.map((i) => ({ ...i, handoverId: randomUUID() })) },
          'system:iccam-import',
          1_000,
        ),
      ]);
      expect(results.flatMap((r) => r.recorded).sort()).toEqual(['700009', '700010']);
      expect((await store.getReferralByReportId('iccam:30009'))!.handovers).toHaveLength(2);
    });

    it('finds the partner items still owing ICCAM news, and none once settled', async () => {
      const { handovers } = await store.recordInboundReport(partnerReport('iccam:30002', ['700003', '700004']), 'system:iccam-import', 1_000);
      await store.createReferral(newReferral('R-not-partner'), 'key:alice', 1_100);
      const open = () => store.findHandovers({ states: ['awaiting_assessment', 'locating'], inboundOpen: true, limit: 10 });
      expect((await open()).map((h) => h.inboundContentId)).toEqual(['700003', '700004']);
      await store.annotate(handovers[0]!.id, {
        actor: 'system:iccam-inbound',
        kind: 'iccam_inbound_settled',
        reason: null,
        set: { inboundDoneAt: 2_000, iccamTold: { reference: { at: 1_500 } } },
        now: 2_000,
      });
      expect((await open()).map((h) => h.inboundContentId)).toEqual(['700004']);
      expect(await store.getHandover(handovers[0]!.id)).toMatchObject({ inboundDoneAt: 2_000, iccamTold: { reference: { at: 1_500 } } });
      // Only the back office's and the claimed partner items, when asked (what is located).
      const claimed = await store.findHandovers({ states: ['awaiting_assessment', 'locating'], partnerItemsClaimed: true, limit: 10 });
      expect(claimed.map((h) => h.inboundContentId)).toEqual(['700003', null, null]);
    });

    it('keeps when the last inbound import began, for every replica', async () => {
      expect(await store.readIccamImportMark()).toBeNull();
      await store.saveIccamImportMark(1_700_000_000_000);
      expect(await store.readIccamImportMark()).toBe(1_700_000_000_000);
    });

    it('lists with filters and a cursor that pages through everything once', async () => {
      for (let i = 0; i < 5; i++) await routedHandover(`R-p${i}`, i % 2 ? 'inhope' : 'police');
      const police = await store.listHandovers({ destination: 'police', limit: 100 });
      expect(police).toHaveLength(3);
      const seen: string[] = [];
      let afterSeq = 0;
      for (;;) {
        const page = await store.listHandovers({ state: 'routed', afterSeq, limit: 2 });
        if (page.length === 0) break;
        seen.push(...page.map((h) => h.id));
        afterSeq = page.at(-1)!.seq;
      }
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      await store.annotate(police[0]!.id, { actor: 'system:overdue', kind: 'overdue', reason: 'no ack', set: { overdueAt: 50 }, now: 50 });
      expect((await store.listHandovers({ overdue: true, limit: 10 })).map((h) => h.id)).toEqual([police[0]!.id]);
    });

    it('records attempts and acknowledgements for the detail view', async () => {
      const h = await routedHandover();
      await store.recordAttempt({
        handoverId: h.id,
        attemptNo: 1,
        destination: 'police',
        claimToken: 't',
        startedAt: 1,
        finishedAt: 2,
        durationMs: 1,
        outcome: 'retry',
        statusCode: 503,
        errorClass: 'http_5xx',
        requestHash: 'abc',
        responseDigest: null,
        detail: null,
      });
      await store.recordAck({
        handoverId: h.id,
        destination: 'police',
        source: 'poll',
        status: 'registered',
        reference: 'C-1',
        reason: null,
        applied: true,
        note: null,
        webhookId: null,
        receivedAt: 3,
      });
      expect(await store.listAttempts(h.id)).toMatchObject([{ attemptNo: 1, statusCode: 503, requestHash: 'abc' }]);
      expect(await store.listAcks(h.id)).toMatchObject([{ status: 'registered', applied: true }]);
    });

    it('records an acknowledgement with the transition it brought, after its event, or not at all', async () => {
      const h = await routedHandover('R-ack-tx');
      await store.claimDue({ destination: 'police', now: 30, limit: 1, leaseMs: 1_000, token: 't1', actor: 'system:test' });
      await store.transition(h.id, {
        to: 'delivered',
        actor: 'system:test',
        reason: null,
        expectLeaseToken: 't1',
        set: { leaseToken: null, leaseExpiresAt: null, deliveredAt: 40 },
        now: 40,
      });
      const ack = {
        destination: 'police',
        source: 'poll',
        status: 'accepted',
        reference: 'P-9',
        reason: null,
        applied: true,
        note: null,
        webhookId: null,
        receivedAt: 50,
      } as const;
      // Refused (not in the expected state): neither the change nor the acknowledgement is kept.
      await expect(
        store.transition(h.id, {
          to: 'acknowledged',
          actor: 'system:ack',
          reason: null,
          expectState: 'acknowledged',
          set: { acknowledgedAt: 50 },
          ack,
          now: 50,
        }),
      ).rejects.toMatchObject({
        code: 'invalid_transition',
      });
      expect(await store.listAcks(h.id)).toEqual([]);
      const after = await store.transition(h.id, {
        to: 'acknowledged',
        actor: 'system:ack',
        reason: 'took it',
        expectState: 'delivered',
        set: { acknowledgedAt: 50 },
        ack,
        now: 50,
      });
      expect(after.state).toBe('acknowledged');
      expect(await store.listAcks(h.id)).toMatchObject([{ handoverId: h.id, status: 'accepted', reference: 'P-9', applied: true, receivedAt: 50 }]);
      const events = await store.listAuditEvents(h.id);
      expect(events.slice(-2)).toMatchObject([
        { kind: 'transition', fromState: 'delivered', toState: 'acknowledged' },
        {
          kind: 'acknowledgement',
          actor: 'system:ack-poll',
          fromState: 'acknowledged',
          toState: 'acknowledged',
          data: { acknowledgement: { handoverId: h.id, status: 'accepted' } },
        },
      ]);
      expect(events.at(-1)!.row).toEqual(events.at(-2)!.row);
      expect(await store.verifyAudit()).toMatchObject({ ok: true });
    });

    it('accepts a webhook-id once per destination', async () => {
      expect(await store.rememberWebhookId('police', 'msg_1', 1)).toBe(true);
      expect(await store.rememberWebhookId('police', 'msg_1', 2)).toBe(false);
      expect(await store.rememberWebhookId('inhope', 'msg_1', 3)).toBe(true);
    });

    it('gives a job lease to one holder until it expires', async () => {
      expect(await store.acquireJobLease('reconcile', 'p1', 1_000, 100)).toBe(true);
      expect(await store.acquireJobLease('reconcile', 'p2', 1_050, 100)).toBe(false);
      expect(await store.acquireJobLease('reconcile', 'p1', 1_060, 100)).toBe(true);
      expect(await store.acquireJobLease('reconcile', 'p2', 1_161, 100)).toBe(true);
    });

    it('creates a linked successor for moved content', async () => {
      const h = await routedHandover();
      const successor = await store.createLinkedHandover(h.id, { id: randomUUID(), actor: 'system:ack', reason: 'moved', now: 40 });
      expect(successor).toMatchObject({ state: 'locating', parentId: h.id, url: h.url, referralId: h.referralId });
    });

    it('finds only handovers without a successor when asked', async () => {
      const parent = await routedHandover('R-parent');
      const lone = await routedHandover('R-lone');
      await store.createLinkedHandover(parent.id, { id: randomUUID(), actor: 'system:test', reason: 'moved', now: 40 });
      const found = await store.findHandovers({ states: ['routed'], noSuccessor: true, limit: 10 });
      expect(found.map((h) => h.id)).toEqual([lone.id]);
      expect(await store.findHandovers({ states: ['routed'], limit: 10 })).toHaveLength(2);
    });

    it('lists the linked successors of a handover for its story', async () => {
      const parent = await routedHandover('R-story');
      const successor = await store.createLinkedHandover(parent.id, { id: randomUUID(), actor: 'system:test', reason: 'moved', now: 40 });
      expect((await store.listSuccessors(parent.id)).map((h) => h.id)).toEqual([successor.id]);
      expect(await store.listSuccessors(successor.id)).toEqual([]);
    });

    it('summarises each destination: last success, last failure with its class, recent counts', async () => {
      const h = await routedHandover('R-health');
      const attempt = (attemptNo: number, destination: 'police' | 'inhope', startedAt: number, outcome: string, errorClass: string | null) =>
        store.recordAttempt({
          handoverId: h.id,
          attemptNo,
          destination,
          claimToken: 't',
          startedAt,
          finishedAt: startedAt + 5,
          durationMs: 5,
          outcome,
          statusCode: null,
          errorClass,
          requestHash: null,
          responseDigest: null,
          detail: null,
        });
      await attempt(1, 'police', 100, 'retry', 'timeout');
      await attempt(2, 'police', 200, 'delivered', null);
      await attempt(3, 'police', 300, 'retry', 'http_5xx');
      await attempt(1, 'inhope', 50, 'delivered', null);
      expect(await store.summariseDestinationAttempts(150)).toEqual([
        { destination: 'inhope', lastSuccessAt: 55, lastFailureAt: null, lastErrorClass: null, recentAttempts: 0, recentFailures: 0 },
        { destination: 'police', lastSuccessAt: 205, lastFailureAt: 305, lastErrorClass: 'http_5xx', recentAttempts: 2, recentFailures: 1 },
      ]);
    });

    it('counts overdue handovers per destination', async () => {
      const a = await routedHandover('R-od-1');
      const b = await routedHandover('R-od-2', 'inhope');
      await routedHandover('R-od-3', 'inhope');
      for (const h of [a, b]) await store.annotate(h.id, { actor: 'system:test', kind: 'overdue', reason: 'test', set: { overdueAt: 50 }, now: 50 });
      expect(await store.countOverdueByDestination()).toEqual([
        { destination: 'inhope', count: 1 },
        { destination: 'police', count: 1 },
      ]);
    });

    it('counts handovers per state and destination', async () => {
      await routedHandover('R-a');
      await routedHandover('R-b', 'inhope');
      await store.createReferral(newReferral('R-c', ['https://c.example/R-c']), 'k', 1);
      expect(await store.countByStateAndDestination()).toEqual(
        expect.arrayContaining([
          { state: 'routed', destination: 'police', count: 1 },
          { state: 'routed', destination: 'inhope', count: 1 },
          { state: 'locating', destination: null, count: 1 },
        ]),
      );
    });

    it('keeps one intact audit chain across concurrent writers', async () => {
      const hs = await Promise.all(Array.from({ length: 6 }, (_, i) => routedHandover(`R-ch${i}`)));
      await Promise.all(hs.map((h) => store.transition(h.id, { to: 'cancelled', actor: 'key:sup', reason: 'duplicate report', now: 99 })));
      expect(await store.verifyAudit()).toMatchObject({ ok: true, events: 18 });
    });

    it('refuses to edit audit events, and the chain exposes an edit made around that', async () => {
      const h = await routedHandover();
      await expect(harness.tamper("UPDATE audit_events SET reason = 'x'")).rejects.toThrow(/append-only/);
      await harness.tamper(
        harness.driver.dialect === 'sqlite' ? 'DROP TRIGGER audit_events_no_update' : 'ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change',
      );
      await harness.tamper("UPDATE audit_events SET actor = 'key:mallory' WHERE handover_id = ? AND to_state = 'routed'", [h.id]);
      expect(await store.verifyAudit()).toMatchObject({ ok: false, problem: 'hash_mismatch' });
    });

    takedownStoreContract(() => store);

    it('exposes a removed audit event', async () => {
      await routedHandover();
      await harness.tamper(
        harness.driver.dialect === 'sqlite' ? 'DROP TRIGGER audit_events_no_delete' : 'ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change',
      );
      await harness.tamper('DELETE FROM audit_events WHERE seq = 1');
      expect(await store.verifyAudit()).toMatchObject({ ok: false, problem: 'sequence_gap' });
    });

    it('keeps one ledger id: the first candidate stored, every later caller (another replica) gets it back', async () => {
      expect(await store.readLedgerId()).toBeNull();
      const first = randomUUID();
      expect(await store.ledgerId(first, 10)).toBe(first);
      expect(await store.ledgerId(randomUUID(), 20)).toBe(first);
      const other = new SqlStore(harness.driver);
      expect(await Promise.all([other.ledgerId(randomUUID(), 30), store.ledgerId(randomUUID(), 30)])).toEqual([first, first]);
      expect(await store.readLedgerId()).toBe(first);
    });
  });
}

/**
 * Forks one claimer per task and runs claim rounds (every claimer asked at once) until a round
 * claims nothing; returns what each claimer got, over all rounds.
 */
async function claimInProcesses(tasks: ClaimTask[]): Promise<string[][]> {
  const children = tasks.map(() => fork(CLAIM_PROCESS, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const reply = (child: ChildProcess, i: number) =>
    new Promise<ClaimReply>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`claimer ${i} exited with ${code}`));
      child.once('exit', exited);
      child.once('message', (m: ClaimReply) => {
        child.off('exit', exited);
        if ('error' in m) reject(new Error(m.error));
        else resolve(m);
      });
    });
  try {
    await Promise.all(children.map((child, i) => (child.send(tasks[i]!), reply(child, i))));
    const claimed: string[][] = tasks.map(() => []);
    for (;;) {
      const round = children.map((child, i) => reply(child, i));
      for (const child of children) child.send('claim');
      const replies = (await Promise.all(round)) as { claimed: string[] }[];
      replies.forEach((r, i) => claimed[i]!.push(...r.claimed));
      if (replies.every((r) => r.claimed.length === 0)) return claimed;
    }
  } finally {
    for (const child of children) if (child.connected) child.send('stop');
  }
}
