/**
 * The one Store implementation, over either SQL driver: the Store interface put together from
 * its seams, each a class of its own over named queries:
 *   ledger-writes.ts      intake, transitions, claims, attempts, acknowledgements (+ url-claims.ts)
 *   handover-reads.ts     what the API, console, jobs and statistics read
 *   audit-store.ts        the chained audit trail and its signed checkpoints
 *   coordination-store.ts job leases, the ICCAM gate and lists, rate-limit counters
 *   console-session-store.ts the console's sign-ins
 *   takedown-reads.ts     the takedown clock's figures and the cases past its last mark
 */
import type { KeyObject } from 'node:crypto';
import type { NewReferral, Store } from './store.js';
import { AuditStore } from './audit-store.js';
import type { TrailCheckOptions } from './audit-trail-check.js';
import { ConsoleSessionStore } from './console-session-store.js';
import { CoordinationStore } from './coordination-store.js';
import { HandoverReads } from './handover-reads.js';
import { LedgerWrites } from './ledger-writes.js';
import { TakedownReads } from './takedown-reads.js';
import type { SqlDriver } from './sql-driver.js';
import { backfillHostKeys, backfillUrlKeys } from './url-claims.js';

type Args<M extends keyof Store> = Store[M] extends (...args: infer A) => unknown ? A : never;

export class SqlStore implements Store {
  private readonly audit: AuditStore;
  private readonly reads: HandoverReads;
  private readonly writes: LedgerWrites;
  private readonly shared: CoordinationStore;
  private readonly sessions: ConsoleSessionStore;
  private readonly takedown: TakedownReads;

  constructor(private readonly db: SqlDriver) {
    this.audit = new AuditStore(db);
    this.reads = new HandoverReads(db);
    this.writes = new LedgerWrites(db, this.audit);
    this.shared = new CoordinationStore(db);
    this.sessions = new ConsoleSessionStore(db);
    this.takedown = new TakedownReads(db);
  }

  get dialect() {
    return this.db.dialect;
  }

  async migrate(): Promise<string[]> {
    const applied = await this.db.migrate();
    // Keys for rows written before migration 0008; a replica starting at the same moment may
    // take a live key first, and then this pass simply runs again on what is left.
    for (let pass = 1; ; pass++) {
      try {
        await backfillUrlKeys((work) => this.db.transaction(work));
        await backfillHostKeys((work) => this.db.transaction(work));
        return applied;
      } catch (error) {
        if (!this.db.isUniqueViolation(error) || pass >= 3) throw error;
      }
    }
  }

  async ping(): Promise<void> {
    await this.db.get('SELECT 1 AS ok');
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // ---------------------------------------------------------------- ledger: changes

  createReferral(input: NewReferral, actor: string, now: number) {
    return this.writes.createReferral(input, actor, now);
  }
  recordInboundReport(...a: Args<'recordInboundReport'>) {
    return this.writes.recordInboundReport(...a);
  }
  transition(...a: Args<'transition'>) {
    return this.writes.transition(...a);
  }
  annotate(...a: Args<'annotate'>) {
    return this.writes.annotate(...a);
  }
  createLinkedHandover(...a: Args<'createLinkedHandover'>) {
    return this.writes.createLinkedHandover(...a);
  }
  splitDuplicate(...a: Args<'splitDuplicate'>) {
    return this.writes.splitDuplicate(...a);
  }
  recordObservation(...a: Args<'recordObservation'>) {
    return this.writes.recordObservation(...a);
  }
  claimDue(...a: Args<'claimDue'>) {
    return this.writes.claimDue(...a);
  }
  recordAttempt(...a: Args<'recordAttempt'>) {
    return this.writes.recordAttempt(...a);
  }
  markPolled(...a: Args<'markPolled'>) {
    return this.writes.markPolled(...a);
  }
  claimPolls(...a: Args<'claimPolls'>) {
    return this.writes.claimPolls(...a);
  }
  recordAck(...a: Args<'recordAck'>) {
    return this.writes.recordAck(...a);
  }
  rememberWebhookId(...a: Args<'rememberWebhookId'>) {
    return this.writes.rememberWebhookId(...a);
  }

  // ---------------------------------------------------------------- ledger: reads

  getReferralByReportId(reportId: string) {
    return this.reads.getReferralByReportId(reportId);
  }
  getHandover(...a: Args<'getHandover'>) {
    return this.reads.getHandover(...a);
  }
  listHandovers(...a: Args<'listHandovers'>) {
    return this.reads.listHandovers(...a);
  }
  findHandovers(...a: Args<'findHandovers'>) {
    return this.reads.findHandovers(...a);
  }
  searchHandovers(...a: Args<'searchHandovers'>) {
    return this.reads.searchHandovers(...a);
  }
  listAttempts(...a: Args<'listAttempts'>) {
    return this.reads.listAttempts(...a);
  }
  listAcks(...a: Args<'listAcks'>) {
    return this.reads.listAcks(...a);
  }
  countByStateAndDestination() {
    return this.reads.countByStateAndDestination();
  }
  countOverdueByDestination() {
    return this.reads.countOverdueByDestination();
  }
  listSuccessors(...a: Args<'listSuccessors'>) {
    return this.reads.listSuccessors(...a);
  }
  summariseDestinationAttempts(...a: Args<'summariseDestinationAttempts'>) {
    return this.reads.summariseDestinationAttempts(...a);
  }
  listTimings(...a: Args<'listTimings'>) {
    return this.reads.listTimings(...a);
  }
  listUrlLinks(...a: Args<'listUrlLinks'>) {
    return this.reads.listUrlLinks(...a);
  }
  listUrlRepeats(...a: Args<'listUrlRepeats'>) {
    return this.reads.listUrlRepeats(...a);
  }

  // ---------------------------------------------------------------- takedown clock

  takedownCounts(...a: Args<'takedownCounts'>) {
    return this.takedown.takedownCounts(...a);
  }
  findRemovalPending(...a: Args<'findRemovalPending'>) {
    return this.takedown.findRemovalPending(...a);
  }
  countRemovalOverdueByDestination() {
    return this.takedown.countRemovalOverdueByDestination();
  }
  listRemovalOverdue(...a: Args<'listRemovalOverdue'>) {
    return this.takedown.listRemovalOverdue(...a);
  }

  // ---------------------------------------------------------------- audit trail

  listAuditEvents(...a: Args<'listAuditEvents'>) {
    return this.audit.listAuditEvents(...a);
  }
  verifyAudit() {
    return this.audit.verifyAudit();
  }
  checkAuditTrail(options: TrailCheckOptions) {
    return this.audit.checkAuditTrail(options);
  }
  sealAuditCheckpoint(privateKey: KeyObject, now: number) {
    return this.audit.sealAuditCheckpoint(privateKey, now);
  }
  listAuditCheckpoints() {
    return this.audit.listAuditCheckpoints();
  }
  lastAuditCheckpoint() {
    return this.audit.lastAuditCheckpoint();
  }
  ledgerId(candidate: string, now: number) {
    return this.audit.ledgerId(candidate, now);
  }
  readLedgerId() {
    return this.audit.readLedgerId();
  }

  // ---------------------------------------------------------------- shared between replicas

  acquireJobLease(...a: Args<'acquireJobLease'>) {
    return this.shared.acquireJobLease(...a);
  }
  releaseJobLease(...a: Args<'releaseJobLease'>) {
    return this.shared.releaseJobLease(...a);
  }
  acquireIccamGate(...a: Args<'acquireIccamGate'>) {
    return this.shared.acquireIccamGate(...a);
  }
  releaseIccamGate(...a: Args<'releaseIccamGate'>) {
    return this.shared.releaseIccamGate(...a);
  }
  saveIccamLookupLists(...a: Args<'saveIccamLookupLists'>) {
    return this.shared.saveIccamLookupLists(...a);
  }
  loadIccamLookupLists() {
    return this.shared.loadIccamLookupLists();
  }
  readIccamImportMark() {
    return this.shared.readIccamImportMark();
  }
  saveIccamImportMark(...a: Args<'saveIccamImportMark'>) {
    return this.shared.saveIccamImportMark(...a);
  }
  countRateLimitHit(...a: Args<'countRateLimitHit'>) {
    return this.shared.countRateLimitHit(...a);
  }
  readRateLimitHits(...a: Args<'readRateLimitHits'>) {
    return this.shared.readRateLimitHits(...a);
  }
  pruneRateLimitCounters(...a: Args<'pruneRateLimitCounters'>) {
    return this.shared.pruneRateLimitCounters(...a);
  }

  // ---------------------------------------------------------------- the console's sessions

  createConsoleSession(...a: Args<'createConsoleSession'>) {
    return this.sessions.createConsoleSession(...a);
  }
  getConsoleSession(...a: Args<'getConsoleSession'>) {
    return this.sessions.getConsoleSession(...a);
  }
  touchConsoleSession(...a: Args<'touchConsoleSession'>) {
    return this.sessions.touchConsoleSession(...a);
  }
  clearConsoleSessionDraft(...a: Args<'clearConsoleSessionDraft'>) {
    return this.sessions.clearConsoleSessionDraft(...a);
  }
  endConsoleSession(...a: Args<'endConsoleSession'>) {
    return this.sessions.endConsoleSession(...a);
  }
  listLiveConsoleSessions() {
    return this.sessions.listLiveConsoleSessions();
  }
  pruneConsoleSessions(...a: Args<'pruneConsoleSessions'>) {
    return this.sessions.pruneConsoleSessions(...a);
  }
}
