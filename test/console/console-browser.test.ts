/**
 * The console in a real browser (Debian's chromium through playwright-core), against the real
 * app on 127.0.0.1 and the local police and ICCAM stand-ins. Background jobs are stepped by
 * the test (dispatcher, acknowledgement poll) on a ManualClock: nothing waits on wall time.
 * Every page is checked with axe-core and by keyboard, and photographed into docs/console/ (the
 * figures and the overdue takedowns in takedown-browser.test.ts).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Composed } from '../../src/compose.js';
import { pollAcknowledgements } from '../../src/delivery/ack-poller.js';
import { createApp } from '../../src/http/app.js';
import { appParts } from '../../src/service.js';
import { submitReferral } from '../../src/services/intake.js';
import { startStandinDestinations, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator } from '../support/table-locator.js';
import { createTestService, KEYS, type TestService } from '../support/test-service.js';
import { launchBrowser, screenshot, seriousAccessibilityProblems, unreachableByKeyboard, type BrowserKit } from './console-browser-kit.js';

const MIN = 60_000;

let svc: TestService;
let destinations: StandinDestinations;
let parts: Composed;
let server: Server;
let base: string;
let kit: BrowserKit;
let cdnCase: string;

const locator = new TableLocator({
  'images.be-host.test': { geo: 'BE' },
  'video.nl-host.test': { geo: 'NL' },
  'proxied.cdn-site.test': { geo: 'US', cdn: 'Cloudflare' },
  'gone.test': { dns: 'nxdomain' },
});

beforeAll(async () => {
  svc = await createTestService();
  destinations = await startStandinDestinations(svc.clock, { police: { behaviour: { ackAfterMs: 60_000 } } });
  parts = await svc.recompose({ locator, adapters: destinations.adapters() });
  const app = createApp(svc.ctx, appParts(parts));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { handovers } = await submitReferral(
    svc.ctx,
    {
      reportId: 'CF-2026-0042',
      urls: ['https://images.be-host.test/gallery/1.jpg', 'https://video.nl-host.test/v/2', 'https://proxied.cdn-site.test/5', 'https://gone.test/6'].map(
        (url) => ({ url, contentType: 'image' as const }),
      ),
      classification: { category: 'baseline', ageGroup: 'prepubescent', siteType: 'image-host' },
    },
    'key:analyst-key',
  );
  cdnCase = handovers[2]!.id;
  await parts.jobs.job('locate').runOnce();
  await parts.dispatcher.runOnce();
  svc.clock.advance(10 * MIN);
  kit = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await kit?.close();
  await new Promise((resolve) => server?.close(resolve));
  await destinations?.close();
  await svc?.close();
});

async function signedIn(role: 'supervisor' | 'analyst'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await kit.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/console/`);
  await page.getByLabel('Your API key').fill(KEYS[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/console/`);
  return { context, page };
}

/** axe-core finds nothing serious, every control is reachable by Tab, and a screenshot for the README. */
async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousAccessibilityProblems(page), `axe on ${name}`).toEqual([]);
  expect(await unreachableByKeyboard(page), `keyboard on ${name}`).toEqual([]);
}

describe('the console in a browser', { timeout: 90_000 }, () => {
  it('refuses a wrong key and signs a supervisor in', async () => {
    const context = await kit.newContext();
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await page.goto(`${base}/console/review`);
    expect(page.url()).toContain('/console/sign-in?next=');
    await page.getByLabel('Your API key').fill('hrr_wrong-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('That key is not valid.');
    await checkPage(page, 'sign-in');

    await page.getByLabel('Your API key').fill(KEYS.supervisor);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/console/review`);
    expect(await page.locator('header .who').textContent()).toContain('supervisor-key');
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('shows the overview and the handover list', async () => {
    const { context, page } = await signedIn('supervisor');
    expect(await page.getByRole('heading', { name: 'Review queue' }).isVisible()).toBe(true);
    expect(await page.locator('.card .big').textContent()).toContain('2 waiting');
    expect(await page.getByText('Last checkpoint: none yet.').isVisible()).toBe(true);
    const police = page.locator('section[aria-labelledby="dest-h"] tbody tr').first();
    expect(await police.textContent()).toMatch(/police\s*yes\s*closed/);
    await checkPage(page, 'overview');

    await page.getByRole('link', { name: 'Handovers', exact: true }).click();
    await page.getByLabel('Report id').fill('CF-2026-0042');
    await page.getByRole('button', { name: 'Search' }).click();
    expect(await page.locator('tbody tr').count()).toBe(4);
    const urlCells = await page.locator('tbody code').allTextContents();
    expect(urlCells).toContain('hxxps[://]images[.]be-host[.]test/gallery/1.jpg');
    // Reported URLs are text, never links, and nothing is loaded from a reported host.
    expect(await page.locator('a[href*="be-host"], img[src*="be-host"], a[href*="cdn-site"]').count()).toBe(0);
    await checkPage(page, 'handovers');
    await context.close();
  });

  it('lets a supervisor route a CDN-hosted case to the police and follow it to acknowledgement', async () => {
    const { context, page } = await signedIn('supervisor');
    await page.getByRole('link', { name: 'Review queue' }).click();
    await page.getByRole('form', { name: 'Filter the review queue' }).getByLabel('Reason').selectOption('behind_cdn');
    await page.getByRole('button', { name: 'Filter' }).click();
    const item = page.locator('article.case');
    expect(await item.count()).toBe(1);
    expect(await item.textContent()).toContain('Every address belongs to a CDN or reverse proxy: the origin host is unknown.');
    expect(await item.textContent()).toContain('hxxps[://]proxied[.]cdn-site[.]test/5');
    await item.getByText('Evidence summary').click();
    expect(await item.locator('.evidence table').textContent()).toContain('Cloudflare');
    await checkPage(page, 'review-queue');

    // By keyboard: open the action, fill it in, send it.
    await item.locator('summary', { hasText: 'Route by hand' }).focus();
    await page.keyboard.press('Enter');
    const form = item.locator(`form[action="/console/handovers/${cdnCase}/route"]`);
    await form.getByLabel('Destination').selectOption('police');
    await form.getByLabel('Hosting country (two letters, optional)').fill('US');
    await form.getByLabel('Reason').fill('Origin confirmed with the CDN’s abuse desk: US hosting');
    await form.getByRole('button', { name: 'Route by hand' }).press('Enter');
    await page.waitForURL(`${base}/console/handovers/${cdnCase}?done=route`);
    expect(await page.getByRole('status').textContent()).toContain('Routed by hand');
    expect(await page.locator('dl.facts').textContent()).toContain('routed');

    await parts.dispatcher.runOnce();
    await page.reload();
    expect(await page.locator('dl.facts .state').textContent()).toBe('delivered');
    expect(await page.locator('section[aria-labelledby="attempts-h"] tbody').textContent()).toMatch(/police.*delivered.*201/s);

    svc.clock.advance(2 * MIN);
    await pollAcknowledgements(svc.ctx, parts.adapters, { intervalMs: 0 });
    await page.goto(`${base}/console/handovers/${cdnCase}`);
    expect(await page.locator('dl.facts .state').textContent()).toBe('acknowledged');
    const timeline = await page.locator('ol.timeline').textContent();
    expect(timeline).toContain('key:supervisor-key');
    expect(timeline).toContain('Origin confirmed with the CDN’s abuse desk');
    expect(await page.locator('section[aria-labelledby="acks-h"] tbody').textContent()).toContain('registered');
    expect(destinations.police.cases.has(cdnCase)).toBe(true);
    await checkPage(page, 'handover-story');
    await context.close();
  });

  it('shows an analyst no action buttons and refuses the analyst’s replayed POST and a POST without its token', async () => {
    const [, , , gone] = (await svc.ctx.store.getReferralByReportId('CF-2026-0042'))!.handovers;
    const { context, page } = await signedIn('analyst');
    await page.goto(`${base}/console/review`);
    expect(await page.locator('article.case').count()).toBe(1);
    expect(await page.locator('form[action*="/handovers/"]').count()).toBe(0);
    expect(await page.getByText('Route by hand').count()).toBe(0);
    await page.goto(`${base}/console/handovers/${gone!.id}`);
    expect(await page.locator('form[action*="/handovers/"]').count()).toBe(0);
    await checkPage(page, 'analyst-story');

    const csrf = await page.locator('form.signout input[name=_csrf]').inputValue();
    const replayed = await page.request.post(`${base}/console/handovers/${gone!.id}/cancel`, {
      form: { _csrf: csrf, reason: 'replayed by an analyst' },
      headers: { origin: base },
    });
    expect(replayed.status()).toBe(403);
    const tokenless = await page.request.post(`${base}/console/handovers/${gone!.id}/cancel`, { form: { reason: 'no token' }, headers: { origin: base } });
    expect(tokenless.status()).toBe(403);
    expect((await svc.ctx.store.getHandover(gone!.id))!.state).toBe('needs_review');
    await context.close();
  });
});
