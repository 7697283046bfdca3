/**
 * A strict stand-in for ICCAM v3, INHOPE's exchange (contract §4 `inhope`), for tests, reliability
 * runs and `npm run demo`. It speaks the shapes the one public v3 client (SCARt) shows and refuses
 * what a real ICCAM would: wrong headers, missing fields, strings where ids belong, unknown ids,
 * calls before it is ready after a login, expired or unknown tokens. It keeps duplicates (ICCAM
 * has no idempotency key), counts pacing violations, and fails on demand in each way a client
 * must tell apart. Plain HTTP on loopback (no mutual TLS).
 *
 * ## In-process
 *   const iccam = await startIccamStandin({ username: 'u', password: 'p', now: () => clock.now() });
 *   iccam.url                      // base URL: the adapter appends `Authentication`, `rest/Reports`, ...
 *   iccam.state()                  // IccamStandinState snapshot (sync)
 *   await iccam.failNext({ method: 'POST', path: 'rest/Reports', fault: 'drop-after-commit' });
 *   await iccam.close();
 *
 * ## As a child process
 *   node --import tsx scripts/sandbox/iccam-standin.ts --port 0 --control-port 0 \
 *     [--username U --password P] [--token-lifetime-ms 300000] [--not-ready-after-login-ms 2000] \
 *     [--min-interval-ms 1000] [--seed 1] [--chaos-probability 0.3] [--progression LEA:1000,Removed:5000]
 *   prints one JSON line to stdout: {"iccamStandin":{"url":"http://127.0.0.1:P","controlUrl":"http://127.0.0.1:C"}}
 *   `startIccamStandinProcess(options)` spawns it and returns the same IccamStandinControl, driven
 *   over the loopback control endpoint `${controlUrl}/__standin/...` (see iccam-standin/control-http.ts).
 *   The control endpoint is its own listener, so it stays reachable while ICCAM refuses connections.
 *
 * ## Time
 * Everything that depends on time (token expiry, the not-ready window, actions over time, pacing)
 * reads `now()` (default: the wall clock), except pacing, which reads `pacingNow` (ms, default the
 * wall clock: pacing is about real calls in real time). Pass `pacingNow: () => clock.now().getTime()`
 * when the client paces itself on the same fake clock.
 *
 * ## Faults (IccamFault)
 * - `unavailable`: 503, nothing processed.                       → did not arrive
 * - `rate-limited`: 429 with `Retry-After: <retryAfterSeconds>`, nothing processed. → did not arrive
 * - `connection-refused`: the listener is closed (and open sockets ended) for `refuseForMs`, so new
 *   connections get ECONNREFUSED from the kernel: a real refusal, before any byte is read. Queued
 *   with failNext, it triggers AFTER the matching call is answered (that answer carries
 *   `Connection: close`), so the client's NEXT call is refused; refuseConnections() does it now.
 * - `error-after-processing`: the call is processed (a report IS stored), then answered 500.
 * - `drop-after-commit`: the call is processed (stored), then the socket is destroyed unanswered.
 * - `hang-after-commit`: processed (stored), then never answered (for crash tests).
 * - `not-in-correct-state`: 400 `{ errors: { Report: ["Report not in correct state for assessments"] } }`
 *   (ICCAM's text as SCARt matches it; it starts with "Report not in correct state"), nothing
 *   changed (meant for the two assignment PUTs).
 * - `bad-request`: 400 `{ errors: { Request: ["The request was refused."] } }`, nothing changed: a
 *   refusal like any validation error (queued only; never drawn by the random mix).
 * - `slow-answer`: processed, then answered `answerAfterMs` (default 500) later: slow, but a
 *   success (queued only).
 */
import type { Random } from '../../src/domain/clock.js';
import { optionsFromFlags } from './iccam-standin/child-process.js';
import type { IccamLookupNaming } from './iccam-standin/lookups.js';
import { startIccamStandin } from './iccam-standin/standin.js';
import { isEntryPoint, readFlags } from './standin-kit.js';

/** The lookup lists ICCAM serves under `rest/<name>`. */
export type IccamLookupName =
  | 'classifications'
  | 'age-categories'
  | 'gender-categories'
  | 'site-types'
  | 'commercialities'
  | 'payment-methods'
  | 'action-types'
  | 'action-reasons'
  | 'countries';

/** One entry as the stand-in keeps it; on the wire some lists name the id `type` (see lookups.ts). */
export interface IccamLookupEntry {
  id: number;
  name: string;
  /** Countries only: the ISO 3166-1 alpha-2 code the API's country fields carry. */
  code?: string;
}

/** Action names as in `rest/action-types` (seeded ids 1,2,3,4,6; Moved 7 here, open in the contract). */
export type IccamActionName = 'ReportedToLEA' | 'ReportedToISP' | 'Removed' | 'Unavailable' | 'NotIllegal' | 'Moved';

export type IccamFault =
  | 'unavailable'
  | 'rate-limited'
  | 'connection-refused'
  | 'error-after-processing'
  | 'drop-after-commit'
  | 'hang-after-commit'
  | 'not-in-correct-state'
  | 'bad-request'
  | 'slow-answer';

export interface IccamFaultRule {
  /** HTTP method to match; any when omitted. */
  method?: string;
  /**
   * Path to match, without the leading slash and query: a string matches exactly or as a prefix
   * at a `/` boundary (`rest/Content` matches `rest/Content/7/assigned-country`); a RegExp is
   * tested against the path. Any path when omitted.
   */
  path?: string | RegExp;
  fault: IccamFault;
  /** How many matching calls this applies to (default 1; Infinity until clearFaults()). */
  times?: number;
  /** For `connection-refused`: how long the listener stays closed (default 1500 ms, wall clock). */
  refuseForMs?: number;
  /** For `slow-answer`: how long the answer waits (default 500 ms, wall clock). */
  answerAfterMs?: number;
}

export interface IccamChaos {
  /** Share (0..1) of calls that get a fault. 0 turns the mix off. */
  probability: number;
  /** Faults to draw from (default: every fault but `hang-after-commit`); one applicable to the call is drawn. */
  faults?: IccamFault[];
  /** Only calls matching these (method/path as in IccamFaultRule) get faults; all when omitted. */
  only?: { method?: string; path?: string | RegExp }[];
  /** Seed for the draws (default: the stand-in's seed), so a run can be replayed. */
  seed?: number;
  refuseForMs?: number;
}

/** A step of the scripted progression: `action` appears on every content `afterMs` after it was created. */
export interface IccamProgressionStep {
  afterMs: number;
  action: IccamActionName;
  analystName?: string;
}

export interface IccamStandinOptions {
  host?: string;
  port?: number;
  /** Also open the loopback control endpoint (always on for the CLI); port 0 = any free one. */
  controlPort?: number;
  /** Credentials to require (defaults 'standin' / 'standin'). */
  username?: string;
  password?: string;
  /** Life of a bearer token (default 300 000 ms). */
  tokenLifetimeMs?: number;
  /** Life of a refresh token (default 24 h). */
  refreshTokenLifetimeMs?: number;
  /**
   * After a login, calls with the new token get 401 `Authorization bearer empty or unknown` for
   * this long, as for a token ICCAM does not know yet (default 2000 ms; refreshed tokens are
   * ready at once).
   */
  notReadyAfterLoginMs?: number;
  /** The assignment PUTs on a content younger than this get `not-in-correct-state` (default 0). */
  contentSettlesAfterMs?: number;
  /** Whether login and refresh answers carry `bearerTokenValidTo` (default true). */
  sendBearerTokenValidTo?: boolean;
  /** Calls that start closer together than this are pacing violations (default 1000 ms). */
  minIntervalMs?: number;
  /**
   * Slack for arrival jitter: a gap counts as too soon below `minIntervalMs - pacingToleranceMs`
   * (default a quarter of the interval, at most 25 ms: 25 ms for 1000, 5 ms for 20).
   */
  pacingToleranceMs?: number;
  /** Retry-After of `rate-limited` (default 1 s). */
  retryAfterSeconds?: number;
  /** Business clock (token expiry, not-ready window, actions, report dates). Default wall clock. */
  now?: () => Date;
  /** Clock for pacing, in ms. Default: the wall clock (performance.now()), whatever `now` is. */
  pacingNow?: () => number;
  seed?: number;
  random?: Random;
  /** Lookup lists to start from instead of the seed (per list). */
  lookups?: Partial<Record<IccamLookupName, IccamLookupEntry[]>>;
  /** Names of the seed: SCARt's table of 2023-03-17 (default) or this service's earlier ones. */
  lookupNames?: IccamLookupNaming;
  /** The country of the hotline that uses the stand-in (default BE): only content assigned to it may be changed. */
  hotlineCountry?: string;
  /**
   * Reports partner hotlines made that ICCAM assigned to `hotlineCountry` (the inbound side):
   * `true` holds the default four items (inbound.ts: a Baseline one, two National ones, and one
   * whose hosting has since moved to another member country); default none.
   */
  inbound?: boolean | IccamInboundReport[];
  /** Actions that appear on every content over time (default none). */
  progression?: IccamProgressionStep[];
  chaos?: IccamChaos;
}

/** A report as ICCAM stored it (one per accepted POST rest/Reports; duplicates kept; a partner's as seeded). */
export interface IccamStoredReport {
  reportId: number;
  hotlineReference: string;
  receivedAt: string;
  /** The body as posted (a partner's report: its fields, `reportingHotlineId` among them). */
  body: Record<string, unknown>;
  contentIds: number[];
  /** A partner hotline's report, assigned (some of its items) to `hotlineCountry`. */
  inbound?: boolean;
}

export interface IccamStoredAction {
  actionType: number;
  actionName: IccamActionName;
  analystName: string;
  actionDate: string;
  /** Only for action ids above 3 (ICCAM refuses them otherwise). */
  reasonId?: number;
  reasonText?: string;
}

export interface IccamStoredAssessment {
  assessingAnalystName: string;
  classification: number;
  ageCategorization: number;
  genderCategorization: number;
  assessmentDate: string;
}

/** One item of a partner's report, as a test seeds it (see inbound.ts for the default four). */
export interface IccamInboundContent {
  contentId: number;
  urlString: string;
  isSourceUrl: boolean;
  hostingCountryCode: string;
  hostingIpAddress: string;
  /** Null: unassigned (an orphan); default the stand-in's hotlineCountry. */
  assignedCountryCode?: string | null;
  /** How long before the stand-in started ICCAM assigned it (default 1 h). */
  assignedAgoMs?: number;
  /** The partners' assessments, oldest first (classification ids: see CLASSIFICATION_IDS). */
  assessments: Omit<IccamStoredAssessment, 'assessmentDate'>[];
  memo?: string | null;
}

export interface IccamInboundReport {
  reportId: number;
  reportingHotlineId: number;
  reportingAnalystName: string;
  /** The partner's own reference. */
  hotlineReference: string;
  hotlineReceivedDate: string;
  sourceUrlSiteType: number;
  memo?: string | null;
  referrerUrl?: string | null;
  contents: IccamInboundContent[];
}

export interface IccamStoredContent {
  contentId: number;
  reportId: number;
  urlString: string;
  hostingCountryCode: string;
  hostingIpAddress: string;
  assignedCountryCode: string | null;
  countryAssignmentDate: string | null;
  createdAt: string;
  /** Explicit actions (added by control calls or POSTed); the progression's due steps are added on read. */
  actions: IccamStoredAction[];
  /** The PUTs the client made on this content, in order. */
  corrections: { kind: 'hosting' | 'assigned-country'; query: Record<string, string>; at: string }[];
  /** The reference the assigned hotline set on it (PUT hotline-reference); null until then. */
  hotlineReference: string | null;
  /** Every hotline-reference PUT, in order. */
  referencePuts: { reference: string; at: string }[];
  isSourceUrl: boolean;
  memo: string | null;
  /** Oldest first: the last one counts. */
  assessments: IccamStoredAssessment[];
}

export interface IccamPacingViolation {
  kind: 'parallel' | 'too-soon';
  method: string;
  path: string;
  /** ms since the previous call started (too-soon). */
  gapMs: number | null;
  at: string;
}

export interface IccamCallRecord {
  method: string;
  path: string;
  status: number | 'dropped' | 'hung';
  fault: IccamFault | null;
  at: string;
}

export interface IccamStandinState {
  url: string;
  /** Every call ICCAM received (refused connections never arrive, so are not here). */
  calls: number;
  callLog: IccamCallRecord[];
  pacingViolations: IccamPacingViolation[];
  logins: number;
  refreshes: number;
  /** Calls answered 401 (no, unknown or expired token). */
  unauthorised: number;
  /** Calls answered 401 because they came too soon after a login (not in `unauthorised`). */
  notReady: number;
  /** Bodies refused with 400 (validation). */
  refusedReports: number;
  reports: IccamStoredReport[];
  contents: IccamStoredContent[];
  /** Stored reports per hotlineReference: a value above 1 is a report posted twice. */
  reportsPerHotlineReference: Record<string, number>;
  /** Faults served so far, by kind. */
  faultsServed: Partial<Record<IccamFault, number>>;
  /** True while connections are refused. */
  refusing: boolean;
  lookups: Record<IccamLookupName, IccamLookupEntry[]>;
}

/** Control calls: the same on the in-process object and on the child-process client. */
export interface IccamStandinControl {
  url: string;
  state(): Promise<IccamStandinState>;
  /** Queue a fault for the next call(s) that match. */
  failNext(rule: IccamFaultRule): Promise<void>;
  /** Drop every queued fault and end the random mix. */
  clearFaults(): Promise<void>;
  /** Set (or with probability 0 end) the seeded random mix of faults. */
  setChaos(chaos: IccamChaos): Promise<void>;
  /** Close the listener now; back after `forMs` (wall clock), or at acceptConnections(). */
  refuseConnections(forMs?: number): Promise<void>;
  acceptConnections(): Promise<void>;
  /** Rename an entry of a lookup list (so a name the adapter needs disappears). */
  renameLookup(list: IccamLookupName, id: number, newName: string): Promise<void>;
  /** Make ICCAM assign `assignedCountryCode` to new contents hosted in `hostingCountryCode` (null = leave unassigned); `clear` resets to "assign the hosting country". */
  setCountryAssignment(rule: { hostingCountryCode: string; assignedCountryCode: string | null } | { clear: true }): Promise<void>;
  /** Assign a content to another country now, as its partner or ICCAM might (null: unassigned). */
  reassignContent(contentId: number, countryCode: string | null): Promise<void>;
  /** Add an action to a content now (or at `actionDate`). */
  addAction(contentId: number, action: IccamActionName, options?: { analystName?: string; actionDate?: string }): Promise<void>;
  /** Replace the scripted progression for all contents (existing and new). */
  setProgression(steps: IccamProgressionStep[]): Promise<void>;
  /** Expire every token now (the next call gets 401). */
  expireTokens(): Promise<void>;
  /** Zero the call log, pacing violations and counters (not the reports). */
  resetCounters(): Promise<void>;
  close(): Promise<void>;
}

/** The in-process stand-in: the control calls, plus a synchronous snapshot and the control URL. */
export interface IccamStandin extends IccamStandinControl {
  /** Loopback control endpoint, when `controlPort` was given. */
  controlUrl: string | null;
  snapshot(): IccamStandinState;
}

export { startIccamStandin, ICCAM_MESSAGES } from './iccam-standin/standin.js';
export { startIccamStandinProcess, type IccamStandinProcess, type IccamStandinProcessOptions } from './iccam-standin/child-process.js';
export { seedLookups, ACTION_TYPE_IDS, CLASSIFICATION_IDS, type IccamLookupNaming } from './iccam-standin/lookups.js';
export { defaultInboundReports } from './iccam-standin/inbound.js';

if (isEntryPoint(import.meta.url)) {
  const standin = await startIccamStandin(optionsFromFlags(readFlags(process.argv.slice(2))));
  // One JSON line that startIccamStandinProcess (or a person) reads the addresses from.
  console.log(JSON.stringify({ iccamStandin: { url: standin.url, controlUrl: standin.controlUrl } }));
  const stop = () => void standin.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
