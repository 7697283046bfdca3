/**
 * One live case per URL (issue #15), against both stores: a URL referred while a live handover
 * carries it becomes a duplicate entry linked to that handover; a URL whose earlier case is over
 * becomes a new case linked to it (a reappearance); a supervisor can split a duplicate.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIVE_STATES, OVER_STATES, type HandoverState } from '../../src/domain/handover-states.js';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import type { SqlDriver } from '../../src/store/sql-driver.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { SqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';
import type { HandoverRecord, NewReferral } from '../../src/store/store.js';
import { dropSchema, newSchemaName, TEST_POSTGRES_URL } from '../support/postgres.js';

const classification = { category: 'baseline', ageGroup: 'unknown' } as const;

function referral(reportId: string, urls: string[]): NewReferral {
  return {
    id: randomUUID(),
    reportId,
    bodyHash: `hash-${reportId}`,
    classification,
    reportedAt: null,
    urls: urls.map((url) => ({ handoverId: randomUUID(), url, contentType: null })),
  };
}

/** The checked transitions that bring a new handover (in `locating`) to each state (a partner item's own state aside). */
type ReachableState = Exclude<HandoverState, 'duplicate' | 'awaiting_assessment'>;
const PATHS: Record<ReachableState, HandoverState[]> = {
  locating: [],
  needs_review: ['needs_review'],
  routed: ['routed'],
  delivering: ['routed', 'delivering'],
  delivered: ['routed', 'delivering', 'delivered'],
  acknowledged: ['routed', 'delivering', 'delivered', 'acknowledged'],
  closed: ['routed', 'delivering', 'delivered', 'closed'],
  failed: ['routed', 'delivering', 'failed'],
  cancelled: ['routed', 'cancelled'],
};

const harnesses: [string, () => Promise<{ driver: SqlDriver; cleanup: () => Promise<void> }>][] = [
  [
    'SQLite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hrr-url-'));
      return { driver: new SqliteDriver(join(dir, 'test.db')), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const schema = newSchemaName();
      return {
        driver: new PostgresDriver({ connectionString: TEST_POSTGRES_URL, poolSize: 8, statementTimeoutMs: 10_000, schema }),
        cleanup: () => dropSchema(schema),
      };
    },
  ],
];

for (const [name, makeHarness] of harnesses) {
  describe(`one live case per URL: ${name}`, () => {
    let driver: SqlDriver;
    let cleanup: () => Promise<void>;
    let store: SqlStore;
    let now = 1_000;

    beforeEach(async () => {
      ({ driver, cleanup } = await makeHarness());
      store = new SqlStore(driver);
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    async function refer(reportId: string, urls: string[]): Promise<HandoverRecord[]> {
      return (await store.createReferral(referral(reportId, urls), 'key:analyst', ++now)).handovers;
    }

    async function bring(id: string, state: ReachableState): Promise<void> {
      for (const to of PATHS[state]) {
        await store.transition(id, {
          to,
          actor: 'system:test',
          reason: 'test',
          set: to === 'routed' ? { destination: 'police', country: 'BE' } : {},
          now: ++now,
        });
      }
    }

    it('records the same URL twice in one referral as one case and a duplicate of it', async () => {
      const [first, second, other] = await refer('R-within', [
        'https://gallery.example/g?p=1',
        'HTTPS://Gallery.EXAMPLE/g?p=1#top',
        'https://gallery.example/g?p=2',
      ]);
      expect(first).toMatchObject({ state: 'locating', duplicateOf: null, position: 0 });
      expect(second).toMatchObject({ state: 'duplicate', duplicateOf: first!.id, position: 1 });
      expect(other).toMatchObject({ state: 'locating', duplicateOf: null });
    });

    it('makes a referral of a URL a partner item carries while it awaits its assessment a duplicate of it, and the other way round', async () => {
      const { handovers } = await store.recordInboundReport(
        {
          referralId: randomUUID(),
          reportId: 'iccam:30001',
          bodyHash: 'h',
          classification,
          reportedAt: null,
          partnerHotline: '21',
          countryAssignmentDate: 500,
          items: [
            {
              handoverId: randomUUID(),
              contentId: '700001',
              url: 'https://partner.example/a.jpg',
              reportedUrl: null,
              state: 'awaiting_assessment',
              partnerAssessment: null,
              classification: null,
              auditData: {},
            },
          ],
        },
        'system:iccam-import',
        ++now,
      );
      const [partner] = handovers;
      expect(partner).toMatchObject({ state: 'awaiting_assessment', inboundContentId: '700001', source: 'iccam' });
      const [dup] = await refer('R-backoffice', ['https://partner.example/a.jpg']);
      expect(dup).toMatchObject({ state: 'duplicate', duplicateOf: partner!.id });
      const [ours] = await refer('R-ours', ['https://ours.example/b.jpg']);
      const again = await store.recordInboundReport(
        {
          referralId: randomUUID(),
          reportId: 'iccam:30002',
          bodyHash: 'h2',
          classification,
          reportedAt: null,
          partnerHotline: '33',
          countryAssignmentDate: 600,
          items: [
            {
              handoverId: randomUUID(),
              contentId: '700002',
              url: 'https://ours.example/b.jpg',
              reportedUrl: null,
              state: 'locating',
              partnerAssessment: null,
              classification: null,
              auditData: {},
            },
          ],
        },
        'system:iccam-import',
        ++now,
      );
      expect(again.handovers[0]).toMatchObject({ state: 'duplicate', duplicateOf: ours!.id, inboundContentId: '700002' });
    });

    for (const state of LIVE_STATES.filter((s) => s !== 'awaiting_assessment')) {
      it(`makes a later referral of the URL a duplicate while the first case is ${state}`, async () => {
        const [first] = await refer('R-first', ['https://host.example/item']);
        await bring(first!.id, state as ReachableState);
        const [dup] = await refer('R-again', ['https://host.example/item']);
        expect(dup).toMatchObject({ state: 'duplicate', duplicateOf: first!.id, reappearanceOf: null });
        // Audit events on both sides, and the links from the carrying handover.
        expect(await store.listAuditEvents(dup!.id)).toMatchObject([{ kind: 'intake', toState: 'duplicate', data: { duplicateOf: first!.id } }]);
        expect((await store.listAuditEvents(first!.id)).at(-1)).toMatchObject({
          kind: 'duplicate_received',
          fromState: state,
          toState: state,
          data: { duplicateId: dup!.id, reportId: 'R-again' },
        });
        expect((await store.listUrlLinks(first!.id)).duplicates.map((h) => h.id)).toEqual([dup!.id]);
        expect((await store.getHandover(first!.id))!.state).toBe(state);
      });
    }

    for (const state of OVER_STATES) {
      it(`makes a later referral of the URL a new case, a reappearance, after the first case is ${state}`, async () => {
        const [first] = await refer('R-first', ['https://host.example/item']);
        await bring(first!.id, state as ReachableState);
        const [again] = await refer('R-again', ['https://host.example/item']);
        expect(again).toMatchObject({ state: 'locating', duplicateOf: null, reappearanceOf: first!.id });
        expect((await store.listAuditEvents(first!.id)).at(-1)).toMatchObject({ kind: 'reappeared', data: { reappearanceId: again!.id } });
        expect((await store.listUrlLinks(first!.id)).reappearances.map((h) => h.id)).toEqual([again!.id]);
        // The new case carries the URL now: a third referral is its duplicate.
        const [third] = await refer('R-third', ['https://host.example/item']);
        expect(third).toMatchObject({ state: 'duplicate', duplicateOf: again!.id });
      });
    }

    it('answers the same report again with the same entries, not with new duplicates', async () => {
      const input = referral('R-idem', ['https://host.example/a', 'https://host.example/a']);
      const first = await store.createReferral(input, 'key:analyst', 10);
      const again = await store.createReferral(
        { ...input, id: randomUUID(), urls: input.urls.map((u) => ({ ...u, handoverId: randomUUID() })) },
        'key:analyst',
        20,
      );
      expect(again.created).toBe(false);
      expect(again.handovers.map((h) => [h.id, h.state, h.duplicateOf])).toEqual(first.handovers.map((h) => [h.id, h.state, h.duplicateOf]));
      expect(await store.listHandovers({ limit: 10 })).toHaveLength(2);
    });

    it('makes one case of one URL referred by many reports at the same moment', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.createReferral(referral(`R-race-${i}`, ['https://race.example/x', `https://race.example/own-${i}`]), 'key:analyst', 50),
        ),
      );
      const shared = results.map((r) => r.handovers[0]!);
      const cases = shared.filter((h) => h.state === 'locating');
      expect(cases).toHaveLength(1);
      for (const h of shared) if (h !== cases[0]) expect(h).toMatchObject({ state: 'duplicate', duplicateOf: cases[0]!.id });
      expect(results.every((r) => r.handovers[1]!.state === 'locating')).toBe(true);
      expect(await store.verifyAudit()).toMatchObject({ ok: true });
    });

    it('lets the database refuse a second live holder of one URL key', async () => {
      const [first] = await refer('R-1', ['https://host.example/item']);
      const [other] = await refer('R-2', ['https://elsewhere.example/']);
      let refused = false;
      try {
        await driver.run('UPDATE handovers SET live_url_key = ? WHERE id = ?', [first!.urlKey, other!.id]);
      } catch (error) {
        refused = driver.isUniqueViolation(error);
      }
      expect(refused).toBe(true);
    });

    it('splits a duplicate into its own case, with the reason on both sides', async () => {
      const [first] = await refer('R-1', ['https://host.example/item']);
      const [dup] = await refer('R-2', ['https://host.example/item']);
      await expect(store.transition(dup!.id, { to: 'locating', actor: 'key:sup', reason: 'x', now: ++now })).rejects.toMatchObject({
        code: 'invalid_transition',
      });
      const split = await store.splitDuplicate(dup!.id, { actor: 'key:sup', reason: 'different content at one address', now: 500 });
      expect(split).toMatchObject({ state: 'locating', splitAt: 500, duplicateOf: first!.id });
      expect((await store.listAuditEvents(dup!.id)).at(-1)).toMatchObject({
        kind: 'split',
        fromState: 'duplicate',
        toState: 'locating',
        actor: 'key:sup',
        reason: 'different content at one address',
      });
      expect((await store.listAuditEvents(first!.id)).at(-1)).toMatchObject({ kind: 'duplicate_split', data: { splitId: dup!.id } });
      // The first case still carries the URL.
      expect((await refer('R-3', ['https://host.example/item']))[0]).toMatchObject({ state: 'duplicate', duplicateOf: first!.id });
      // A split case is not a duplicate any more: splitting it again is refused.
      await expect(store.splitDuplicate(dup!.id, { actor: 'key:sup', reason: 'again', now: 501 })).rejects.toMatchObject({ code: 'invalid_transition' });
      // It goes its own way: cancelling it leaves the first case alone.
      await store.transition(dup!.id, { to: 'needs_review', actor: 'system:test', reason: null, now: ++now });
      await store.transition(dup!.id, { to: 'cancelled', actor: 'key:sup', reason: 'done', now: ++now });
      expect((await store.getHandover(first!.id))!.state).toBe('locating');
    });

    it('refuses to send a failed case again while a newer case carries its URL', async () => {
      const [first] = await refer('R-1', ['https://host.example/item']);
      await bring(first!.id, 'failed');
      const [second] = await refer('R-2', ['https://host.example/item']);
      await expect(store.transition(first!.id, { to: 'routed', actor: 'key:sup', reason: 'retry', now: ++now })).rejects.toMatchObject({
        code: 'url_already_live',
        status: 409,
        details: { handoverId: second!.id },
      });
      expect((await store.getHandover(first!.id))!.state).toBe('failed');
      // Once the newer case is over, the failed one may go again and carries the URL.
      await store.transition(second!.id, { to: 'needs_review', actor: 'system:test', reason: null, now: ++now });
      await store.transition(second!.id, { to: 'cancelled', actor: 'key:sup', reason: 'x', now: ++now });
      await store.transition(first!.id, { to: 'routed', actor: 'key:sup', reason: 'retry', now: ++now });
      expect((await refer('R-3', ['https://host.example/item']))[0]).toMatchObject({ state: 'duplicate', duplicateOf: first!.id });
    });

    it('hands the URL to a successor created after its parent closed (content moved)', async () => {
      const [first] = await refer('R-1', ['https://host.example/item']);
      await bring(first!.id, 'closed');
      const successor = await store.createLinkedHandover(first!.id, { id: randomUUID(), actor: 'system:ack', reason: 'moved', now: ++now });
      expect((await refer('R-2', ['https://host.example/item']))[0]).toMatchObject({ state: 'duplicate', duplicateOf: successor.id });
    });

    it('lists duplicates and reappearances by the time they were referred', async () => {
      const [first] = await refer('R-1', ['https://host.example/item']);
      await refer('R-2', ['https://host.example/item']);
      await bring(first!.id, 'closed');
      await refer('R-3', ['https://host.example/item']);
      const all = await store.listUrlRepeats();
      expect(all.map((r) => [r.kind, r.earlierState, r.split])).toEqual([
        ['duplicate', null, false],
        ['reappearance', 'closed', false],
      ]);
      expect(await store.listUrlRepeats({ from: all[1]!.createdAt })).toHaveLength(1);
    });

    it('gives rows written before the URL keys their keys, the oldest live one carrying the URL', async () => {
      const [a] = await refer('R-1', ['https://old.example/x']);
      const [b] = await refer('R-2', ['https://old.example/y']);
      // As if both were written before migration 0008, and both name the same URL.
      await driver.run("UPDATE handovers SET url = 'https://OLD.example/x#f', url_key = NULL, live_url_key = NULL WHERE id = ?", [b!.id]);
      await driver.run('UPDATE handovers SET url_key = NULL, live_url_key = NULL WHERE id = ?', [a!.id]);
      await store.migrate();
      expect(await store.getHandover(a!.id)).toMatchObject({ urlKey: 'https://old.example/x' });
      expect(await store.getHandover(b!.id)).toMatchObject({ urlKey: 'https://old.example/x' });
      expect((await refer('R-3', ['https://old.example/x']))[0]).toMatchObject({ state: 'duplicate', duplicateOf: a!.id });
    });
  });
}
