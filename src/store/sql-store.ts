/**
 * The one Store implementation, over either SQL driver. The ledger's rules live here once:
 * state changes checked against the state machine, the audit event written in the same
 * transaction, fencing by lease token, idempotent intake.
 *
 * Lock order, to stay free of deadlocks on PostgreSQL: handover rows first, the audit head
 * last (every transaction appends its audit events at its end).
 */
import { GENESIS_HASH, sealAuditEvent, verifyAuditChain, type AuditEvent, type AuditEventBody, type AuditVerification } from '../domain/audit-chain.js';
import { ConflictError, InvalidTransitionError, LeaseLostError, NotFoundError } from '../domain/errors.js';
import type { Destination } from '../domain/decision.js';
import type { HandoverTiming } from '../domain/handover-stats.js';
import { canTransition, type HandoverState } from '../domain/handover-states.js';
import { HANDOVER_COLUMNS, HANDOVER_FROM, patchAssignments, toAck, toAttempt, toAuditEvent, toHandover, toReferral } from './handover-rows.js';
import type { SqlDriver, SqlRunner } from './sql-driver.js';
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
} from './store.js';

type AuditInput = Omit<AuditEventBody, 'seq'>;

export class SqlStore implements Store {
  constructor(private readonly db: SqlDriver) {}

  get dialect() {
    return this.db.dialect;
  }

  migrate(): Promise<string[]> {
    return this.db.migrate();
  }

  async ping(): Promise<void> {
    await this.db.get('SELECT 1 AS ok');
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // ---------------------------------------------------------------- audit chain

  /** Appends events to the chain; must run inside the caller's transaction, last. */
  private async appendAudit(tx: SqlRunner, events: AuditInput[]): Promise<void> {
    if (events.length === 0) return;
    const head = await tx.get<{ seq: number | string; hash: string }>(`SELECT seq, hash FROM audit_head WHERE id = 1${this.db.forUpdate}`);
    if (!head) throw new Error('audit_head row is missing: the store was not migrated');
    let seq = Number(head.seq);
    let prevHash = head.hash;
    const rows: unknown[][] = [];
    for (const input of events) {
      seq++;
      const event = sealAuditEvent(prevHash, { ...input, seq });
      rows.push([event.seq, event.handoverId, event.referralId, event.at, event.actor, event.kind, event.fromState, event.toState, event.reason, event.data === null || event.data === undefined ? null : JSON.stringify(event.data), event.prevHash, event.hash]);
      prevHash = event.hash;
    }
    // One statement for all of them: the head row is locked from the SELECT to the commit, so
    // every round trip saved here is time other writers do not wait.
    await tx.run(
      `INSERT INTO audit_events (seq, handover_id, referral_id, at, actor, kind, from_state, to_state, reason, data, prev_hash, hash) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      rows.flat(),
    );
    await tx.run('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', [seq, prevHash]);
  }

  async verifyAudit(): Promise<AuditVerification> {
    const head = await this.db.get<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
    const events: AuditEvent[] = [];
    // Read in pages so a long chain does not need one huge result set.
    let after = 0;
    for (;;) {
      const rows = await this.db.all('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT 5000', [after]);
      if (rows.length === 0) break;
      for (const row of rows) events.push(toAuditEvent(row));
      after = events[events.length - 1]!.seq;
    }
    return verifyAuditChain(events, head ? { seq: Number(head.seq), hash: head.hash } : { seq: 0, hash: GENESIS_HASH });
  }

  // ---------------------------------------------------------------- intake

  async createReferral(input: NewReferral, actor: string, now: number) {
    try {
      return await this.db.transaction(async (tx) => {
        const existing = await this.referralWithHandovers(tx, input.reportId);
        if (existing) return { created: false, ...this.sameBodyOrConflict(existing, input) };
        await tx.run(
          'INSERT INTO referrals (id, report_id, body_hash, classification, reported_at, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [input.id, input.reportId, input.bodyHash, JSON.stringify(input.classification), input.reportedAt, now, actor],
        );
        const audit: AuditInput[] = [];
        for (const [position, u] of input.urls.entries()) {
          await tx.run(
            `INSERT INTO handovers (id, referral_id, position, url, content_type, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'locating', ?, ?)`,
            [u.handoverId, input.id, position, u.url, u.contentType, now, now],
          );
          audit.push({ handoverId: u.handoverId, referralId: input.id, at: now, actor, kind: 'intake', fromState: null, toState: 'locating', reason: 'referred by the hotline', data: { reportId: input.reportId, position } });
        }
        const created = await this.referralWithHandovers(tx, input.reportId);
        await this.appendAudit(tx, audit);
        return { created: true, ...created! };
      });
    } catch (error) {
      // Two identical requests racing on PostgreSQL: the loser reads the winner's referral.
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
    return this.db.transaction(async (tx) => {
      const current = await this.lockHandover(tx, handoverId);
      this.checkExpectations(current, change.expectState, change.expectLeaseToken);
      if (!canTransition(current.state, change.to)) {
        throw new InvalidTransitionError(`A handover cannot go from ${current.state} to ${change.to}.`, { from: current.state, to: change.to });
      }
      await this.writePatch(tx, handoverId, change.to, change.set, change.now);
      const result = await this.lockHandover(tx, handoverId);
      await this.appendAudit(tx, [
        { handoverId, referralId: current.referralId, at: change.now, actor: change.actor, kind: change.kind ?? 'transition', fromState: current.state, toState: change.to, reason: change.reason, data: change.data ?? null },
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
        { handoverId, referralId: current.referralId, at: note.now, actor: note.actor, kind: note.kind, fromState: current.state, toState: current.state, reason: note.reason, data: note.data ?? null },
      ]);
      return result;
    });
  }

  async createLinkedHandover(parentId: string, input: { id: string; actor: string; reason: string; now: number }): Promise<HandoverRecord> {
    return this.db.transaction(async (tx) => {
      const parent = await this.lockHandover(tx, parentId);
      const siblings = await tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM handovers WHERE referral_id = ?', [parent.referralId]);
      await tx.run(
        `INSERT INTO handovers (id, referral_id, position, url, content_type, state, parent_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'locating', ?, ?, ?)`,
        [input.id, parent.referralId, Number(siblings?.n ?? 0), parent.url, parent.contentType, parentId, input.now, input.now],
      );
      const result = await this.lockHandover(tx, input.id);
      await this.appendAudit(tx, [
        { handoverId: input.id, referralId: parent.referralId, at: input.now, actor: input.actor, kind: 'linked', fromState: null, toState: 'locating', reason: input.reason, data: { parentId } },
        { handoverId: parentId, referralId: parent.referralId, at: input.now, actor: input.actor, kind: 'successor', fromState: parent.state, toState: parent.state, reason: input.reason, data: { successorId: input.id } },
      ]);
      return result;
    });
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
        audit.push({ handoverId: id, referralId: current.referralId, at: request.now, actor: request.actor, kind: 'transition', fromState: 'routed', toState: 'delivering', reason: 'claimed for a delivery attempt', data: { attempt: current.attemptCount + 1 } });
        claimed.push({ ...current, state: 'delivering', leaseToken: request.token, leaseExpiresAt: request.now + request.leaseMs, updatedAt: request.now });
      }
      await this.appendAudit(tx, audit);
      return claimed;
    });
  }

  async recordAttempt(a: NewAttempt): Promise<void> {
    await this.db.run(
      `INSERT INTO delivery_attempts (handover_id, attempt_no, destination, claim_token, started_at, finished_at, duration_ms, outcome, status_code, error_class, request_hash, response_digest, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [a.handoverId, a.attemptNo, a.destination, a.claimToken, a.startedAt, a.finishedAt, a.durationMs, a.outcome, a.statusCode, a.errorClass, a.requestHash, a.responseDigest, a.detail],
    );
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

  async recordAck(ack: NewAck, audit?: { actor: string; kind: string; reason: string | null; now: number }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO acknowledgements (handover_id, destination, source, status, reference, reason, applied, note, webhook_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [ack.handoverId, ack.destination, ack.source, ack.status, ack.reference, ack.reason, ack.applied ? 1 : 0, ack.note, ack.webhookId, ack.receivedAt],
      );
      if (audit) {
        const handover = ack.handoverId ? await tx.get<{ referral_id: string; state: string }>('SELECT referral_id, state FROM handovers WHERE id = ?', [ack.handoverId]) : undefined;
        await this.appendAudit(tx, [
          { handoverId: handover ? ack.handoverId : null, referralId: handover?.referral_id ?? null, at: audit.now, actor: audit.actor, kind: audit.kind, fromState: handover?.state ?? null, toState: handover?.state ?? null, reason: audit.reason, data: { destination: ack.destination, status: ack.status, source: ack.source, claimedHandoverId: ack.handoverId } },
        ]);
      }
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

  async releaseJobLease(name: string, holder: string): Promise<void> {
    await this.db.run('UPDATE job_leases SET expires_at = 0 WHERE name = ? AND holder = ?', [name, holder]);
  }
}
