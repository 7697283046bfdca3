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
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserKit> {
  // playwright gives each launch a fresh temporary profile of its own and removes it on close.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return {
    browser,
    // A fixed viewport and locale keep screenshots comparable between runs.
    newContext: () => browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'UTC', reducedMotion: 'reduce' }),
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

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/**
 * Tabs through the page from its start and returns the visible focusable elements that were
 * never reached: an empty list means everything can be used from the keyboard.
 */
export async function unreachableByKeyboard(page: Page): Promise<string[]> {
  const total = (await page.evaluate(`(() => {
    const selector = 'a[href], button, summary, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])';
    const all = [...document.querySelectorAll(selector)].filter((el) => el.checkVisibility() && !el.disabled);
    all.forEach((el, i) => (el.dataset.kbd = String(i)));
    if (document.activeElement) document.activeElement.blur();
    return all.length;
  })()`)) as number;
  const reached = new Set<string>();
  for (let i = 0; i < total + 3; i++) {
    await page.keyboard.press('Tab');
    const id = (await page.evaluate('document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.kbd ?? null : null')) as string | null;
    if (id !== null) reached.add(id);
  }
  const all = (await page.evaluate(`[...document.querySelectorAll('[data-kbd]')].map((el) => [el.dataset.kbd, el.tagName.toLowerCase() + ' "' + (el.textContent || '').trim().slice(0, 40) + '"'])`)) as [string, string][];
  return all.filter(([id]) => !reached.has(id)).map(([, label]) => label);
}
