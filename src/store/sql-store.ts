/**
 * The one Store implementation, over either SQL driver. The ledger's rules live here once:
 * state changes checked against the state machine, the audit event written in the same
 * transaction, fencing by lease token, idempotent intake.
 *
 * Lock order, to stay free of deadlocks on PostgreSQL: handover rows first, audit events last
 * (every transaction appends its audit events at its end, all in one statement).
 */
import type { KeyObject } from 'node:crypto';
import { checkpointEntry, GENESIS_HASH, sealChainedEvent, UNATTACHED_CHAIN, type AuditEvent, type AuditEventBody, type AuditVerification, type RowFacts } from '../domain/audit-chain.js';
import { signCheckpoint, type SignedCheckpoint } from '../domain/audit-checkpoint.js';
import { handoverFacts, referralClassificationHash } from '../domain/handover-facts.js';
import { MerkleRootBuilder } from '../domain/merkle-tree.js';
import { checkAuditTrail, toCheckpoint, toVerification, type TrailCheckOptions, type TrailReport } from './audit-trail-check.js';
import { ConflictError, InvalidTransitionError, LeaseLostError, NotFoundError, coerceError } from '../domain/errors.js';
import type { Destination } from '../domain/decision.js';
import type { HandoverTiming } from '../domain/handover-stats.js';
import { canTransition, type HandoverState } from '../domain/handover-states.js';
import { ackEventData, attemptEventData, HANDOVER_COLUMNS, HANDOVER_FROM, patchAssignments, toAck, toAttempt, toAuditEvent, toHandover, toReferral } from './handover-rows.js';
import type { SqlDriver, SqlRunner } from './sql-driver.js';
import { backfillUrlKeys, followStateChange, insertLinkedRow, insertReferredUrls, splitDuplicateRow, urlAlreadyLive } from './url-claims.js';
import { acquireIccamGate, loadIccamLookupLists, releaseIccamGate, saveIccamLookupLists } from './iccam-rows.js';
import type {
  AckRecord,
  Annotation,
  AttemptRecord,
  ClaimRequest,
  CountRow,
  DestinationAttemptSummary,
  HandoverFilter,
  HandoverQuery,
  HandoverRecord,
  NewAck,
  NewAttempt,
  NewReferral,
  ReferralRecord,
  Store,
  Transition,
  UrlRepeat,
} from './store.js';

type AuditInput = Omit<AuditEventBody, 'seq'> & {
  /** What the handover row holds right after the event (null for unattached events). */
  row: RowFacts | null;
  /** The handover was created in this transaction: its chain starts here. */
  newChain?: boolean;
};

/** Advisory lock that orders the unattached chain on PostgreSQL. */
const UNATTACHED_CHAIN_LOCK = 4_823_118;

export class SqlStore implements Store {
  constructor(private readonly db: SqlDriver) {}

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

  // ---------------------------------------------------------------- audit chains

  /**
   * Appends events to their chains (the handover's, or the unattached one); must run inside
   * the caller's transaction, last, with every handover concerned already locked: that lock
   * is what orders a chain, so writers of different handovers never wait for one another.
   */
  private async appendAudit(tx: SqlRunner, events: AuditInput[]): Promise<void> {
    if (events.length === 0) return;
    const heads = new Map<string, { n: number; hash: string }>();
    const rows: unknown[][] = [];
    for (const input of events) {
      const chain = input.handoverId ?? UNATTACHED_CHAIN;
      let head = heads.get(chain);
      if (!head) head = input.newChain ? { n: 0, hash: GENESIS_HASH } : await this.chainHead(tx, chain);
      const { newChain: _, row, ...body } = input;
      const event = sealChainedEvent(head.hash, { ...body, chain, chainSeq: head.n + 1, row: row ?? null });
      heads.set(chain, { n: event.chainSeq, hash: event.hash });
      rows.push([event.handoverId, event.referralId, event.at, event.actor, event.kind, event.fromState, event.toState, event.reason, event.data === null || event.data === undefined ? null : JSON.stringify(event.data), event.prevHash, event.hash, chain, event.chainSeq, event.row ? JSON.stringify(event.row) : null]);
    }
    await tx.run(
      `INSERT INTO audit_events (handover_id, referral_id, at, actor, kind, from_state, to_state, reason, data, prev_hash, hash, chain, chain_seq, row_facts) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      rows.flat(),
    );
  }

  private async chainHead(tx: SqlRunner, chain: string): Promise<{ n: number; hash: string }> {
    // The unattached chain has no handover row to lock; on SQLite the write lock orders it.
    if (chain === UNATTACHED_CHAIN && this.db.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(?::bigint) AS locked', [UNATTACHED_CHAIN_LOCK]);
    const last = await tx.get<{ chain_seq: number | string; hash: string }>('SELECT chain_seq, hash FROM audit_events WHERE chain = ? ORDER BY chain_seq DESC LIMIT 1', [chain]);
    return last ? { n: Number(last.chain_seq), hash: last.hash } : { n: 0, hash: GENESIS_HASH };
  }

  /** Checks every chain, checkpoint and row in one snapshot, without a pinned key or file. */
  async verifyAudit(): Promise<AuditVerification> {
    return toVerification(await this.checkAuditTrail({ publicKey: null, file: null }));
  }

  checkAuditTrail(options: TrailCheckOptions): Promise<TrailReport> {
    return this.db.snapshot((tx) => checkAuditTrail(tx, options));
  }

  async listAuditCheckpoints(): Promise<SignedCheckpoint[]> {
    return (await this.db.all('SELECT * FROM audit_checkpoints ORDER BY id')).map(toCheckpoint);
  }

  async lastAuditCheckpoint(): Promise<SignedCheckpoint | null> {
    const row = await this.db.get('SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1');
    return row ? toCheckpoint(row) : null;
  }

  /**
   * Seals every event written since the last checkpoint (the first checkpoint of a migrated
   * ledger seals its legacy global chain alone). Null when there is nothing new, or when
   * another process sealed the same range first.
   */
  async sealAuditCheckpoint(privateKey: KeyObject, now: number): Promise<SignedCheckpoint | null> {
    const lastRow = await this.db.get('SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1');
    const previous = lastRow ? toCheckpoint(lastRow) : null;
    const fromSeq = previous?.toSeq ?? 0;
    let toSeq: number | null = null;
    if (!previous) {
      const legacy = await this.db.get<{ seq: number | string }>('SELECT seq FROM audit_head WHERE id = 1');
      if (legacy && Number(legacy.seq) > 0) toSeq = Number(legacy.seq);
    }
    if (toSeq === null) {
      const horizon = await this.db.withAuditAppendsSettled((tx) => tx.get<{ m: number | string | null }>('SELECT MAX(seq) AS m FROM audit_events'));
      toSeq = horizon?.m === null || horizon?.m === undefined ? 0 : Number(horizon.m);
    }
    if (toSeq <= fromSeq) return null;
    const tree = new MerkleRootBuilder();
    for (let after = fromSeq; ; ) {
      const rows = await this.db.all<{ seq: number | string; chain: string | null; chain_seq: number | string | null; hash: string }>(
        'SELECT seq, chain, chain_seq, hash FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT 10000',
        [after, toSeq],
      );
      if (rows.length === 0) break;
      for (const r of rows) tree.addEntry(checkpointEntry({ seq: Number(r.seq), chain: r.chain, chainSeq: r.chain_seq === null ? null : Number(r.chain_seq), hash: r.hash }));
      after = Number(rows[rows.length - 1]!.seq);
    }
    const checkpoint = signCheckpoint({ id: (previous?.id ?? 0) + 1, fromSeq, toSeq, size: tree.size, root: tree.root(), prev: previous?.hash ?? GENESIS_HASH, at: now }, privateKey);
    try {
      await this.db.run(
        'INSERT INTO audit_checkpoints (id, from_seq, to_seq, size, root, prev, at, key_id, signature, hash, public_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [checkpoint.id, checkpoint.fromSeq, checkpoint.toSeq, checkpoint.size, checkpoint.root, checkpoint.prev, checkpoint.at, checkpoint.keyId, checkpoint.signature, checkpoint.hash, checkpoint.publicKey],
      );
    } catch (error) {
      if (this.db.isUniqueViolation(error) || /append-only/.test(coerceError(error).message)) return null;
      throw error;
    }
    return checkpoint;
  }

  // ---------------------------------------------------------------- intake

  async createReferral(input: NewReferral, actor: string, now: number) {
    try {
      return await this.db.transaction(async (tx) => {
        const existing = await this.referralWithHandovers(tx, input.reportId);
        if (existing) return { created: false, ...this.sameBodyOrConflict(existing, input) };
        await tx.run(
          'INSERT INTO referrals (id, report_id, body_hash, classification, reported_at, referred_by, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [input.id, input.reportId, input.bodyHash, JSON.stringify(input.classification), input.reportedAt, input.referredBy ?? null, now, actor],
        );
        // One live case per URL (issue #15): a URL already carried becomes a duplicate entry.
        const claimed = await insertReferredUrls(
          tx,
          this.db,
          input.urls.map((u, position) => ({ handoverId: u.handoverId, referralId: input.id, reportId: input.reportId, position, url: u.url, reportedUrl: u.reportedUrl ?? null, contentType: u.contentType })),
          actor,
          now,
        );
        const newIds = new Set(input.urls.map((u) => u.handoverId));
        const classificationHash = referralClassificationHash(input.classification);
        const audit: AuditInput[] = claimed.audit.map((event) =>
          event.kind === 'intake' && event.handoverId !== null && newIds.has(event.handoverId)
            ? { ...event, data: { ...(event.data as object), bodyHash: input.bodyHash, classificationHash, ...(input.referredBy ? { referredBy: input.referredBy } : {}) }, row: null, newChain: true }
            : { ...event, row: null },
        );
        const created = await this.referralWithHandovers(tx, input.reportId);
        const byId = new Map(created!.handovers.map((h) => [h.id, h]));
        // Events on earlier handovers (the case a duplicate joins, a reappearance's predecessor)
        // record those rows as they stand: linking to them changes none of their facts.
        for (const event of audit) event.row = handoverFacts(byId.get(event.handoverId!) ?? (await this.lockHandover(tx, event.handoverId!)));
        await this.appendAudit(tx, audit);
        return { created: true, ...created! };
      });
    } catch (error) {
      // Two identical requests racing on PostgreSQL: the loser reads the winner's referral.
      // (Two referrals of one URL do not collide here: the URL's key is taken with ON CONFLICT.)
      if (!this.db.isUniqueViolation(error)) throw error;
      const existing = await this.referralWithHandovers(this.db, input.reportId);
      if (!existing) throw error;
      return { created: false, ...this.sameBodyOrConflict(existing, input) };
    }
  }

  private sameBodyOrConflict(existing: { referral: ReferralRecord; handovers: HandoverRecord[] }, input: NewReferral) {
    if (existing.referral.bodyHash !== input.bodyHash) {
      throw new ConflictError('referral_conflict', `Report ${input.reportId} was already referred with a different body.`, { referralId: existing.referral.id });
    }
    return existing;
  }

  private async referralWithHandovers(runner: SqlRunner, reportId: string) {
    const row = await runner.get('SELECT * FROM referrals WHERE report_id = ?', [reportId]);
    if (!row) return null;
    const referral = toReferral(row);
    const handovers = (await runner.all(`SELECT ${HANDOVER_COLUMNS} FROM ${HANDOVER_FROM} WHERE h.referral_id = ? ORDER BY h.position, h.seq`, [referral.id])).map(toHandover);
    return { referral, handovers };
  }

  getReferralByReportId(reportId: string) {
    return this.referralWithHandovers(this.db, reportId);
  }

  // ---------------------------------------------------------------- reads

  async getHandover(id: string): Promise<HandoverRecord | null> {
    const row = await this.db.get(`SELECT ${HANDOVER_COLUMNS} FROM ${HANDOVER_FROM} WHERE h.id = ?`, [id]);
    return row ? toHandover(row) : null;
  }

  async listHandovers(filter: HandoverFilter): Promise<HandoverRecord[]> {
    const where: string[] = ['h.seq > ?'];
    const params: unknown[] = [filter.afterSeq ?? 0];
    if (filter.state) {
      where.push('h.state = ?');
      params.push(filter.state);
    }
    if (filter.destination) {
      where.push('h.destination = ?');
      params.push(filter.destination);
    }
    if (filter.country) {
      where.push('h.country = ?');
      params.push(filter.country);
    }
    if (filter.overdue !== undefined) where.push(filter.overdue ? 'h.overdue_at IS NOT NULL' : 'h.overdue_at IS NULL');
    params.push(filter.limit);
    const rows = await this.db.all(`SELECT ${HANDOVER_COLUMNS} FROM ${HANDOVER_FROM} WHERE ${where.join(' AND ')} ORDER BY h.seq LIMIT ?`, params);
    return rows.map(toHandover);
  }

  async findHandovers(q: HandoverQuery): Promise<HandoverRecord[]> {
    if (q.states.length === 0) return [];
    const where: string[] = [`h.state IN (${q.states.map(() => '?').join(', ')})`];
    const params: unknown[] = [...q.states];
    const bound = (sql: string, value: unknown) => {
      where.push(sql);
      params.push(value);
    };
    if (q.destination) bound('h.destination = ?', q.destination);
    if (q.dueBy !== undefined) bound('(h.next_attempt_at IS NULL OR h.next_attempt_at <= ?)', q.dueBy);
    if (q.leaseExpiredBy !== undefined) bound('h.lease_expires_at <= ?', q.leaseExpiredBy);
    if (q.createdBefore !== undefined) bound('h.created_at <= ?', q.createdBefore);
    if (q.deliveredBefore !== undefined) bound('h.delivered_at <= ?', q.deliveredBefore);
    if (q.acknowledgedBefore !== undefined) bound('h.acknowledged_at <= ?', q.acknowledgedBefore);
    if (q.lastPolledBefore !== undefined) bound('(h.last_polled_at IS NULL OR h.last_polled_at <= ?)', q.lastPolledBefore);
    if (q.recheckedBefore !== undefined) bound('(h.rechecked_at IS NULL OR h.rechecked_at <= ?)', q.recheckedBefore);
    if (q.locatedBefore !== undefined) bound('h.located_at <= ?', q.locatedBefore);
    if (q.notOverdue) where.push('h.overdue_at IS NULL');
    if (q.notResent) where.push('h.resent_at IS NULL');
    if (q.noSuccessor) where.push('NOT EXISTS (SELECT 1 FROM handovers s WHERE s.parent_id = h.id)');
    params.push(q.limit);
    const order = q.order === 'least-recently-polled' ? 'COALESCE(h.last_polled_at, 0), h.seq' : 'h.seq';
    const rows = await this.db.all(`SELECT ${HANDOVER_COLUMNS} FROM ${HANDOVER_FROM} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`, params);
    return rows.map(toHandover);
  }

  async listAttempts(handoverId: string): Promise<AttemptRecord[]> {
    return (await this.db.all('SELECT * FROM delivery_attempts WHERE handover_id = ? ORDER BY id', [handoverId])).map(toAttempt);
  }

  async listAcks(handoverId: string): Promise<AckRecord[]> {
    return (await this.db.all('SELECT * FROM acknowledgements WHERE handover_id = ? ORDER BY id', [handoverId])).map(toAck);
  }

  async listAuditEvents(handoverId: string): Promise<AuditEvent[]> {
    return (await this.db.all('SELECT * FROM audit_events WHERE handover_id = ? ORDER BY seq', [handoverId])).map(toAuditEvent);
  }

  async countByStateAndDestination(): Promise<CountRow[]> {
    const rows = await this.db.all<{ state: string; destination: string | null; n: number | string }>(
      'SELECT state, destination, COUNT(*) AS n FROM handovers GROUP BY state, destination ORDER BY state, destination',
    );
    return rows.map((r) => ({ state: r.state as HandoverState, destination: r.destination as CountRow['destination'], count: Number(r.n) }));
  }

  async countOverdueByDestination(): Promise<{ destination: Destination; count: number }[]> {
    const rows = await this.db.all<{ destination: string; n: number | string }>(
      'SELECT destination, COUNT(*) AS n FROM handovers WHERE overdue_at IS NOT NULL AND destination IS NOT NULL GROUP BY destination ORDER BY destination',
    );
    return rows.map((r) => ({ destination: r.destination as Destination, count: Number(r.n) }));
  }

  async listSuccessors(handoverId: string): Promise<HandoverRecord[]> {
    return (await this.db.all(`SELECT ${HANDOVER_COLUMNS} FROM ${HANDOVER_FROM} WHERE h.parent_id = ? ORDER BY h.seq`, [handoverId])).map(toHandover);
  }

  async summariseDestinationAttempts(since: number): Promise<DestinationAttemptSummary[]> {
    // Outcomes other than delivered and skipped mean the destination did not take the handover.
    const rows = await this.db.all<Record<string, unknown>>(
      `SELECT destination,
              MAX(CASE WHEN outcome = 'delivered' THEN COALESCE(finished_at, started_at) END) AS last_success_at,
              MAX(CASE WHEN outcome NOT IN ('delivered', 'skipped') THEN COALESCE(finished_at, started_at) END) AS last_failure_at,
              SUM(CASE WHEN started_at >= ? THEN 1 ELSE 0 END) AS recent_attempts,
              SUM(CASE WHEN started_at >= ? AND outcome NOT IN ('delivered', 'skipped') THEN 1 ELSE 0 END) AS recent_failures
       FROM delivery_attempts GROUP BY destination ORDER BY destination`,
      [since, since],
    );
    const summaries: DestinationAttemptSummary[] = [];
    for (const r of rows) {
      const lastFailureAt = r.last_failure_at === null || r.last_failure_at === undefined ? null : Number(r.last_failure_at);
      const last =
        lastFailureAt === null
          ? undefined
          : await this.db.get<{ error_class: string | null }>(
              `SELECT error_class FROM delivery_attempts WHERE destination = ? AND outcome NOT IN ('delivered', 'skipped') ORDER BY COALESCE(finished_at, started_at) DESC, id DESC LIMIT 1`,
              [r.destination],
            );
      summaries.push({
        destination: r.destination as Destination,
        lastSuccessAt: r.last_success_at === null || r.last_success_at === undefined ? null : Number(r.last_success_at),
        lastFailureAt,
        lastErrorClass: last?.error_class ?? null,
        recentAttempts: Number(r.recent_attempts ?? 0),
        recentFailures: Number(r.recent_failures ?? 0),
      });
    }
    return summaries;
  }

  async listTimings(range: { from?: number; to?: number } = {}): Promise<HandoverTiming[]> {
    const rows = await this.db.all<Record<string, unknown>>(
      `SELECT state, destination, country, created_at, delivered_at, acknowledged_at, closed_at, outcome, overdue_at
       FROM handovers WHERE created_at >= ? AND created_at < ?`,
      [range.from ?? 0, range.to ?? Number.MAX_SAFE_INTEGER],
    );
    const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return rows.map((r) => ({
      state: String(r.state),
      destination: (r.destination as string | null) ?? null,
      country: (r.country as string | null) ?? null,
      createdAt: Number(r.created_at),
      deliveredAt: n(r.delivered_at),
      acknowledgedAt: n(r.acknowledged_at),
      closedAt: n(r.closed_at),
      outcome: (r.outcome as string | null) ?? null,
      overdue: r.overdue_at !== null && r.overdue_at !== undefined,
    }));
  }

  // ---------------------------------------------------------------- changes

  private async lockHandover(tx: SqlRunner, id: string): Promise<HandoverRecord> {
    const row = await tx.get(`SELECT ${HANDOVER_COLUMNS} FROM ${HANDOVER_FROM} WHERE h.id = ?${this.db.forUpdate ? ' FOR UPDATE OF h' : ''}`, [id]);
    if (!row) throw new NotFoundError(`Handover ${id}`);
    return toHandover(row);
  }

  private checkExpectations(current: HandoverRecord, expectState: Transition['expectState'], expectLeaseToken?: string): void {
    if (expectLeaseToken !== undefined && (current.state !== 'delivering' || current.leaseToken !== expectLeaseToken)) {
      throw new LeaseLostError(current.id);
    }
    if (expectState !== undefined) {
      const allowed = typeof expectState === 'string' ? [expectState] : expectState;
      if (!allowed.includes(current.state)) {
        throw new InvalidTransitionError(`Handover ${current.id} is ${current.state}, not ${allowed.join(' or ')}.`, { state: current.state });
      }
    }
  }

  private async writePatch(tx: SqlRunner, id: string, state: HandoverState, patch: Transition['set'], now: number): Promise<void> {
    // A routed handover always has a due time (now, if nobody set one): the claim query can
    // then walk the (state, destination, next_attempt_at) index instead of sorting.
    const routedPatch = state === 'routed' && (patch?.nextAttemptAt ?? null) === null ? { ...patch, nextAttemptAt: undefined } : patch;
    const { sql, params } = patchAssignments(routedPatch ?? {});
    const due = routedPatch !== patch ? ', next_attempt_at = COALESCE(next_attempt_at, ?)' : '';
    await tx.run(`UPDATE handovers SET state = ?, updated_at = ?${sql.length ? ', ' + sql.join(', ') : ''}${due} WHERE id = ?`, [state, now, ...params, ...(due ? [now] : []), id]);
  }

  async transition(handoverId: string, change: Transition): Promise<HandoverRecord> {
    try {
      return await this.transitionOnce(handoverId, change);
    } catch (error) {
      // A failed case sent again while another replica's referral made a new case of its URL
      // in the same instant: the unique key refused it.
      if (!this.db.isUniqueViolation(error)) throw error;
      const holder = await this.db.get<{ id: string }>('SELECT o.id FROM handovers o JOIN handovers h ON h.url_key = o.live_url_key WHERE h.id = ?', [handoverId]);
      throw urlAlreadyLive(handoverId, holder?.id ?? 'unknown');
    }
  }

  private transitionOnce(handoverId: string, change: Transition): Promise<HandoverRecord> {
    return this.db.transaction(async (tx) => {
      const current = await this.lockHandover(tx, handoverId);
      this.checkExpectations(current, change.expectState, change.expectLeaseToken);
      if (!canTransition(current.state, change.to)) {
        throw new InvalidTransitionError(`A handover cannot go from ${current.state} to ${change.to}.`, { from: current.state, to: change.to });
      }
      if (current.state === 'duplicate') {
        throw new InvalidTransitionError(`Handover ${handoverId} is a duplicate; only a supervisor's split makes it a case.`, { state: current.state });
      }
      await followStateChange(tx, current, change.to);
      await this.writePatch(tx, handoverId, change.to, change.set, change.now);
      const result = await this.lockHandover(tx, handoverId);
      await this.appendAudit(tx, [
        { handoverId, referralId: current.referralId, at: change.now, actor: change.actor, kind: change.kind ?? 'transition', fromState: current.state, toState: change.to, reason: change.reason, data: change.data ?? null, row: handoverFacts(result) },
      ]);
      return result;
    });
  }

  async annotate(handoverId: string, note: Annotation): Promise<HandoverRecord> {
    return this.db.transaction(async (tx) => {
      const current = await this.lockHandover(tx, handoverId);
      this.checkExpectations(current, note.expectState);
      await this.writePatch(tx, handoverId, current.state, note.set, note.now);
      const result = await this.lockHandover(tx, handoverId);
      await this.appendAudit(tx, [
        { handoverId, referralId: current.referralId, at: note.now, actor: note.actor, kind: note.kind, fromState: current.state, toState: current.state, reason: note.reason, data: note.data ?? null, row: handoverFacts(result) },
      ]);
      return result;
    });
  }

  async createLinkedHandover(parentId: string, input: { id: string; actor: string; reason: string; now: number }): Promise<HandoverRecord> {
    return this.db.transaction(async (tx) => {
      const parent = await this.lockHandover(tx, parentId);
      const siblings = await tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM handovers WHERE referral_id = ?', [parent.referralId]);
      await insertLinkedRow(tx, parent, { id: input.id, position: Number(siblings?.n ?? 0), now: input.now });
      const result = await this.lockHandover(tx, input.id);
      await this.appendAudit(tx, [
        { handoverId: input.id, referralId: parent.referralId, at: input.now, actor: input.actor, kind: 'linked', fromState: null, toState: 'locating', reason: input.reason, data: { parentId }, row: handoverFacts(result), newChain: true },
        { handoverId: parentId, referralId: parent.referralId, at: input.now, actor: input.actor, kind: 'successor', fromState: parent.state, toState: parent.state, reason: input.reason, data: { successorId: input.id }, row: handoverFacts(parent) },
      ]);
      return result;
    });
  }

  async splitDuplicate(handoverId: string, input: { actor: string; reason: string; now: number }): Promise<HandoverRecord> {
    return this.db.transaction(async (tx) => {
      const current = await this.lockHandover(tx, handoverId);
      this.checkExpectations(current, 'duplicate');
      const events = await splitDuplicateRow(tx, current, input);
      const result = await this.lockHandover(tx, handoverId);
      const audit: AuditInput[] = [];
      for (const event of events) {
        audit.push({ ...event, row: handoverFacts(event.handoverId === handoverId ? result : await this.lockHandover(tx, event.handoverId!)) });
      }
      await this.appendAudit(tx, audit);
      return result;
    });
  }

  async listUrlLinks(handoverId: string): Promise<{ duplicates: HandoverRecord[]; reappearances: HandoverRecord[] }> {
    const rows = (await this.db.all(`SELECT ${HANDOVER_COLUMNS} FROM ${HANDOVER_FROM} WHERE h.duplicate_of = ? OR h.reappearance_of = ? ORDER BY h.seq`, [handoverId, handoverId])).map(toHandover);
    return { duplicates: rows.filter((h) => h.duplicateOf === handoverId), reappearances: rows.filter((h) => h.reappearanceOf === handoverId) };
  }

  async listUrlRepeats(range: { from?: number; to?: number } = {}): Promise<UrlRepeat[]> {
    const rows = await this.db.all<{ duplicate_of: string | null; created_at: number | string; split_at: number | string | null; earlier_state: string | null }>(
      `SELECT h.duplicate_of, h.created_at, h.split_at, e.state AS earlier_state
       FROM handovers h LEFT JOIN handovers e ON e.id = h.reappearance_of
       WHERE (h.duplicate_of IS NOT NULL OR h.reappearance_of IS NOT NULL) AND h.created_at >= ? AND h.created_at < ?
       ORDER BY h.seq`,
      [range.from ?? 0, range.to ?? Number.MAX_SAFE_INTEGER],
    );
    return rows.map((r) => ({
      kind: r.duplicate_of !== null ? 'duplicate' : 'reappearance',
      createdAt: Number(r.created_at),
      split: r.split_at !== null,
      earlierState: r.duplicate_of !== null ? null : ((r.earlier_state as HandoverState | null) ?? null),
    }));
  }

  async claimDue(request: ClaimRequest): Promise<HandoverRecord[]> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.all<{ id: string }>(
        `SELECT id FROM handovers WHERE state = 'routed' AND destination = ? AND next_attempt_at <= ?
         ORDER BY next_attempt_at, seq LIMIT ?${this.db.forUpdateSkipLocked}`,
        [request.destination, request.now, request.limit],
      );
      if (rows.length === 0) return [];
      const audit: AuditInput[] = [];
      const claimed: HandoverRecord[] = [];
      for (const { id } of rows) {
        const current = await this.lockHandover(tx, id);
        await this.writePatch(tx, id, 'delivering', { leaseToken: request.token, leaseExpiresAt: request.now + request.leaseMs }, request.now);
        // Read back, so the event records exactly what the row now holds.
        const after = await this.lockHandover(tx, id);
        audit.push({ handoverId: id, referralId: current.referralId, at: request.now, actor: request.actor, kind: 'transition', fromState: 'routed', toState: 'delivering', reason: 'claimed for a delivery attempt', data: { attempt: current.attemptCount + 1 }, row: handoverFacts(after) });
        claimed.push(after);
      }
      await this.appendAudit(tx, audit);
      return claimed;
    });
  }

  /** The attempt row and its event in the handover's chain (request hash, response digest). */
  async recordAttempt(a: NewAttempt): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await this.lockHandover(tx, a.handoverId);
      const inserted = await tx.get<{ id: number | string }>(
        `INSERT INTO delivery_attempts (handover_id, attempt_no, destination, claim_token, started_at, finished_at, duration_ms, outcome, status_code, error_class, request_hash, response_digest, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [a.handoverId, a.attemptNo, a.destination, a.claimToken, a.startedAt, a.finishedAt, a.durationMs, a.outcome, a.statusCode, a.errorClass, a.requestHash, a.responseDigest, a.detail],
      );
      const attempt: AttemptRecord = { id: Number(inserted!.id), ...a };
      await this.appendAudit(tx, [
        { handoverId: a.handoverId, referralId: current.referralId, at: a.finishedAt ?? a.startedAt, actor: 'system:delivery', kind: 'attempt', fromState: current.state, toState: current.state, reason: `attempt ${a.attemptNo}: ${a.outcome}${a.statusCode === null ? '' : ` (${a.statusCode})`}`, data: { attempt: attemptEventData(attempt) }, row: handoverFacts(current) },
      ]);
    });
  }

  async markPolled(handoverIds: readonly string[], now: number): Promise<void> {
    if (handoverIds.length === 0) return;
    // Best effort, and never waiting: rows another transaction holds are skipped (asked again
    // next interval), and the rest are locked in one order, so two pollers cannot deadlock.
    await this.db.run(
      `UPDATE handovers SET last_polled_at = ? WHERE id IN (SELECT id FROM handovers WHERE id IN (${handoverIds.map(() => '?').join(', ')}) ORDER BY id${this.db.forUpdateSkipLocked})`,
      [now, ...handoverIds],
    );
  }

  /** The acknowledgement row and its event: in the handover's chain, or the unattached one. */
  async claimPolls(handoverIds: readonly string[], now: number, polledBefore: number): Promise<string[]> {
    if (handoverIds.length === 0) return [];
    const rows = await this.db.all<{ id: string }>(
      `UPDATE handovers SET last_polled_at = ? WHERE id IN (SELECT id FROM handovers WHERE id IN (${handoverIds.map(() => '?').join(', ')}) AND (last_polled_at IS NULL OR last_polled_at <= ?) ORDER BY id${this.db.forUpdateSkipLocked}) RETURNING id`,
      [now, ...handoverIds, polledBefore],
    );
    return rows.map((r) => r.id);
  }

  async recordAck(ack: NewAck, audit?: { actor: string; kind: string; reason: string | null; now: number }): Promise<void> {
    await this.db.transaction(async (tx) => {
      const handoverRow = ack.handoverId ? await tx.get(`SELECT ${HANDOVER_COLUMNS} FROM ${HANDOVER_FROM} WHERE h.id = ?${this.db.forUpdate ? ' FOR UPDATE OF h' : ''}`, [ack.handoverId]) : undefined;
      const handover = handoverRow ? toHandover(handoverRow) : null;
      const inserted = await tx.get<{ id: number | string }>(
        `INSERT INTO acknowledgements (handover_id, destination, source, status, reference, reason, applied, note, webhook_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [ack.handoverId, ack.destination, ack.source, ack.status, ack.reference, ack.reason, ack.applied ? 1 : 0, ack.note, ack.webhookId, ack.receivedAt],
      );
      const record: AckRecord = { id: Number(inserted!.id), ...ack };
      const common = { handoverId: handover?.id ?? null, referralId: handover?.referralId ?? null, fromState: handover?.state ?? null, toState: handover?.state ?? null, row: handover ? handoverFacts(handover) : null };
      await this.appendAudit(tx, [
        audit
          ? { ...common, at: audit.now, actor: audit.actor, kind: audit.kind, reason: audit.reason, data: { destination: ack.destination, status: ack.status, source: ack.source, claimedHandoverId: ack.handoverId, acknowledgement: ackEventData(record) } }
          : { ...common, at: ack.receivedAt, actor: `system:ack-${ack.source}`, kind: 'acknowledgement', reason: `${ack.destination} ${ack.source}: ${ack.status}`, data: { acknowledgement: ackEventData(record) } },
      ]);
    });
  }

  async rememberWebhookId(destination: string, webhookId: string, now: number): Promise<boolean> {
    try {
      await this.db.run('INSERT INTO webhook_receipts (destination, webhook_id, received_at) VALUES (?, ?, ?)', [destination, webhookId, now]);
      return true;
    } catch (error) {
      if (this.db.isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async countRateLimitHit(key: string, windowStart: number): Promise<number> {
    // One statement in both dialects: the upsert is atomic, so two replicas never lose a hit.
    const row = await this.db.get<{ hits: number | string }>(
      `INSERT INTO rate_limit_counters (limit_key, window_start, hits) VALUES (?, ?, 1)
       ON CONFLICT (limit_key, window_start) DO UPDATE SET hits = rate_limit_counters.hits + 1
       RETURNING hits`,
      [key, windowStart],
    );
    return Number(row?.hits ?? 1);
  }

  async readRateLimitHits(key: string, windowStart: number): Promise<number> {
    const row = await this.db.get<{ hits: number | string }>('SELECT hits FROM rate_limit_counters WHERE limit_key = ? AND window_start = ?', [key, windowStart]);
    return Number(row?.hits ?? 0);
  }

  async pruneRateLimitCounters(before: number): Promise<number> {
    return this.db.run('DELETE FROM rate_limit_counters WHERE window_start < ?', [before]);
  }

  async acquireJobLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    try {
      return await this.tryAcquireJobLease(name, holder, now, ttlMs);
    } catch (error) {
      // Two processes creating the first lease row at once: the other one holds it.
      if (this.db.isUniqueViolation(error)) return false;
      throw error;
    }
  }

  private tryAcquireJobLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get<{ holder: string; expires_at: number | string }>(`SELECT holder, expires_at FROM job_leases WHERE name = ?${this.db.forUpdate}`, [name]);
      if (!row) {
        await tx.run('INSERT INTO job_leases (name, holder, expires_at, last_run_at) VALUES (?, ?, ?, ?)', [name, holder, now + ttlMs, now]);
        return true;
      }
      if (row.holder !== holder && Number(row.expires_at) > now) return false;
      await tx.run('UPDATE job_leases SET holder = ?, expires_at = ?, last_run_at = ? WHERE name = ?', [holder, now + ttlMs, now, name]);
      return true;
    });
  }

  acquireIccamGate(holder: string, now: number, ttlMs: number) {
    return acquireIccamGate(this.db, holder, now, ttlMs);
  }

  releaseIccamGate(holder: string, notBefore: number) {
    return releaseIccamGate(this.db, holder, notBefore);
  }

  saveIccamLookupLists(lists: Record<string, { id: number; name: string }[]>, now: number) {
    return saveIccamLookupLists(this.db, lists, now);
  }

  loadIccamLookupLists() {
    return loadIccamLookupLists(this.db);
  }

  async releaseJobLease(name: string, holder: string): Promise<void> {
    await this.db.run('UPDATE job_leases SET expires_at = 0 WHERE name = ? AND holder = ?', [name, holder]);
  }
}
