/**
 * The console in a real browser (Debian's chromium through playwright-core), against the real
 * app on 127.0.0.1 and the local police and ICCAM stand-ins. Background jobs are stepped by
 * the test (dispatcher, acknowledgement poll) on a ManualClock: nothing waits on wall time.
 * The journeys check pages by keyboard too; the sweep checks every page of console-pages.ts
 * with axe-core for both roles, at a laptop's and a phone's width, with every <details> closed
 * and open; pages are photographed into docs/console/ (the figures' journey is in
 * takedown-browser.test.ts).
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
import {
  launchBrowser,
  openAllDetails,
  screenshot,
  seriousAccessibilityProblems,
  unreachableByKeyboard,
  type AxeFinding,
  type BrowserKit,
} from './console-browser-kit.js';
import { CONSOLE_PAGES, WIDTHS, type ConsolePage, type SeededCases } from './console-pages.js';

const MIN = 60_000;

let svc: TestService;
let destinations: StandinDestinations;
let parts: Composed;
let server: Server;
let base: string;
let kit: BrowserKit;
let cdnCase: string;
let cases: SeededCases;

const locator = new TableLocator({
  'images.be-host.test': { geo: 'BE' },
  'video.nl-host.test': { geo: 'NL' },
  'proxied.cdn-site.test': { geo: 'US', cdn: 'Cloudflare' },
  'gone.test': { dns: 'nxdomain' },
  'media.nl-host.test': { geo: 'NL' },
  'files.nl-host.test': { geo: 'NL' },
  'xn--bcher-kva.example': { geo: 'DE' },
});

/** Refers URLs as the back office does, and lets the locate job take them. */
async function refer(reportId: string, urls: string[]) {
  const { handovers } = await submitReferral(
    svc.ctx,
    {
      reportId,
      urls: urls.map((url) => ({ url, contentType: 'image' as const })),
      classification: { category: 'baseline', ageGroup: 'prepubescent', siteType: 'image-host' },
    },
    'key:analyst-key',
  );
  await parts.jobs.job('locate').runOnce();
  return handovers.map((h) => h.id);
}

/** Dispatches until nothing is due (ICCAM takes one call at a time, a second apart). */
async function dispatchAll(): Promise<void> {
  for (let pass = 0; pass < 6; pass++) {
    if ((await parts.dispatcher.runOnce()).claimed === 0) return;
    svc.clock.advance(2_000);
  }
}

beforeAll(async () => {
  // Every test signs in afresh, several times a minute: the sign-in limit is tested over HTTP.
  svc = await createTestService({ CONSOLE_SIGN_IN_PER_MINUTE: '200' });
  destinations = await startStandinDestinations(svc.clock, { police: { behaviour: { ackAfterMs: 60_000 } } });
  parts = await svc.recompose({ locator, adapters: destinations.adapters() });
  const app = createApp(svc.ctx, appParts(parts));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const [, , cdn, gone] = await refer('CF-2026-0042', [
    'https://images.be-host.test/gallery/1.jpg',
    'https://video.nl-host.test/v/2',
    'https://proxied.cdn-site.test/5',
    'https://gone.test/6',
  ]);
  cdnCase = cdn!;
  await dispatchAll();
  // ICCAM took the report but the answer was lost: a person must look before it is sent again.
  const [unknown] = await refer('CF-2026-0043', ['https://media.nl-host.test/7']);
  await destinations.iccam.failNext({ method: 'POST', path: 'rest/Reports', fault: 'error-after-processing' });
  await dispatchAll();
  // ICCAM refuses the report outright (a 400 that is not "not yet in the right state"): refused for good.
  const [refused] = await refer('CF-2026-0044', ['https://files.nl-host.test/8']);
  await destinations.iccam.failNext({ method: 'POST', path: 'rest/Reports', fault: 'bad-request' });
  await dispatchAll();
  const [duplicate, awkward] = await refer('CF-2026-0045', [
    'https://images.be-host.test/gallery/1.jpg',
    'https://xn--bcher-kva.example/gallery/2026/summer-collection/item-000123456789.jpg?session=0f3a9c2e7b1d4e5f&page=12',
  ]);
  await svc.ctx.store.annotate(awkward!, {
    actor: 'key:supervisor-key',
    kind: 'note',
    reason: 'Checked with the host: \u202Eenilno llits\u202C, see the abuse desk’s answer',
    now: svc.clock.now().getTime(),
  });
  cases = { routedByHand: cdn!, unresolvable: gone!, outcomeUnknown: unknown!, refused: refused!, duplicate: duplicate!, awkwardText: awkward! };
  svc.clock.advance(10 * MIN);
  kit = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await kit?.close();
  await new Promise((resolve) => server?.close(resolve));
  await destinations?.close();
  await svc?.close();
});

async function signedIn(role: 'supervisor' | 'analyst', size?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await kit.newContext(size);
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
    expect(await page.locator('.card .big').first().textContent()).toContain('3 waiting');
    expect(await page.locator('.card .big').nth(1).textContent()).toContain('1 failed');
    expect(await page.getByText('Last checkpoint: none yet.').isVisible()).toBe(true);
    const police = page.locator('section[aria-labelledby="dest-h"] tbody tr').first();
    expect(await police.textContent()).toMatch(/police\s*yes\s*working normally/);
    await checkPage(page, 'overview');

    await page.getByRole('link', { name: 'Handovers', exact: true }).click();
    await page.getByLabel('Find').fill('CF-2026-0042');
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
    const gone = await svc.ctx.store.getHandover(cases.unresolvable);
    const { context, page } = await signedIn('analyst');
    await page.goto(`${base}/console/review`);
    expect(await page.locator('article.case').count()).toBe(2);
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

  it('has no serious or critical accessibility problem on any page, for either role, on a laptop or a phone, with every <details> closed or open', async () => {
    const findings: Record<string, AxeFinding[]> = {};
    const knownSeen = new Set<string>();
    const note = (where: string, p: ConsolePage, width: string, found: AxeFinding[]) => {
      const known = (f: AxeFinding) => p.knownFindings?.some((k) => k.width === width && k.id === f.id);
      for (const f of found.filter(known)) knownSeen.add(`${p.name} ${width} ${f.id}`);
      const unknown = found.filter((f) => !known(f));
      if (unknown.length) findings[where] = unknown;
    };
    for (const role of ['supervisor', 'analyst'] as const) {
      for (const size of WIDTHS) {
        const { context, page } = await signedIn(role, size);
        const signedOut = await kit.newContext(size);
        for (const p of CONSOLE_PAGES) {
          const tab = p.signedOut ? await signedOut.newPage() : page;
          await tab.goto(`${base}${p.path(cases)}`);
          if (role === 'supervisor' && p.screenshots?.includes(size.name)) await screenshot(tab, size.name === 'phone' ? `phone-${p.name}` : p.name);
          note(`${role} ${size.name} ${p.name}`, p, size.name, await seriousAccessibilityProblems(tab));
          if ((await openAllDetails(tab)) > 0)
            note(`${role} ${size.name} ${p.name}, every <details> open`, p, size.name, await seriousAccessibilityProblems(tab));
          if (p.signedOut) await tab.close();
        }
        await signedOut.close();
        await context.close();
      }
    }
    expect(findings).toEqual({});
    const listed = CONSOLE_PAGES.flatMap((p) => (p.knownFindings ?? []).map((k) => `${p.name} ${k.width} ${k.id}`));
    expect(
      listed.filter((k) => !knownSeen.has(k)),
      'known findings that are gone: remove them from console-pages.ts',
    ).toEqual([]);
  }, 300_000);

  it('shows a phone one column of facts and scrolls wide tables in their own region, never the page', async () => {
    const { context, page } = await signedIn('supervisor', { width: 390, height: 844 });
    for (const p of CONSOLE_PAGES.filter((x) => !x.signedOut)) {
      await page.goto(`${base}${p.path(cases)}`);
      await openAllDetails(page);
      // What sticks out past the screen's right edge, outside any scroll region: nothing may.
      const sticking = (await page.evaluate(`[...document.querySelectorAll('body *')]
        .filter((el) => !el.closest('.scroll') && el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ /g, '.') : '') + ' ' + Math.round(el.getBoundingClientRect().right))
        .slice(0, 5)`)) as string[];
      expect(sticking, `the page ${p.name} is wider than a phone`).toEqual([]);
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
      expect(overflow, `the page ${p.name} scrolls sideways`).toBeLessThanOrEqual(0);
      const unregioned = (await page.evaluate(
        `[...document.querySelectorAll('table')].filter((t) => !t.closest('.scroll[tabindex="0"][role="region"]')).length`,
      )) as number;
      expect(unregioned, `tables outside a scroll region on ${p.name}`).toBe(0);
    }
    await page.goto(`${base}/console/handovers/${cases.routedByHand}`);
    const [dt, dd] = (await page.evaluate(
      `[...document.querySelectorAll('dl.facts > dt, dl.facts > dd')].slice(0, 2).map((e) => Math.round(e.getBoundingClientRect().left))`,
    )) as number[];
    expect(dd).toBe(dt);
    await context.close();
  });

  it('shortens a long URL behind "show all" at every width, and copies it whole', async () => {
    for (const size of WIDTHS) {
      const { context, page } = await signedIn('supervisor', size);
      await page.goto(`${base}/console/handovers/${cases.awkwardText}`);
      const url = page.locator('dl.facts details.long-url');
      expect(await url.locator('summary').textContent()).toMatch(/…\s*show all/);
      expect(await url.locator('summary').textContent()).not.toContain('session=');
      await url.locator('summary').click();
      expect(await url.locator(':scope > code').textContent()).toContain('item-000123456789.jpg?session=0f3a9c2e7b1d4e5f&page=12');
      expect(await page.locator('dl.facts').textContent()).toContain('host in Unicode: bücher[.]example');
      // The copy button copies the whole URL, whether "show all" is open or not.
      await url.locator('summary').click();
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
      await page.locator('dl.facts .url button.copy').click();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(
        'hxxps[://]xn--bcher-kva[.]example/gallery/2026/summer-collection/item-000123456789.jpg?session=0f3a9c2e7b1d4e5f&page=12',
      );
      await context.close();
    }
  });

  it('asks a supervisor to confirm before sending again a case ICCAM may hold, and sends it only then', async () => {
    const { context, page } = await signedIn('supervisor');
    const story = `${base}/console/handovers/${cases.outcomeUnknown}`;
    await page.goto(story);
    expect(await page.locator('.warning').textContent()).toContain(cases.outcomeUnknown);
    await page.locator('summary', { hasText: 'Look again' }).click();
    const form = page.locator(`form[action$="/${cases.outcomeUnknown}/look-again"]`);
    await form.getByLabel('Reason').fill('Not in ICCAM under our hotline reference');
    await screenshot(page, 'resend-confirmation');
    await form.getByRole('button', { name: 'Look again' }).click();
    // The browser holds the form back until the box is ticked (and the service would refuse it too).
    expect(page.url()).toBe(story);
    expect(await form.locator('input[name=resend]:invalid').count()).toBe(1);
    await form.getByLabel(/I looked in ICCAM/).check();
    await form.getByRole('button', { name: 'Look again' }).click();
    await page.waitForURL(`${story}?done=look-again`);
    expect(await page.getByRole('status').textContent()).toContain('Sent back to be located again.');
    expect((await svc.ctx.store.listAuditEvents(cases.outcomeUnknown)).at(-1)).toMatchObject({ toState: 'locating', data: { resend: true } });
    await context.close();
  });
});
