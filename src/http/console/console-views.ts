/**
 * The console's HTML: nunjucks templates with autoescaping on, so every value is escaped
 * unless a template says otherwise (none does). Filters turn times, durations, states, codes
 * and reported URLs into what a person reads, and show free text without obeying its bidi
 * controls.
 */
import { normaliseEvidenceOutcomes, type HostingEvidence } from '../../domain/evidence.js';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type Nunjucks from 'nunjucks';
import { PROJECT_ROOT } from '../../config/project-paths.js';
import { defangUrl } from './defang-url.js';
import { circuitInWords, scheduleInWords } from './overview-words.js';
import { reasonInWords } from './review-reason-words.js';
import { stateInWords } from './state-words.js';
import { attemptOutcomeInWords, errorClassInWords, eventKindInWords, eventReasonInWords, ruleInWords } from './timeline-words.js';
import { unicodeHostOf, withVisibleControls } from './visible-text.js';

// Resolved from the project root, not this module: the built dist/ holds no templates.
const TEMPLATES_DIR = join(PROJECT_ROOT, 'src', 'http', 'console', 'templates');

/** "3 d 4 h", "2 h 5 min", "40 s": the largest two units. */
function humanDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.floor(ms);
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 || parts.length > 0) parts.push(`${n} ${unit}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return parts.filter((p) => !p.startsWith('0 ')).join(' ') || '0 s';
}

/** To the second: events a second apart are told apart, and match the audit trail's times. */
function utcTime(ms: number | string | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '—' : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * A handover's id as a person reads it in lists and titles: its last 8 hex digits. Ids are
 * time-ordered UUIDs whose first 12 digits are the millisecond they were made, so the
 * handovers of one referral share their beginnings; their ends are random.
 */
export function shortId(id: string): string {
  return `…${id.slice(-8)}`;
}

export interface ConsoleViews {
  render(template: string, locals: Record<string, unknown>): string;
}

export function createConsoleViews(): ConsoleViews {
  // Loaded when the console is built, not at import: CLI commands that never serve skip it.
  const nunjucks = createRequire(import.meta.url)('nunjucks') as typeof Nunjucks;
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATES_DIR), {
    autoescape: true,
    throwOnUndefined: false,
    trimBlocks: true,
    lstripBlocks: true,
  });
  env.addFilter('defang', (url: unknown) => defangUrl(String(url ?? '')));
  env.addFilter('utc', utcTime);
  env.addFilter('shortId', (id: unknown) => shortId(String(id ?? '')));
  env.addFilter('duration', humanDuration);
  env.addFilter('reasonWords', (code: unknown) => reasonInWords(String(code)));
  env.addFilter('stateWords', (state: unknown) => stateInWords(String(state ?? '')));
  env.addFilter('circuitWords', (state: unknown) => circuitInWords(String(state ?? '')));
  env.addFilter('scheduleWords', (cron: unknown) => scheduleInWords(typeof cron === 'string' ? cron : null));
  env.addFilter('kindWords', (kind: unknown) => eventKindInWords(String(kind ?? '')));
  // An audit event's reason, or a reason the handover keeps (its failure reason), in words.
  env.addFilter('why', (from: { reason: string | null } | string | null) =>
    eventReasonInWords(typeof from === 'string' || from === null ? { reason: from } : from),
  );
  env.addFilter('ruleWords', (rule: unknown) => ruleInWords(String(rule ?? '')));
  env.addFilter('errorClassWords', (code: unknown) => errorClassInWords(typeof code === 'string' ? code : null));
  env.addFilter('outcomeWords', (code: unknown) => attemptOutcomeInWords(String(code ?? '')));
  // Free text from people and partners: bidi controls shown, not obeyed (templates isolate it in <bdi>).
  env.addFilter('visible', withVisibleControls);
  env.addFilter('unicodeHost', unicodeHostOf);
  // Evidence stored before the outcome words became snake_case is shown in today's words.
  env.addFilter('currentOutcomeWords', (evidence: HostingEvidence | null) => (evidence ? normaliseEvidenceOutcomes(evidence) : evidence));
  env.addFilter('json', (value: unknown) => JSON.stringify(value ?? null));
  return { render: (template, locals) => env.render(template, locals) };
}
