/**
 * Every page of the console, as the browser sweep (console-browser.test.ts) visits it: each is
 * opened for both roles, at a desktop and a phone width, first as it comes and then with every
 * <details> open, and axe-core must find nothing serious or critical. A new page is one entry.
 */

/** The handovers the browser test seeds, by what each shows. */
export interface SeededCases {
  /** Behind a CDN, routed by hand to the police and acknowledged. */
  routedByHand: string;
  /** Waiting for review because its host does not resolve. */
  unresolvable: string;
  /** Waiting for review with an unknown delivery outcome at ICCAM. */
  outcomeUnknown: string;
  /** Refused by ICCAM for good. */
  refused: string;
  /** A duplicate of a live case. */
  duplicate: string;
  /** An international host name, a long URL, and a right-to-left override in a reason. */
  awkwardText: string;
}

/** An axe finding a page is known to have, with why it is left (the sweep fails when it is gone, so this list does not outlive its reason). */
export interface KnownFinding {
  width: 'desktop' | 'phone';
  id: string;
  why: string;
}

export interface ConsolePage {
  /** Names the findings and the screenshots. */
  name: string;
  path(cases: SeededCases): string;
  /** Shown without signing in (the sign-in page). */
  signedOut?: boolean;
  knownFindings?: readonly KnownFinding[];
  /** Photographed for docs/console/ as the supervisor sees it: `<name>.png`, `phone-<name>.png`. */
  screenshots?: readonly ('desktop' | 'phone')[];
}

export const CONSOLE_PAGES: readonly ConsolePage[] = [
  { name: 'sign-in', path: () => '/console/sign-in', signedOut: true, screenshots: ['phone'] },
  { name: 'overview', path: () => '/console/', screenshots: ['phone'] },
  { name: 'review-queue', path: () => '/console/review', screenshots: ['phone'] },
  { name: 'failed-queue', path: () => '/console/failed', screenshots: ['desktop'] },
  { name: 'handovers', path: () => '/console/handovers' },
  { name: 'search', path: () => '/console/handovers?q=cf-2026', screenshots: ['phone'] },
  { name: 'handover-story', path: (c) => `/console/handovers/${c.routedByHand}`, screenshots: ['phone'] },
  { name: 'story-outcome-unknown', path: (c) => `/console/handovers/${c.outcomeUnknown}`, screenshots: ['phone'] },
  { name: 'story-refused', path: (c) => `/console/handovers/${c.refused}` },
  { name: 'story-unresolvable', path: (c) => `/console/handovers/${c.unresolvable}` },
  { name: 'story-duplicate', path: (c) => `/console/handovers/${c.duplicate}` },
  { name: 'story-awkward-text', path: (c) => `/console/handovers/${c.awkwardText}` },
  { name: 'figures', path: () => '/console/figures?from=2025-11-01&to=2026-03-01' },
  { name: 'takedown-overdue', path: () => '/console/takedown-overdue' },
  { name: 'partners', path: () => '/console/partners' },
  { name: 'not-found', path: () => '/console/no-such-page' },
];

/** The widths every page is checked at: a laptop, and a phone held upright. */
export const WIDTHS = [
  { name: 'desktop', width: 1366, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;
