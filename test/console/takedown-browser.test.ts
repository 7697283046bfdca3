/**
 * The takedown clock's console pages in a real browser (Debian's chromium through
 * playwright-core): the figures at 1366 px and on a 390 px phone (every table in a focusable
 * scroll region, no serious or critical axe finding, everything reachable by keyboard), and the
 * overdue takedowns with a supervisor's chase. Half a year of handovers is seeded through the
 * store with known times; the escalation job flags what is past the last mark on a ManualClock.
 * Screenshots go to docs/console/ (figures.png, figures-phone.png, takedown-overdue.png).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Destination } from '../../src/domain/decision.js';
import type { HostingEvidence } from '../../src/domain/evidence.js';
import type { HandoverState } from '../../src/domain/handover-states.js';
import { createApp } from '../../src/http/app.js';
import { appParts } from '../../src/service.js';
import type { HandoverPatch } from '../../src/store/store.js';
import { createTestService, KEYS, type TestService } from '../support/test-service.js';
import { launchBrowser, screenshot, seriousAccessibilityProblems, unreachableByKeyboard, type BrowserKit } from './console-browser-kit.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-03-02T09:00:00Z');

let svc: TestService;
let server: Server;
let base: string;
let kit: BrowserKit;
const overdue: { police: string[]; inhope: string[] } = { police: [], inhope: [] };

const PLACES: { destination: Destination; country: string; asn: number; hotline: string | null }[] = [
  { destination: 'police', country: 'BE', asn: 2611, hotline: null },
  { destination: 'inhope', country: 'NL', asn: 1136, hotline: 'Meldpunt Kinderporno (NL)' },
  { destination: 'police', country: 'BE', asn: 5432, hotline: null },
  { destination: 'inhope', country: 'DE', asn: 3320, hotline: 'eco (DE)' },
  { destination: 'inhope', country: 'FR', asn: 16276, hotline: 'Point de Contact (FR)' },
  { destination: 'police', country: 'KZ', asn: 9198, hotline: null },
];

/** Half a year of handovers: most down within days, some never, a few flagged past the last mark. */
async function seedHalfYear(): Promise<void> {
  const store = svc.ctx.store;
  const start = Date.parse('2025-09-01T08:00:00Z');
  for (let i = 0; i < 60; i++) {
    const place = PLACES[i % PLACES.length]!;
    const referredAt = start + i * 3 * DAY + (i % 5) * HOUR;
    const id = randomUUID();
    await store.createReferral(
      {
        id: randomUUID(),
        reportId: `HALF-${String(i).padStart(3, '0')}`,
        bodyHash: `h${i}`,
        classification: { category: 'baseline', ageGroup: 'unknown' },
        reportedAt: null,
        urls: [{ handoverId: id, url: `https://item${i}.history.test/p`, contentType: 'image' }],
      },
      'key:test',
      referredAt,
    );
    const go = (to: HandoverState, after: number, set: HandoverPatch = {}) =>
      store.transition(id, { to, actor: 'system:seed', reason: 'history', set, now: referredAt + after });
    if (i % 13 === 7) {
      await go('needs_review', MIN);
      continue;
    }
    const evidence = {
      addresses: [{ address: '192.0.2.1', publiclyRoutable: true, geo: { country: place.country, asn: place.asn } }],
    } as unknown as HostingEvidence;
    await go('routed', MIN, {
      destination: place.destination,
      country: place.country,
      targetHotline: place.hotline,
      assignedCountry: place.destination === 'inhope' ? place.country : null,
      evidence,
    });
    await go('delivering', 2 * MIN);
    const deliveredAfter = (5 + (i % 7) * 9) * MIN;
    await go('delivered', deliveredAfter, { deliveredAt: referredAt + deliveredAfter, reference: `REF-${i}` });
    const ackAfter = (1 + (i % 6) * 5) * HOUR;
    await go('acknowledged', ackAfter, { acknowledgedAt: referredAt + ackAfter });
    if (place.destination === 'police') {
      await store.recordAck({
        handoverId: id,
        destination: 'police',
        source: 'poll',
        status: 'registered',
        reference: `PV/2025/${String(i).padStart(5, '0')}`,
        reason: null,
        applied: true,
        note: null,
        webhookId: null,
        receivedAt: referredAt + ackAfter,
      });
    }
    if (i % 8 === 3) continue; // never heard of again: past the last mark
    // Down after 6 h to about 11 days, depending on the case.
    const downAfter = (6 + ((i * 37) % 260)) * HOUR;
    if (referredAt + downAfter > NOW) continue;
    await go('closed', downAfter, {
      closedAt: referredAt + downAfter,
      outcome: i % 4 === 0 ? 'unavailable' : 'removed',
      contentRemovedAt: referredAt + downAfter,
    });
  }
}

beforeAll(async () => {
  svc = await createTestService();
  await seedHalfYear();
  svc.clock.set(new Date(NOW));
  await svc.parts.jobs.job('removal-overdue').runOnce();
  for (const e of await svc.ctx.store.listRemovalOverdue({ limit: 100 })) overdue[e.handover.destination!].push(e.handover.id);
  const app = createApp(svc.ctx, appParts(svc.parts));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  kit = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await kit?.close();
  await new Promise((resolve) => server?.close(resolve));
  await svc?.close();
});

async function signedIn(role: 'supervisor' | 'analyst', width: number): Promise<{ context: BrowserContext; page: Page }> {
  const context = await kit.browser.newContext({ viewport: { width, height: 900 }, locale: 'en-GB', timezoneId: 'UTC', reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.goto(`${base}/console/sign-in`);
  await page.getByLabel('Your API key').fill(KEYS[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/console/`);
  return { context, page };
}

const FIGURES = '/console/figures?from=2025-09-01&to=2026-03-01';

/** Every table's nearest block ancestor is a focusable, labelled scroll region. */
async function tablesOutsideScrollRegions(page: Page): Promise<string[]> {
  return (await page.evaluate(`[...document.querySelectorAll('main table')]
    .filter((t) => { const r = t.closest('.scroll'); return !r || r.getAttribute('tabindex') !== '0' || r.getAttribute('role') !== 'region' || !r.getAttribute('aria-label'); })
    .map((t) => (t.querySelector('caption') || {}).textContent || '(no caption)')`)) as string[];
}

describe('the takedown clock in the console', { timeout: 90_000 }, () => {
  it('shows the figures at 1366 px: share within each mark as bars, medians, open past the marks, the median over time', async () => {
    const { context, page } = await signedIn('analyst', 1366);
    // The overview counts the overdue takedowns.
    expect(await page.locator('section[aria-labelledby="takedowns-h"]').textContent()).toContain(
      `${overdue.police.length + overdue.inhope.length} past the last mark`,
    );
    await page.getByRole('link', { name: 'Figures' }).click();
    await page.getByLabel('From', { exact: true }).fill('2025-09-01');
    await page.getByLabel('To (inclusive)').fill('2026-03-01');
    await page.getByLabel('Per', { exact: true }).selectOption('destination');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForSelector('.chart[data-drawn="true"]');
    expect(await page.locator('#chart-removal').getAttribute('data-points')).toBe('7'); // September to March
    expect(await page.locator('#chart-removal').getAttribute('data-lines')).toBe('3'); // all, inhope, police
    const removal = page.locator('section[aria-labelledby="step-removed-h"] tbody tr');
    expect(await removal.allTextContents()).toEqual([
      expect.stringContaining('all handovers'),
      expect.stringContaining('inhope (partner hotlines via ICCAM)'),
      expect.stringContaining('police (federal police export)'),
      expect.stringContaining('not routed (yet)'),
    ]);
    // One bar per mark in every row of the three step tables.
    expect(await page.locator('section[aria-labelledby^="step-"] td.share svg').count()).toBe(3 * 4 * 3);
    expect(await page.locator('section[aria-labelledby="counts-h"] tbody tr').count()).toBe(4);
    expect(await tablesOutsideScrollRegions(page)).toEqual([]);
    await screenshot(page, 'figures');
    expect(await seriousAccessibilityProblems(page), 'axe at 1366 px').toEqual([]);
    expect(await unreachableByKeyboard(page), 'keyboard at 1366 px').toEqual([]);

    await page.getByLabel('Per', { exact: true }).selectOption('country');
    await page.getByLabel('Over time, per').selectOption('week');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForSelector('.chart[data-drawn="true"]');
    expect(await page.locator('section[aria-labelledby="step-removed-h"] tbody th').allTextContents()).toEqual([
      'all handovers',
      'BE',
      'DE',
      'FR',
      'KZ',
      'NL',
      'country not known',
    ]);
    expect(Number(await page.locator('#chart-removal').getAttribute('data-points'))).toBeGreaterThan(25);
    const csvHref = await page.getByRole('link', { name: 'Export these figures as CSV' }).getAttribute('href');
    expect(csvHref).toContain('groupBy=country');
    expect(csvHref).toContain('per=week');
    await context.close();
  });

  it('at 390 px puts every table in a focusable scroll region and still has no serious accessibility finding', async () => {
    const { context, page } = await signedIn('analyst', 390);
    await page.goto(`${base}${FIGURES}&groupBy=country`);
    await page.waitForSelector('.chart[data-drawn="true"]');
    expect(await tablesOutsideScrollRegions(page)).toEqual([]);
    // The tables are wider than the phone: their regions scroll, the page itself does not.
    const region = page.locator('section[aria-labelledby="step-removed-h"] .scroll');
    expect(
      await page.evaluate(
        `(() => { const el = document.querySelector('section[aria-labelledby="step-removed-h"] .scroll'); return el.scrollWidth > el.clientWidth; })()`,
      ),
    ).toBe(true);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
    await screenshot(page, 'figures-phone');
    // A keyboard user scrolls the focused region sideways.
    await region.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate(`document.querySelector('section[aria-labelledby="step-removed-h"] .scroll').scrollLeft`)).toBeGreaterThan(0);
    expect(await seriousAccessibilityProblems(page), 'axe at 390 px').toEqual([]);
    expect(await unreachableByKeyboard(page), 'keyboard at 390 px').toEqual([]);
    await context.close();
  });

  it('lists the overdue takedowns oldest first with what was last heard, and lets a supervisor note a chase', async () => {
    expect(overdue.police.length).toBeGreaterThan(0);
    expect(overdue.inhope.length).toBeGreaterThan(0);
    const { context, page } = await signedIn('supervisor', 1366);
    await page.getByRole('link', { name: 'Overdue takedowns' }).first().click();
    await page.waitForURL(`${base}/console/takedown-overdue`);
    const rows = page.locator('table.chase-list tbody tr');
    expect(await rows.count()).toBe(overdue.police.length + overdue.inhope.length);
    const all = await svc.ctx.store.listRemovalOverdue({ limit: 100 });
    const starts = all.map((e) => e.startedAt);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const firstPolice = all.find((e) => e.handover.destination === 'police')!;
    const policeRow = rows.filter({ hasText: firstPolice.handover.id.slice(-8) });
    expect(await policeRow.textContent()).toContain(`case number ${firstPolice.destinationReference}`);
    expect(await rows.filter({ hasText: 'partner hotline' }).first().textContent()).toMatch(/partner hotline (Meldpunt|eco|Point de Contact)/);
    await checkAndShoot(page, 'takedown-overdue');

    const form = policeRow.locator('form');
    await form.getByLabel('What you did').fill('Asked the FCCU contact again by phone');
    await form.getByRole('button', { name: /Note the chase/ }).click();
    await page.waitForURL(/\/console\/takedown-overdue\?chased=/);
    expect(await page.getByRole('status').textContent()).toContain('The chase is noted');
    expect(await rows.filter({ hasText: firstPolice.handover.id.slice(-8) }).textContent()).toContain('Asked the FCCU contact again by phone');
    const [chase] = (await svc.ctx.store.listAuditEvents(firstPolice.handover.id)).filter((e) => e.kind === 'removal_chase');
    expect(chase).toMatchObject({ actor: 'key:supervisor-key', reason: 'Asked the FCCU contact again by phone' });

    // An analyst sees the list without the chase forms.
    const analyst = await signedIn('analyst', 1366);
    await analyst.page.goto(`${base}/console/takedown-overdue?destination=inhope`);
    expect(await analyst.page.locator('table.chase-list tbody tr').count()).toBe(overdue.inhope.length);
    expect(await analyst.page.locator('table.chase-list form').count()).toBe(0);
    await analyst.context.close();
    await context.close();
  });
});

async function checkAndShoot(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousAccessibilityProblems(page), `axe on ${name}`).toEqual([]);
  expect(await unreachableByKeyboard(page), `keyboard on ${name}`).toEqual([]);
}
