/**
 * A handover's timeline in words. The audit trail keeps stable codes (event kinds, routing
 * rules, error classes, review reasons) inside its reasons; the console writes them out for a
 * person. Reasons written by people are shown as they are. A code this module does not know
 * stays visible as it is: nothing is hidden, and a new code reads badly rather than vanishes.
 */
import type { AuditEvent } from '../../domain/audit-chain.js';
import { reasonInWords } from './review-reason-words.js';

const KIND_WORDS: Readonly<Record<string, string>> = {
  intake: 'referred',
  override: 'routed by hand',
  attempt: 'delivery attempt',
  acknowledgement: 'the destination answered',
  ack_refused: 'an answer from the destination was not applied',
  duplicate_received: 'the same URL was referred again',
  duplicate_split: 'a duplicate was split off as a case of its own',
  split: 'split into a case of its own',
  reappeared: 'the URL came back after this case',
  resolved: 'resolved by hand with the destination’s reference',
  resent: 'sent again after no answer',
  resend_retry: 'sending again will be tried later',
  overdue: 'overdue: no acknowledgement in time',
  hosting_changed: 'the hosting changed',
  hosting_rechecked: 'hosting checked before sending',
  hosting_recheck_failed: 'hosting could not be checked before sending',
  still_online_checked: 'checked again: still online',
  iccam_content_found: 'ICCAM’s content item found',
  iccam_assignment_gave_up: 'ICCAM’s country assignment left for a person',
  locate_retry: 'locating will be tried again',
  linked: 'created as a successor',
  successor: 'a successor was created',
  transition: 'changed',
};

const RULE_WORDS: Readonly<Record<string, string>> = {
  'home-country': 'hosted in the home country, so to the federal police',
  'inhope-member': 'hosted in a country with an INHOPE member hotline, so to ICCAM',
  'non-member-police': 'hosted in a country without an INHOPE hotline, so to the federal police',
  'non-member-orphan': 'hosted in a country without an INHOPE hotline, so to ICCAM unassigned',
  'needs-review': 'no safe automatic decision, so to a supervisor',
  'manual-override': 'routed by hand',
};

const ERROR_CLASS_WORDS: Readonly<Record<string, string>> = {
  timeout: 'no answer in time',
  connect_timeout: 'no connection in time',
  connection: 'the connection failed',
  tls: 'the secure connection (TLS) failed',
  rate_limited: 'the destination asked us to slow down (429)',
  server_error: 'a server error at the destination',
  request_timeout: 'the destination timed out reading the request (408)',
  too_early: 'the destination said it was too early (425)',
  bad_response: 'an answer without the destination’s reference',
  auth_rejected: 'the destination refused our credentials',
  redirect: 'a redirect, which is never followed',
  rejected: 'the destination refused the request',
  duplicate_mismatch: 'a conflict naming another handover',
  client: 'the request could not be built',
  not_in_state: 'ICCAM said the report is not in the right state yet',
  lookup_missing: 'an ICCAM list lacks a name we need',
  internal_error: 'an error of our own',
  duplicate: 'the destination already had it',
};

const OUTCOME_WORDS: Readonly<Record<string, string>> = {
  delivered: 'delivered',
  retry: 'to be tried again',
  failed: 'refused',
  unknown: 'outcome unknown',
  skipped: 'skipped',
};

const EXHAUSTED_WORDS: Readonly<Record<string, string>> = {
  budget: 'the time allowed for retries ran out',
  max_attempts: 'the number of attempts allowed ran out',
};

export const ruleInWords = (rule: string): string => RULE_WORDS[rule] ?? `rule ${rule}`;
export const errorClassInWords = (code: string | null): string => (code ? (ERROR_CLASS_WORDS[code] ?? code) : '—');
export const attemptOutcomeInWords = (code: string): string => OUTCOME_WORDS[code] ?? code;
export const eventKindInWords = (kind: string): string => KIND_WORDS[kind] ?? kind.replace(/_/g, ' ');

const DESTINATION_WORDS: Readonly<Record<string, string>> = { police: 'The police export', inhope: 'ICCAM' };

const http = (status: string | undefined) => (status ? ` (HTTP ${status})` : '');
const sentence = (text: string) => text.replace(/\.?$/, '.');

/** Each pattern the service writes reasons in, and its words (first match wins). */
const REASON_PATTERNS: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/^rule ([\w-]+)$/, (m) => `Decided: ${ruleInWords(m[1]!)}`],
  [
    /^delivery_outcome_unknown: (.*)$/s,
    (m) => `The delivery’s outcome is unknown (${m[1]}): the destination may hold it; look there before recording its reference or sending again`,
  ],
  [/^retry later: (\w+)(?: \((\d{3})\))?$/, (m) => `Will try again later: ${errorClassInWords(m[1]!)}${http(m[2])}.`],
  [/^attempt (\d+): (\w+)(?: \((\d{3})\))?$/, (m) => `Attempt ${m[1]}: ${attemptOutcomeInWords(m[2]!)}${http(m[3])}.`],
  [/^attempts exhausted \((\w+)\) after (\w+)$/, (m) => `Gave up: ${EXHAUSTED_WORDS[m[1]!] ?? m[1]!}, after ${errorClassInWords(m[2]!)}.`],
  [/^still (\w+) after (\d+) min of retries$/, (m) => `Gave up: still ${errorClassInWords(m[1]!)} after ${m[2]} minutes of retries.`],
  [/^(police|inhope) (poll|callback): (.+)$/, (m) => `${DESTINATION_WORDS[m[1]!]} said “${m[3]}” (${m[2] === 'poll' ? 'when asked' : 'by callback'}).`],
  [/^internal_error: (.*)$/s, (m) => `An error of our own: ${m[1]}`],
  [/^(police|inhope) refused it: (.*)$/s, (m) => `${DESTINATION_WORDS[m[1]!]} refused it for good: ${m[2]}`],
  [/^re-sent after no answer; (police|inhope) refused it: (.*)$/s, (m) => `Sent again after no answer; ${DESTINATION_WORDS[m[1]!]} refused it: ${m[2]}`],
];

/**
 * The reason of one timeline entry in words. A review reason code alone, a routing rule, an
 * error class in a retry: written out; anything else (a person's words) as it was written.
 */
export function eventReasonInWords(event: Pick<AuditEvent, 'reason'>): string | null {
  const reason = event.reason;
  if (reason === null || reason === '') return null;
  if (/^[a-z]+(_[a-z]+)+$/.test(reason)) return reasonInWords(reason);
  for (const [pattern, words] of REASON_PATTERNS) {
    const m = pattern.exec(reason);
    if (m) return sentence(words(m));
  }
  return reason;
}
