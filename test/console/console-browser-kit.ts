/**
 * Driving Debian's chromium for the console's browser tests: playwright-core with the system
 * browser (nothing is downloaded), a fresh profile per run, and the flags that keep chromium
 * from calling out to the network. Also axe-core, run inside the page, and screenshots.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/project-paths.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(PROJECT_ROOT, 'docs', 'console');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface BrowserKit {
  browser: Browser;
  /** A fresh context (its own cookies) at a laptop's size, or the given one. */
  newContext(size?: { width: number; height: number }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserKit> {
  // playwright gives each launch a fresh temporary profile of its own and removes it on close.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return {
    browser,
    // A fixed viewport and locale keep screenshots comparable between runs.
    newContext: (size = { width: 1366, height: 900 }) => browser.newContext({ viewport: size, locale: 'en-GB', timezoneId: 'UTC', reducedMotion: 'reduce' }),
    close: () => browser.close(),
  };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousAccessibilityProblems(page: Page): Promise<AxeFinding[]> {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline script) still holds for the page.
  await page.evaluate(AXE_SOURCE);
  // A string, not a function: the project compiles without the DOM's types.
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`)) as AxeFinding[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Opens every <details> on the page (the sweep checks what is inside them too). */
export async function openAllDetails(page: Page): Promise<number> {
  return (await page.evaluate(
    `(() => { const all = [...document.querySelectorAll('details')]; all.forEach((d) => { d.open = true; }); return all.length; })()`,
  )) as number;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/**
 * Tabs through the page from its start and returns the visible focusable elements that were
 * never reached: an empty list means everything can be used from the keyboard.
 */
export async function unreachableByKeyboard(page: Page): Promise<string[]> {
  // The page records what gets focus, so each Tab is one round trip to the browser.
  const total = (await page.evaluate(`(() => {
    const selector = 'a[href], button, summary, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])';
    const all = [...document.querySelectorAll(selector)].filter((el) => el.checkVisibility() && !el.disabled);
    all.forEach((el, i) => (el.dataset.kbd = String(i)));
    window.__reached = new Set();
    document.addEventListener('focusin', (e) => { if (e.target && e.target.dataset && e.target.dataset.kbd) window.__reached.add(e.target.dataset.kbd); });
    if (document.activeElement) document.activeElement.blur();
    return all.length;
  })()`)) as number;
  // Some controls take several presses (a date input steps through day, month and year).
  let presses = 0;
  while (presses < total * 3 + 5) {
    for (let i = 0; i < total + 2; i++, presses++) await page.keyboard.press('Tab');
    if (((await page.evaluate('window.__reached.size')) as number) >= total) break;
  }
  return (await page.evaluate(
    `[...document.querySelectorAll('[data-kbd]')].filter((el) => !window.__reached.has(el.dataset.kbd)).map((el) => el.tagName.toLowerCase() + ' "' + (el.textContent || '').trim().slice(0, 40) + '"')`,
  )) as string[];
}
