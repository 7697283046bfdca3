/**
 * The "From partners" page in a real browser (Debian's chromium through playwright-core): what
 * partner hotlines handed to Belgium through ICCAM waits there for an analyst, who assesses it
 * in a form (the one action analysts have in the console); the story then shows what ICCAM was
 * told and when. Against the strict ICCAM stand-in with its four inbound items; the import and
 * the inbound pass are stepped by the test. axe-core at 1366 px and 390 px, and the keyboard.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Composed } from '../../src/compose.js';
import type { IccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { importFromIccam } from '../../src/delivery/iccam-import.js';
import { tellIccam } from '../../src/delivery/iccam-tell.js';
import { createApp } from '../../src/http/app.js';
import { appParts } from '../../src/service.js';
import { startStandinDestinations, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator } from '../support/table-locator.js';
import { createTestService, KEYS, type TestService } from '../support/test-service.js';
import { launchBrowser, openAllDetails, screenshot, seriousAccessibilityProblems, unreachableByKeyboard, type BrowserKit } from './console-browser-kit.js';

let svc: TestService;
let destinations: StandinDestinations;
let parts: Composed;
let adapter: IccamAdapter;
let server: Server;
let base: string;
let kit: BrowserKit;

const locator = new TableLocator({
  'img.partner-one.example': { geo: 'BE' },
  'forum.partner-two.example': { geo: 'BE' },
  'moved.partner-three.example': { geo: 'NL' },
});

beforeAll(async () => {
  svc = await createTestService();
  destinations = await startStandinDestinations(svc.clock, { iccam: { inbound: true } });
  parts = await svc.recompose({ locator, adapters: destinations.adapters({ store: svc.ctx.store }) });
  adapter = parts.adapters.inhope as IccamAdapter;
  await adapter.refreshLookups(svc.clock.now().getTime());
  await importFromIccam(svc.ctx, adapter);
  await tellIccam(svc.ctx, adapter);
  const app = createApp(svc.ctx, appParts(parts));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  kit = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await kit?.close();
  await new Promise((resolve) => server?.close(resolve));
  await destinations?.close();
  await svc?.close();
});

async function signedIn(role: 'analyst' | 'supervisor', width: number): Promise<{ context: BrowserContext; page: Page }> {
  const context = await kit.browser.newContext({ viewport: { width, height: 900 }, locale: 'en-GB', timezoneId: 'UTC', reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.goto(`${base}/console/partners`);
  await page.getByLabel('Your API key').fill(KEYS[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/console/partners`);
  return { context, page };
}

const item = async (contentId: string) =>
  (await svc.ctx.store.findHandovers({ states: ['awaiting_assessment', 'locating', 'closed'], limit: 20 })).find((h) => h.inboundContentId === contentId)!;

describe('From partners, in a browser', { timeout: 90_000 }, () => {
  it('lists what waits for an assessment with the partner hotline, ICCAM’s classification, age and time since assignment; no serious axe finding at 1366 and 390 px', async () => {
    for (const width of [1366, 390]) {
      const { context, page } = await signedIn('analyst', width);
      const rows = page.locator('table tbody tr');
      expect(await rows.count()).toBe(2);
      // Longest assigned first: 700002 (3 h ago), then 700003 (2 h ago).
      expect(await rows.nth(0).textContent()).toMatch(/21.*National CSAM.*Pubescent.*3 h.*ago.*hxxps\[:\/\/\]img\[\.\]partner-one\[\.\]example\/a\/2\.jpg/s);
      expect(await rows.nth(1).textContent()).toMatch(/33.*National CSAM.*Not categorised.*2 h.*ago/s);
      // Reported URLs are text, never links; nothing is loaded from a reported host.
      expect(await page.locator('a[href*="partner-"], img[src*="partner-"]').count()).toBe(0);
      // With a form open, as an analyst sees it while assessing.
      await page.locator('article.case summary').first().click();
      await screenshot(page, width === 1366 ? 'partners' : 'partners-narrow');
      expect(await seriousAccessibilityProblems(page), `axe at ${width} px`).toEqual([]);
      expect(await unreachableByKeyboard(page), `keyboard at ${width} px`).toEqual([]);
      await context.close();
    }
  });

  it('has no serious axe finding on the queue and on a partner item’s story, for either role, at 1366 and 390 px, with every <details> open', async () => {
    const story = `/console/handovers/${(await item('700002')).id}`;
    for (const role of ['analyst', 'supervisor'] as const) {
      for (const width of [1366, 390]) {
        const { context, page } = await signedIn(role, width);
        for (const path of ['/console/partners', story]) {
          await page.goto(`${base}${path}`);
          await openAllDetails(page);
          expect(await seriousAccessibilityProblems(page), `${role} at ${width} px on ${path}`).toEqual([]);
        }
        await context.close();
      }
    }
  });

  it('lets an analyst assess: illegal with a classification, and not illegal with a reason in words; ICCAM is then told, and the story says so', async () => {
    const { context, page } = await signedIn('analyst', 1366);
    const national = await item('700002');
    const first = page.locator(`article[aria-labelledby="item-${national.id}"]`);
    await first.locator('summary').click();
    await first.getByLabel('Under Belgian law this content is').selectOption('illegal');
    await first.getByLabel('Category').selectOption('national');
    await first.getByLabel('Age group').selectOption('pubescent');
    await first.getByRole('button', { name: 'Record the assessment' }).click();
    await page.waitForURL(`${base}/console/partners?done=illegal`);
    expect(await page.getByRole('status').textContent()).toContain('Assessed illegal in Belgium');
    expect(await item('700002')).toMatchObject({ state: 'locating', classification: { category: 'national', ageGroup: 'pubescent' } });

    const other = await item('700003');
    const second = page.locator(`article[aria-labelledby="item-${other.id}"]`);
    await second.locator('summary').click();
    // Not illegal without a reason: refused with the reason in words, nothing changed.
    await second.getByLabel('Under Belgian law this content is').selectOption('not-illegal');
    await second.getByRole('button', { name: 'Record the assessment' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Choose why it is not illegal.');
    expect((await item('700003')).state).toBe('awaiting_assessment');
    const again = page.locator(`article[aria-labelledby="item-${other.id}"]`);
    await again.getByLabel('Under Belgian law this content is').selectOption('not-illegal');
    await again.getByLabel('Reason').selectOption({ label: 'Over the age threshold of Belgian law' });
    await again.getByLabel('Note for the partner (optional, sent to ICCAM)').fill('Adults by Belgian law');
    await again.getByRole('button', { name: 'Record the assessment' }).click();
    await page.waitForURL(`${base}/console/partners?done=not-illegal`);
    expect(await page.locator('table tbody').textContent()).toContain('Nothing waits for an assessment.');
    expect(await item('700003')).toMatchObject({ state: 'closed', outcome: 'not_illegal', hotlineAssessment: { by: 'key:analyst-key' } });

    await tellIccam(svc.ctx, adapter);
    await page.goto(`${base}/console/handovers/${other.id}`);
    const partner = page.locator('section[aria-labelledby="partner-h"]');
    expect(await partner.textContent()).toMatch(/Partner hotline\s*33/);
    expect(await partner.locator('ul.told').textContent()).toMatch(/Our reference .* set .*UTC.*NotIllegal: sent .*UTC/s);
    expect(await seriousAccessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'partner-story');
    await context.close();
  });
});
