/**
 * The store interface: everything the service keeps, behind one narrow contract that the
 * SQLite and PostgreSQL drivers both satisfy (test/store/store-contract.ts runs against both).
 * Every change of a handover's state goes through `transition`, which checks the state machine
 * and appends the audit event in the same transaction.
 */
import type { KeyObject } from 'node:crypto';
import type { AuditEvent, AuditVerification } from '../domain/audit-chain.js';
import type { SignedCheckpoint } from '../domain/audit-checkpoint.js';
import type { TrailCheckOptions, TrailReport } from './audit-trail-check.js';
import type { Destination } from '../domain/decision.js';
import type { HandoverState } from '../domain/handover-states.js';
import type { HandoverTiming } from '../domain/handover-stats.js';
import type { ObservationEffect, ObservationKind } from '../domain/observation.js';
import type { TakedownGroupCounts, TakedownGrouping } from '../domain/takedown-clock.js';
import type { Classification, ContentType } from '../domain/referral.js';
import type { PartnerAssessment, ReferralSource } from '../domain/inbound.js';

export interface ReferralRecord {
  id: string;
  reportId: string;
  bodyHash: string;
  classification: Classification;
  reportedAt: number | null;
  /** The analyst who referred it (null: not given; the API key's name stands in). */
  referredBy: string | null;
  createdAt: number;
  createdBy: string;
  /** Where it came from: the back office, or a partner hotline through ICCAM (one referral per ICCAM report). */
  source: ReferralSource;
  /** A partner's referral: the reporting hotline as ICCAM names it, and when ICCAM assigned the content to us (ms). */
  partnerHotline: string | null;
  countryAssignmentDate: number | null;
}

export type { HandoverRecord } from '../domain/handover-record.js';
export { PATCHABLE_HANDOVER_FIELDS } from '../domain/handover-record.js';
import type { HandoverRecord } from '../domain/handover-record.js';
import type { PATCHABLE_HANDOVER_FIELDS } from '../domain/handover-record.js';

export type HandoverPatch = Partial<Pick<HandoverRecord, (typeof PATCHABLE_HANDOVER_FIELDS)[number]>>;

export interface AttemptRecord {
  id: number;
  handoverId: string;
  attemptNo: number;
  destination: Destination;
  claimToken: string;
  startedAt: number;
  finishedAt: number | null;
  durationMs: number | null;
  /** delivered | retry | failed | unknown (lease lost, outcome never recorded) | skipped */
  outcome: string;
  statusCode: number | null;
  errorClass: string | null;
  requestHash: string | null;
  responseDigest: string | null;
  detail: string | null;
}

export interface AckRecord {
  id: number;
  handoverId: string | null;
  destination: Destination;
  source: 'poll' | 'callback';
  status: string;
  reference: string | null;
  reason: string | null;
  applied: boolean;
  note: string | null;
  webhookId: string | null;
  receivedAt: number;
}

export interface NewReferral {
  id: string;
  reportId: string;
  bodyHash: string;
  classification: Classification;
  reportedAt: number | null;
  referredBy?: string | null;
  /** `url`: the WHATWG-serialised URL; `reportedUrl`: the raw string when it differs. */
  urls: { handoverId: string; url: string; contentType: ContentType | null; reportedUrl?: string | null }[];
}

/**
 * One ICCAM report a partner hotline made, as the inbound import records it (contract §4
 * Inbound): its referral (created once, `reportId` `iccam:<ICCAM report id>`), and one handover
 * per content item, each recorded once by its content id.
 */
export interface NewInboundReport {
  /** The referral's id, when it is new. */
  referralId: string;
  reportId: string;
  bodyHash: string;
  /** The referral's classification (its first item's); each item may carry its own. */
  classification: Classification;
  reportedAt: number | null;
  partnerHotline: string | null;
  countryAssignmentDate: number | null;
  items: {
    handoverId: string;
    contentId: string;
    url: string;
    reportedUrl: string | null;
    state: 'locating' | 'awaiting_assessment';
    partnerAssessment: PartnerAssessment | null;
    classification: Classification | null;
    /** Said in the item's intake event (ids and names only, never the URL). */
    auditData: Record<string, unknown>;
  }[];
}

export interface HandoverFilter {
  state?: HandoverState;
  destination?: Destination;
  country?: string;
  overdue?: boolean;
  /** Only handovers with seq greater than this (the decoded cursor). */
  afterSeq?: number;
  limit: number;
}

/** How a person names a handover in the console's search (a full id is a getHandover). */
export type HandoverSearch =
  /** The last 8 hex digits of its id, as the console shows it. */
  | { by: 'shortId'; shortId: string }
  /** Its referral's report id, whatever the case, in whole or in part. */
  | { by: 'reportId'; text: string }
  /** Its URL's host, or a domain or network above it: a key of src/domain/host-search-key.ts. */
  | { by: 'host'; hostKey: string };

export interface Transition {
  to: HandoverState;
  actor: string;
  reason: string | null;
  /** Audit event kind; 'transition' unless it is something more specific (an override). */
  kind?: string;
  /** Refuse unless the handover is in one of these states (optimistic check). */
  expectState?: HandoverState | readonly HandoverState[];
  /** Fencing: refuse unless the handover's lease is still held with this token. */
  expectLeaseToken?: string;
  /**
   * Refuse unless the row is as the caller read it (its updatedAt then): a decision taken on
   * what the row said (a supervisor's, checked against its review reason) is not applied to a
   * row that has changed since.
   */
  expectUpdatedAt?: number;
  set?: HandoverPatch;
  data?: unknown;
  now: number;
  /**
   * The destination's acknowledgement that brought this change: recorded in the same
   * transaction (its row, and its `acknowledgement` event right after the transition's), so
   * nothing else runs in between and a refused transition leaves no applied acknowledgement.
   */
  ack?: Omit<NewAck, 'handoverId'>;
  /**
   * The delivery attempt whose outcome this change records: its row and its `attempt` event
   * are written first, in the same transaction (one commit where there were two). A refused
   * change (lease lost) writes neither; the sender then records the attempt alone.
   */
  attempt?: Omit<NewAttempt, 'handoverId'>;
}

export interface Annotation {
  actor: string;
  kind: string;
  reason: string | null;
  set?: HandoverPatch;
  data?: unknown;
  expectState?: HandoverState | readonly HandoverState[];
  /** Fencing: refuse (LeaseLostError) unless the handover is delivering under this lease. */
  expectLeaseToken?: string;
  now: number;
}

export interface ClaimRequest {
  destination: Destination;
  now: number;
  limit: number;
  leaseMs: number;
  token: string;
  actor: string;
}

export type NewAttempt = Omit<AttemptRecord, 'id'>;

export type NewAck = Omit<AckRecord, 'id'>;

/** A referred URL that was already known: a duplicate entry, or a reappearance after an earlier case was over. */
export interface UrlRepeat {
  kind: 'duplicate' | 'reappearance';
  createdAt: number;
  /** A duplicate a supervisor split into its own case. */
  split: boolean;
  /** For a reappearance: the earlier case's state (closed means the content had been removed). */
  earlierState: HandoverState | null;
}

export interface CountRow {
  state: HandoverState;
  destination: Destination | null;
  count: number;
}

/** Which handovers a scheduled job wants to look at; every bound is optional. */
export interface HandoverQuery {
  states: readonly HandoverState[];
  destination?: Destination;
  /** nextAttemptAt is null or at/before this. */
  dueBy?: number;
  leaseExpiredBy?: number;
  createdBefore?: number;
  deliveredBefore?: number;
  acknowledgedBefore?: number;
  lastPolledBefore?: number;
  notOverdue?: boolean;
  notResent?: boolean;
  recheckedBefore?: number;
  locatedBefore?: number;
  /** Only handovers no linked successor was created for (content moved, hosting changed). */
  noSuccessor?: boolean;
  /** Last changed at or before this (for a handover waiting for a person: began to wait). */
  updatedBefore?: number;
  /** Only partner items (ICCAM) that may still owe ICCAM news (not yet settled). */
  inboundOpen?: boolean;
  /** Leave out partner items ICCAM has not heard from us about yet (their claim comes first). */
  partnerItemsClaimed?: boolean;
  /**
   * 'seq' (oldest first, the default), the ones asked least recently first (polling), or the
   * ones unchanged longest first (a queue of handovers waiting for a person, its oldest first).
   */
  order?: 'seq' | 'least-recently-polled' | 'longest-waiting';
  limit: number;
}

/** One try at the ICCAM gate: taken, or how long to wait before trying again. */
export interface IccamGateAttempt {
  acquired: boolean;
  waitMs: number;
}

/** ICCAM's lookup lists as last read (by list name), and when the oldest of them was read. */
export interface StoredLookupLists {
  lists: Record<string, { id: number; name: string }[]>;
  fetchedAt: number | null;
}

/** What the console's overview shows of one destination's recent deliveries. */
export interface DestinationAttemptSummary {
  destination: Destination;
  /** When an attempt last ended with the destination accepting the handover. */
  lastSuccessAt: number | null;
  /** When an attempt last failed (retry, failed or unknown), and its error class. */
  lastFailureAt: number | null;
  lastErrorClass: string | null;
  /** Attempts that started at or after `since`, and how many of them did not deliver. */
  recentAttempts: number;
  recentFailures: number;
}

/** A console sign-in as the server keeps it (the console's own sessions; see src/http/console/). */
export interface ConsoleSessionRecord {
  /** SHA-256 (hex) of the random id the session cookie carries; the id itself is never stored. */
  id: string;
  keyName: string;
  /** A short tag of the key's hash: a key changed under the same name no longer matches. */
  keyTag: string;
  role: string;
  issuedAt: number;
  /** Last use (renewed at most about once a minute): the idle limit counts from here. */
  seenAt: number;
  /** When it was ended on purpose, and why (`signed_out`, `key_removed`, `key_changed`...); null while live. */
  endedAt: number | null;
  endReason: string | null;
  /** A form filled in when the previous session ran out, kept across the sign-in (opaque text); null once shown. */
  draft: string | null;
}

export type NewConsoleSession = Pick<ConsoleSessionRecord, 'id' | 'keyName' | 'keyTag' | 'role' | 'issuedAt'> & { draft?: string | null };

/** What the takedown clock counts (src/domain/takedown-clock.ts holds the definition). */
export interface TakedownQuery {
  /** `all`: one group of everything (the console's totals). */
  groupBy: TakedownGrouping | 'all';
  /** Also per week or calendar month (UTC) of the clock's start; absent: the whole period at once. */
  per?: 'week' | 'month' | null;
  /** [from, to): when the clock started, epoch ms; unbounded when absent. */
  from?: number;
  to?: number;
  /** TAKEDOWN_TARGETS in ms, shortest first. */
  marksMs: readonly number[];
  /** "Open past a mark" is measured from now. */
  now: number;
}

/** A back-office observation to record (contract §3 observations). */
export interface NewObservation {
  kind: ObservationKind;
  observedAt: number;
  note: string | null;
  /** Who saw it, as the back office names them. */
  observedBy: string;
  actor: string;
  now: number;
}

/** A case past the last takedown mark with its content not known to be down, and what was last heard of it. */
export interface RemovalOverdueEntry {
  handover: HandoverRecord;
  /** When its takedown clock started. */
  startedAt: number;
  /** The destination's last word on it (any acknowledgement, applied or not). */
  lastAck: { status: string; at: number } | null;
  /** The reference the destination gave when it took the case (the police case number, ICCAM's report id). */
  destinationReference: string | null;
  /** The back office's last observation. */
  lastObservation: { kind: string; observedAt: string; observedBy: string | null } | null;
  /** The last chase a supervisor noted. */
  lastChase: { at: number; note: string | null } | null;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  migrate(): Promise<string[]>;
  /** Throws when the store cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Creates the referral and its handovers, or returns the existing one for the same body. */
  createReferral(input: NewReferral, actor: string, now: number): Promise<{ created: boolean; referral: ReferralRecord; handovers: HandoverRecord[] }>;
  getReferralByReportId(reportId: string): Promise<{ referral: ReferralRecord; handovers: HandoverRecord[] } | null>;
  /**
   * Records a partner's ICCAM report: its referral when new, and a handover for each item not
   * recorded before (by content id); items already recorded are left as they are. A URL another
   * live handover carries makes a duplicate entry, as at intake. Returns the referral and all of
   * its handovers, and the content ids recorded now.
   */
  recordInboundReport(
    input: NewInboundReport,
    actor: string,
    now: number,
  ): Promise<{ referral: ReferralRecord; handovers: HandoverRecord[]; recorded: string[] }>;

  getHandover(id: string): Promise<HandoverRecord | null>;
  listHandovers(filter: HandoverFilter): Promise<HandoverRecord[]>;
  findHandovers(query: HandoverQuery): Promise<HandoverRecord[]>;
  /** The console's search, at most `limit` handovers; each kind reads through an index but a report id's part (a scan of the referrals). */
  searchHandovers(search: HandoverSearch, limit: number): Promise<HandoverRecord[]>;
  listAttempts(handoverId: string): Promise<AttemptRecord[]>;
  listAcks(handoverId: string): Promise<AckRecord[]>;
  listAuditEvents(handoverId: string): Promise<AuditEvent[]>;
  countByStateAndDestination(): Promise<CountRow[]>;
  /** Handovers flagged overdue (overdueAt set), per destination: the overdue gauge. */
  countOverdueByDestination(): Promise<{ destination: Destination; count: number }[]>;
  /** Handovers created as linked successors of this one (content moved, hosting changed). */
  listSuccessors(handoverId: string): Promise<HandoverRecord[]>;
  /** Per destination that has attempts: last success, last failure, and counts since `since`. */
  summariseDestinationAttempts(since: number): Promise<DestinationAttemptSummary[]>;
  /** The timestamps statistics are computed from, for handovers whose takedown clock started in [from, to). */
  listTimings(range?: { from?: number; to?: number }): Promise<HandoverTiming[]>;

  /** Changes the state (checked against contract §1) and writes its audit event atomically. */
  transition(handoverId: string, change: Transition): Promise<HandoverRecord>;
  /** Changes fields without a state change, with an audit event (e.g. flagged overdue). */
  annotate(handoverId: string, note: Annotation): Promise<HandoverRecord>;
  /**
   * Records what the back office saw (an `observation` event with who saw it) and what it leads
   * to: a removal on a delivered or acknowledged case closes it and ends its clock. The same
   * kind at the same observedAt again changes nothing (`unchanged`).
   */
  recordObservation(handoverId: string, observation: NewObservation): Promise<{ handover: HandoverRecord; effect: ObservationEffect }>;
  /** The takedown clock's counts and percentiles per group (and period), computed in the store. */
  takedownCounts(query: TakedownQuery): Promise<TakedownGroupCounts[]>;
  /** Handed over, content not known to be down, not flagged, clock started at or before `startedBy`; oldest first. */
  findRemovalPending(startedBy: number, limit: number): Promise<{ id: string; destination: Destination | null; startedAt: number }[]>;
  /** Cases flagged past the last mark that are still handed over with their content not known to be down, per destination. */
  countRemovalOverdueByDestination(): Promise<{ destination: Destination; count: number }[]>;
  /** Those cases, oldest clock first, with what was last heard of each. */
  listRemovalOverdue(filter: { destination?: Destination; limit: number }): Promise<RemovalOverdueEntry[]>;

  /** Creates a handover linked to a parent (content moved), in `locating`, with its audit event. */
  createLinkedHandover(parentId: string, input: { id: string; actor: string; reason: string; now: number }): Promise<HandoverRecord>;

  /** A `duplicate` entry becomes a case of its own in `locating` (a supervisor's split), with audit events on both sides. */
  splitDuplicate(handoverId: string, input: { actor: string; reason: string; now: number }): Promise<HandoverRecord>;
  /** The duplicates of a handover and the later cases that reappeared after it, oldest first. */
  listUrlLinks(handoverId: string): Promise<{ duplicates: HandoverRecord[]; reappearances: HandoverRecord[] }>;
  /** Duplicates and reappearances among handovers created in [from, to) (statistics). */
  listUrlRepeats(range?: { from?: number; to?: number }): Promise<UrlRepeat[]>;

  /** Moves up to `limit` due `routed` handovers of a destination to `delivering` under a lease. */
  claimDue(request: ClaimRequest): Promise<HandoverRecord[]>;
  recordAttempt(attempt: NewAttempt): Promise<void>;
  /** Notes that a destination was asked for news (no audit event: nothing changed). */
  markPolled(handoverIds: readonly string[], now: number): Promise<void>;
  /**
   * Marks asked those of `handoverIds` not asked since `polledBefore` and not being marked by
   * another process right now, and returns them: replicas polling together split the work
   * instead of each asking about every case.
   */
  claimPolls(handoverIds: readonly string[], now: number, polledBefore: number): Promise<string[]>;
  recordAck(ack: NewAck, audit?: { actor: string; kind: string; reason: string | null; now: number }): Promise<void>;
  /** Remembers a callback's webhook-id; false when it was seen before (a replay). */
  rememberWebhookId(destination: Destination, webhookId: string, now: number): Promise<boolean>;

  /**
   * Counts one hit against a rate-limited key (e.g. `auth-failure:203.0.113.9`) in the fixed
   * window that starts at windowStart, and returns the window's hits so far, this one included.
   * Kept in the store so every replica counts against the same number.
   */
  countRateLimitHit(key: string, windowStart: number): Promise<number>;
  /** The hits a key has in the window that starts at windowStart (0 when none). */
  readRateLimitHits(key: string, windowStart: number): Promise<number>;
  /** Forgets the windows that started before `before`; returns how many were dropped. */
  pruneRateLimitCounters(before: number): Promise<number>;

  /** Records a new console session (live, last used when issued). */
  createConsoleSession(session: NewConsoleSession): Promise<void>;
  getConsoleSession(id: string): Promise<ConsoleSessionRecord | null>;
  /** Notes a live session's last use; an ended one stays ended. */
  touchConsoleSession(id: string, seenAt: number): Promise<void>;
  clearConsoleSessionDraft(id: string): Promise<void>;
  /** Ends a live session for good; false when it had already ended (or never was). */
  endConsoleSession(id: string, reason: string, now: number): Promise<boolean>;
  /** Sessions not ended on purpose (some may have run out of time), oldest first. */
  listLiveConsoleSessions(): Promise<ConsoleSessionRecord[]>;
  /** Forgets sessions issued before the given time; returns how many. */
  pruneConsoleSessions(issuedBefore: number): Promise<number>;

  /** Takes or renews a named lease; true when the caller now holds it. */
  acquireJobLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  releaseJobLease(name: string, holder: string): Promise<void>;

  /** ICCAM pacing (contract §4): one call at a time for the whole deployment; see coordination-store.ts. */
  acquireIccamGate(holder: string, now: number, ttlMs: number): Promise<IccamGateAttempt>;
  releaseIccamGate(holder: string, notBefore: number): Promise<boolean>;
  saveIccamLookupLists(lists: Record<string, { id: number; name: string }[]>, now: number): Promise<void>;
  loadIccamLookupLists(): Promise<StoredLookupLists>;
  /** When the last inbound import began (null before the first); the next asks ICCAM from there, less 30 min. */
  readIccamImportMark(): Promise<number | null>;
  saveIccamImportMark(startedAt: number): Promise<void>;

  /**
   * Checks every chain, the checkpoints in the database and every row against its trail, in
   * one snapshot, trusting the key the checkpoints name (tests, quick checks); `audit verify`
   * uses checkAuditTrail with a pinned key and the checkpoint file.
   */
  verifyAudit(): Promise<AuditVerification>;
  /** The whole check of `audit verify`, in one read-only snapshot. */
  checkAuditTrail(options: TrailCheckOptions): Promise<TrailReport>;
  /** Seals every event since the last checkpoint; null when there was nothing new. */
  sealAuditCheckpoint(privateKey: KeyObject, now: number): Promise<SignedCheckpoint | null>;
  listAuditCheckpoints(): Promise<SignedCheckpoint[]>;
  /** The newest checkpoint, or null before the first (the console's overview). */
  lastAuditCheckpoint(): Promise<SignedCheckpoint | null>;
  /**
   * This ledger's id, which the audit checkpoint file names in its first line: the one stored,
   * or `candidate` stored now when there is none yet (the first caller of any replica wins).
   */
  ledgerId(candidate: string, now: number): Promise<string>;
  /** The stored ledger id without making one (read-only checks); null before the first ledgerId(). */
  readLedgerId(): Promise<string | null>;
}
