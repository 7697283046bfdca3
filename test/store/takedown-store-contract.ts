/**
 * The takedown clock's part of the store contract (run by store-contract.ts on SQLite and
 * PostgreSQL alike): the clock's counts and nearest-rank percentiles on a hand-computed fixture,
 * per grouping, period and week or month; back-office observations, once; and the cases past
 * the last mark, with what was last heard of them.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { StepCounts, TakedownGroupCounts } from '../../src/domain/takedown-clock.js';
import type { Store, TakedownQuery } from '../../src/store/store.js';
import { DAY, HOUR, MARKS_MS, MIN, NOW, seedTakedownFixture, T0 } from '../support/takedown-fixture.js';

const step = (count: number, medianMs: number | null, p90Ms: number | null, within: number[], openPast: number[]): StepCounts => ({
  count,
  medianMs,
  p90Ms,
  within,
  openPast,
});
const none = (openPast: number[]) => step(0, null, null, [0, 0, 0], openPast);
const extra = (over: Partial<TakedownGroupCounts['extra']> = {}): TakedownGroupCounts['extra'] => ({
  duplicates: 0,
  reappearances: 0,
  failed: 0,
  needsReview: 0,
  removalOverdue: 0,
  ackOverdue: 0,
  closedWithoutRemoval: 0,
  ...over,
});

/** The fixture's groups of T0 onwards, by destination, worked out by hand (see takedown-fixture.ts). */
const POLICE: TakedownGroupCounts = {
  key: 'police',
  bucket: null,
  referred: 4,
  steps: {
    // 10, 20, 30, 40 min: rank 2 and rank 4.
    delivered: step(4, 20 * MIN, 40 * MIN, [4, 4, 4], [0, 0, 0]),
    acknowledged: step(4, 2 * HOUR, 4 * HOUR, [4, 4, 4], [0, 0, 0]),
    // 20, 50, 100 h: rank 2 and rank 3; within 24h one, 60h two, 7d three; P4 still open past every mark.
    removed: step(3, 50 * HOUR, 100 * HOUR, [1, 2, 3], [1, 1, 1]),
  },
  extra: extra({ duplicates: 1 }),
};
const INHOPE: TakedownGroupCounts = {
  key: 'inhope',
  bucket: null,
  referred: 4,
  steps: {
    // 1, 2, 3 h (I4 failed before delivery, so it is not open): rank 2 and rank 3.
    delivered: step(3, 2 * HOUR, 3 * HOUR, [3, 3, 3], [0, 0, 0]),
    // 10, 20 h: rank 1 and rank 2; I3 delivered nine days ago and never acknowledged.
    acknowledged: step(2, 10 * HOUR, 20 * HOUR, [2, 2, 2], [1, 1, 1]),
    // 30 h: past 24h, within 60h and 7d; I3 open past every mark (I2 is closed, I4 failed).
    removed: step(1, 30 * HOUR, 30 * HOUR, [0, 1, 1], [1, 1, 1]),
  },
  extra: extra({ failed: 1, closedWithoutRemoval: 1 }),
};
const UNROUTED: TakedownGroupCounts = {
  key: null,
  bucket: null,
  referred: 1,
  steps: { delivered: none([1, 1, 1]), acknowledged: none([1, 1, 1]), removed: none([1, 1, 1]) },
  extra: extra({ needsReview: 1 }),
};

export function takedownStoreContract(store: () => Store): void {
  const clock = (q: Partial<TakedownQuery> = {}) => store().takedownCounts({ groupBy: 'destination', marksMs: MARKS_MS, now: NOW, ...q });

  it('counts the takedown clock per destination on a hand-computed fixture: medians, p90, shares within and open past each mark', async () => {
    await seedTakedownFixture(store());
    expect(await clock({ from: T0 - DAY })).toEqual([INHOPE, POLICE, UNROUTED]);
  });

  it('groups the clock by country (ICCAM cases by their assigned country), network, source and all, and keeps to the period', async () => {
    await seedTakedownFixture(store());
    const byCountry = await clock({ groupBy: 'country', from: T0 - DAY });
    expect(byCountry.map((g) => [g.key, g.referred, g.extra.duplicates])).toEqual([
      ['BE', 4, 1],
      ['DE', 2, 0],
      ['NL', 2, 0],
      [null, 1, 0],
    ]);
    const nl = byCountry.find((g) => g.key === 'NL')!;
    // 1 and 2 h: rank 1 and 2; I2 closed without a removal, so nothing of NL is open.
    expect(nl.steps.delivered).toEqual(step(2, HOUR, 2 * HOUR, [2, 2, 2], [0, 0, 0]));
    expect(nl.steps.removed).toEqual(step(1, 30 * HOUR, 30 * HOUR, [0, 1, 1], [0, 0, 0]));
    expect(byCountry.find((g) => g.key === 'DE')!.steps).toEqual({
      delivered: step(1, 3 * HOUR, 3 * HOUR, [1, 1, 1], [0, 0, 0]),
      acknowledged: none([1, 1, 1]),
      removed: none([1, 1, 1]),
    });
    expect((await clock({ groupBy: 'network', from: T0 - DAY })).map((g) => [g.key, g.referred])).toEqual([
      ['AS1136', 2],
      ['AS2611', 4],
      ['AS3320', 2],
      [null, 1],
    ]);
    expect((await clock({ groupBy: 'source', from: T0 - DAY })).map((g) => [g.key, g.referred])).toEqual([['backoffice', 9]]);
    const [all] = await clock({ groupBy: 'all', from: T0 - DAY });
    expect(all).toMatchObject({ key: 'all', referred: 9, extra: { duplicates: 1, failed: 1, needsReview: 1, closedWithoutRemoval: 1 } });
    // Durations of police and inhope together: delivered 10, 20, 30, 40, 60, 120, 180 min.
    expect(all!.steps.delivered).toEqual(step(7, 40 * MIN, 180 * MIN, [7, 7, 7], [1, 1, 1]));

    // The period: X1 (40 days before) only without a lower bound; the bounds are on the referral.
    expect((await clock()).map((g) => [g.key, g.referred])).toEqual([
      ['inhope', 4],
      ['police', 5],
      [null, 1],
    ]);
    expect((await clock({ from: T0 + 12 * HOUR })).map((g) => [g.key, g.referred])).toEqual([['inhope', 1]]);
    const early = await clock({ from: T0, to: T0 + 12 * HOUR });
    expect(early.map((g) => [g.key, g.referred, g.extra.duplicates])).toEqual([
      ['inhope', 3, 0],
      ['police', 4, 1],
      [null, 1, 0],
    ]);
    expect(early.find((g) => g.key === 'inhope')!.steps.delivered).toEqual(step(2, HOUR, 2 * HOUR, [2, 2, 2], [0, 0, 0]));
  });

  it("times a partner item from ICCAM's assignment to the home country and counts it under the source iccam", async () => {
    await seedTakedownFixture(store());
    // Assigned to Belgium three hours before it was recorded here; handed to the police an hour after recording.
    const assignedAt = T0 + 2 * HOUR;
    const recordedAt = assignedAt + 3 * HOUR;
    const handoverId = randomUUID();
    await store().recordInboundReport(
      {
        referralId: randomUUID(),
        reportId: 'iccam:41001',
        bodyHash: 'inbound',
        classification: { category: 'baseline', ageGroup: 'unknown' },
        reportedAt: null,
        partnerHotline: '21',
        countryAssignmentDate: assignedAt,
        items: [
          {
            handoverId,
            contentId: '800001',
            url: 'https://partner-item.example/p.jpg',
            reportedUrl: null,
            state: 'locating',
            partnerAssessment: null,
            classification: null,
            auditData: {},
          },
        ],
      },
      'system:iccam-import',
      recordedAt,
    );
    const go = (to: 'routed' | 'delivering' | 'delivered', now: number, set: object = {}) =>
      store().transition(handoverId, { to, actor: 'system:test', reason: 'fixture', set, now });
    await go('routed', recordedAt + MIN, { destination: 'police', country: 'BE' });
    await go('delivering', recordedAt + 2 * MIN);
    await go('delivered', recordedAt + HOUR, { deliveredAt: recordedAt + HOUR, reference: 'R-800001' });

    const bySource = await clock({ groupBy: 'source', from: T0 - DAY });
    expect(bySource.map((g) => [g.key, g.referred])).toEqual([
      ['backoffice', 9],
      ['iccam', 1],
    ]);
    // Four hours from the assignment, not one from the recording: within every mark.
    expect(bySource.find((g) => g.key === 'iccam')!.steps.delivered).toEqual(step(1, 4 * HOUR, 4 * HOUR, [1, 1, 1], [0, 0, 0]));
    // The period is on the clock's start: a bound between assignment and recording keeps it out.
    expect((await clock({ groupBy: 'source', from: assignedAt + HOUR })).map((g) => g.key)).not.toContain('iccam');
  });

  it('counts the clock per ISO week (from Monday) and per calendar month of the referral, in UTC', async () => {
    await seedTakedownFixture(store());
    const weeks = await clock({ per: 'week' });
    expect(weeks.map((g) => [g.key, new Date(g.bucket!).toISOString().slice(0, 10), g.referred])).toEqual([
      ['inhope', '2026-02-23', 3],
      ['inhope', '2026-03-02', 1],
      ['police', '2026-01-19', 1],
      ['police', '2026-02-23', 4],
      [null, '2026-02-23', 1],
    ]);
    expect(weeks[1]!.steps.delivered).toEqual(step(1, 3 * HOUR, 3 * HOUR, [1, 1, 1], [0, 0, 0]));
    expect(weeks[2]!.steps.removed).toEqual(step(1, 5 * HOUR, 5 * HOUR, [1, 1, 1], [0, 0, 0]));
    const months = await clock({ per: 'month', groupBy: 'all' });
    expect(months.map((g) => [new Date(g.bucket!).toISOString().slice(0, 10), g.referred])).toEqual([
      ['2026-01-01', 1],
      ['2026-03-01', 9],
    ]);
    expect(months[1]!.extra.duplicates).toBe(1);
  });

  it('records a back-office observation once: a removal closes a delivered case and stops its clock at the time seen', async () => {
    const ids = await seedTakedownFixture(store());
    const seenAt = T0 + 1 * DAY + 6 * HOUR;
    const observation = {
      kind: 'removed' as const,
      observedAt: seenAt,
      note: 'gone from the page',
      observedBy: 'Analyst 7',
      actor: 'key:backoffice',
      now: NOW,
    };
    // I3 is delivered: two identical observations racing record one.
    const [first, second] = await Promise.all([store().recordObservation(ids.I3!, observation), store().recordObservation(ids.I3!, observation)]);
    expect([first.effect, second.effect].sort()).toEqual(['closed', 'unchanged']);
    expect(await store().getHandover(ids.I3!)).toMatchObject({ state: 'closed', outcome: 'removed', contentRemovedAt: seenAt, closedAt: NOW });
    const events = (await store().listAuditEvents(ids.I3!)).filter((e) => e.kind === 'observation');
    expect(events).toMatchObject([
      {
        actor: 'key:backoffice',
        fromState: 'delivered',
        toState: 'closed',
        data: { kind: 'removed', observedAt: new Date(seenAt).toISOString(), note: 'gone from the page', observedBy: 'Analyst 7', effect: 'closed' },
      },
    ]);
    // Once more, later: still nothing new.
    expect((await store().recordObservation(ids.I3!, { ...observation, now: NOW + HOUR })).effect).toBe('unchanged');
    expect((await store().listAuditEvents(ids.I3!)).filter((e) => e.kind === 'observation')).toHaveLength(1);

    // Still online: noted, nothing changes. A case closed without a removal time gets it.
    const online = await store().recordObservation(ids.P4!, { ...observation, kind: 'online', note: null });
    expect(online).toMatchObject({ effect: 'recorded', handover: { state: 'acknowledged', contentRemovedAt: null } });
    const i2 = await store().recordObservation(ids.I2!, { ...observation, kind: 'unavailable', observedAt: T0 + 40 * HOUR });
    expect(i2).toMatchObject({ effect: 'removal_recorded', handover: { state: 'closed', outcome: 'closed', contentRemovedAt: T0 + 40 * HOUR } });
    // Before delivery: noted only.
    expect((await store().recordObservation(ids.P5!, observation)).effect).toBe('recorded');
    expect(await store().verifyAudit()).toMatchObject({ ok: true });
    // The clock counts them: I3 down 6 h after its referral, I2 40 h after its own, with I1's 30 h.
    const [inhope] = await clock({ from: T0 - DAY });
    expect(inhope!.steps.removed).toEqual(step(3, 30 * HOUR, 40 * HOUR, [1, 3, 3], [0, 0, 0]));
  });

  it('finds the handed-over cases past the last mark, lists the flagged ones oldest first with what was last heard, and counts them', async () => {
    const ids = await seedTakedownFixture(store());
    // P4 (acknowledged, referred T0) and I3 (delivered, referred T0 + 1 d) are past 7 days at NOW.
    expect((await store().findRemovalPending(NOW - 7 * DAY, 10)).map((p) => [p.id, p.destination, p.startedAt])).toEqual([
      [ids.P4, 'police', T0],
      [ids.I3, 'inhope', T0 + DAY],
    ]);
    expect((await store().findRemovalPending(T0 + 12 * HOUR, 10)).map((p) => p.id)).toEqual([ids.P4]);
    for (const id of [ids.I3!, ids.P4!])
      await store().annotate(id, { actor: 'system:test', kind: 'removal_overdue', reason: 'test', set: { removalOverdueAt: NOW }, now: NOW });
    expect(await store().findRemovalPending(NOW, 10)).toEqual([]);
    expect(await store().countRemovalOverdueByDestination()).toEqual([
      { destination: 'inhope', count: 1 },
      { destination: 'police', count: 1 },
    ]);
    await store().recordAck(
      {
        handoverId: ids.P4!,
        destination: 'police',
        source: 'poll',
        status: 'registered',
        reference: 'PV/2026/00004',
        reason: null,
        applied: true,
        note: null,
        webhookId: null,
        receivedAt: T0 + 4 * HOUR,
      },
      undefined,
    );
    await store().recordObservation(ids.P4!, {
      kind: 'online',
      observedAt: NOW - HOUR,
      note: null,
      observedBy: 'Analyst 7',
      actor: 'key:backoffice',
      now: NOW,
    });
    await store().annotate(ids.P4!, { actor: 'key:sup', kind: 'removal_chase', reason: 'asked the police contact again', now: NOW + MIN });
    const listed = await store().listRemovalOverdue({ limit: 10 });
    expect(listed.map((e) => e.handover.id)).toEqual([ids.P4, ids.I3]);
    expect(listed[0]).toMatchObject({
      startedAt: T0,
      lastAck: { status: 'registered', at: T0 + 4 * HOUR },
      destinationReference: 'PV/2026/00004',
      lastObservation: { kind: 'online', observedAt: new Date(NOW - HOUR).toISOString(), observedBy: 'Analyst 7' },
      lastChase: { at: NOW + MIN, note: 'asked the police contact again' },
      handover: { removalOverdueAt: NOW, destination: 'police' },
    });
    expect(listed[1]).toMatchObject({ lastAck: null, destinationReference: null, lastObservation: null, lastChase: null });
    expect((await store().listRemovalOverdue({ destination: 'inhope', limit: 10 })).map((e) => e.handover.id)).toEqual([ids.I3]);

    // Down: off the list and the count; the flag stays on the record, and in the clock's counts.
    await store().recordObservation(ids.P4!, {
      kind: 'removed',
      observedAt: NOW,
      note: null,
      observedBy: 'Analyst 7',
      actor: 'key:backoffice',
      now: NOW + HOUR,
    });
    expect((await store().listRemovalOverdue({ limit: 10 })).map((e) => e.handover.id)).toEqual([ids.I3]);
    expect(await store().countRemovalOverdueByDestination()).toEqual([{ destination: 'inhope', count: 1 }]);
    expect((await store().getHandover(ids.P4!))!.removalOverdueAt).toBe(NOW);
    expect((await clock({ from: T0 - DAY })).map((g) => [g.key, g.extra.removalOverdue])).toEqual([
      ['inhope', 1],
      ['police', 1],
      [null, 0],
    ]);
    expect(await store().verifyAudit()).toMatchObject({ ok: true });
  });
}
