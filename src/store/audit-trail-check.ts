/**
 * `audit verify`'s whole check, over one snapshot of the database (the caller opens it):
 * - every chain (legacy global chain against its frozen head; each handover's own chain);
 * - every checkpoint: signature with the pinned public key, link to the one before, and its
 *   Merkle root recomputed from the events it seals (so each is present and unchanged);
 * - the checkpoint file against the database (a checkpoint the file holds and the database
 *   lacks means the database was rolled back or cut);
 * - every handover, attempt and acknowledgement row against what its trail records.
 * Reports every problem with where it is, rather than stopping at the first.
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import {
  checkpointEntry,
  GENESIS_HASH,
  hashAuditEvent,
  hashChainedEvent,
  UNATTACHED_CHAIN,
  type AuditEvent,
  type AuditProblem,
  type AuditVerification,
  type RowFacts,
} from '../domain/audit-chain.js';
import { checkCheckpointLink, checkCheckpointSignature, sameCheckpoint, type SignedCheckpoint } from '../domain/audit-checkpoint.js';
import { canonicalJson } from '../domain/canonical-json.js';
import { factDifferences, handoverFacts, referralClassificationHash } from '../domain/handover-facts.js';
import { MerkleRootBuilder } from '../domain/merkle-tree.js';
import type { CheckpointFileLine } from '../audit/checkpoint-file.js';
import { ackEventData, attemptEventData, toAck, toAttempt, toAuditEvent, toHandover } from './handover-rows.js';
import type { SqlRunner } from './sql-driver.js';

export interface TrailCheckOptions {
  /** The pinned public key; null: checkpoints are checked against the key they name. */
  publicKey: KeyObject | null;
  /** AUDIT_CHECKPOINT_FILE as read before the snapshot was taken; null: not checked. */
  file: CheckpointFileLine[] | null;
  /** Rows read per query. */
  pageSize?: number;
}

export interface TrailReport {
  ok: boolean;
  events: number;
  chains: number;
  handovers: number;
  checkpoints: SignedCheckpoint[];
  /** Events after the last checkpoint: protected by their chains only. */
  unsealed: number;
  problems: AuditProblem[];
  notes: string[];
}

export function toCheckpoint(row: Record<string, unknown>): SignedCheckpoint {
  return {
    v: 1,
    log: String(row.log ?? 'hotline-referral-router/audit'),
    id: Number(row.id),
    fromSeq: Number(row.from_seq),
    toSeq: Number(row.to_seq),
    size: Number(row.size),
    root: String(row.root),
    prev: String(row.prev),
    at: Number(row.at),
    keyId: String(row.key_id),
    signature: String(row.signature),
    hash: String(row.hash),
    publicKey: String(row.public_key),
  };
}

interface ChainState {
  n: number;
  hash: string;
  lastRow: RowFacts | null;
  lastSeq: number;
}

export async function checkAuditTrail(tx: SqlRunner, options: TrailCheckOptions): Promise<TrailReport> {
  const pageSize = options.pageSize ?? 10_000;
  const problems: AuditProblem[] = [];
  const notes: string[] = [];
  const problem = (p: AuditProblem) => problems.push(p);

  // ---- checkpoints in the database: signature, link
  const checkpoints = (await tx.all('SELECT * FROM audit_checkpoints ORDER BY id')).map(toCheckpoint);
  const key =
    options.publicKey ?? (checkpoints[0] ? createPublicKey({ key: Buffer.from(checkpoints[0].publicKey, 'base64'), format: 'der', type: 'spki' }) : null);
  if (!options.publicKey && checkpoints.length) notes.push('no public key pinned: checkpoint signatures checked against the key the first checkpoint names');
  checkpoints.forEach((c, i) => {
    const issues = [...(key ? checkCheckpointSignature(c, key) : []), ...checkCheckpointLink(c, checkpoints[i - 1] ?? null)];
    for (const detail of issues) problem({ problem: 'checkpoint_invalid', where: `checkpoint ${c.id}`, detail });
  });

  // ---- the checkpoint file against the database
  if (options.file) checkFile(options.file, checkpoints, key, problem, notes);

  // ---- events, in seq order: chains and Merkle roots
  const legacyHead = await tx.get<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  const legacy = { next: 1, hash: GENESIS_HASH, count: 0 };
  const legacyLastState = new Map<string, string | null>();
  const chains = new Map<string, ChainState>();
  const attemptEvents = new Map<number, { data: unknown; seq: number }>();
  const ackEvents = new Map<number, { data: unknown; seq: number }>();
  /** What intake events say of each referral (reportId, body hash, classification hash). */
  const referralClaims = new Map<string, { reportId: unknown; bodyHash: unknown; classificationHash: unknown; seq: number }>();
  let cpIndex = 0;
  let tree = new MerkleRootBuilder();
  const closeCheckpoint = (c: SignedCheckpoint) => {
    if (tree.size !== c.size || tree.root() !== c.root) {
      problem({
        problem: 'checkpoint_mismatch',
        where: `checkpoint ${c.id} (events ${c.fromSeq + 1}..${c.toSeq})`,
        detail:
          tree.size !== c.size
            ? `sealed ${c.size} events, ${tree.size} are there now: events were removed or added`
            : 'Merkle root differs: an event it sealed was changed, swapped or re-sealed',
        seq: c.fromSeq + 1,
      });
    }
    tree = new MerkleRootBuilder();
  };
  let events = 0;
  for (let after = -1; ;) {
    const rows = await tx.all('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?', [after, pageSize]);
    if (rows.length === 0) break;
    for (const row of rows) {
      const e = toAuditEvent(row);
      events++;
      while (cpIndex < checkpoints.length && checkpoints[cpIndex]!.toSeq < e.seq) closeCheckpoint(checkpoints[cpIndex++]!);
      if (cpIndex < checkpoints.length && e.seq > checkpoints[cpIndex]!.fromSeq) tree.addEntry(checkpointEntry(e));
      if (e.chain === null || e.chain === undefined) checkLegacyEvent(e);
      else checkChainedEvent(e);
    }
    after = Number(rows[rows.length - 1]!.seq);
  }
  while (cpIndex < checkpoints.length) closeCheckpoint(checkpoints[cpIndex++]!);

  function checkLegacyEvent(e: AuditEvent) {
    legacy.count++;
    const where = `event ${e.seq} (legacy chain)`;
    if (!legacyHead || e.seq > Number(legacyHead.seq))
      problem({ problem: 'chain_break', where, detail: 'an event outside every chain, after the end of the legacy chain', seq: e.seq });
    if (e.seq !== legacy.next) problem({ problem: 'sequence_gap', where, detail: `expected event ${legacy.next}`, seq: e.seq });
    if (e.prevHash !== legacy.hash) problem({ problem: 'chain_break', where, detail: 'does not link to the event before it', seq: e.seq });
    if (hashAuditEvent(e.prevHash, e) !== e.hash) problem({ problem: 'hash_mismatch', where, detail: 'content does not match its hash', seq: e.seq });
    legacy.next = e.seq + 1;
    legacy.hash = e.hash;
    if (e.handoverId) legacyLastState.set(e.handoverId, e.toState);
  }

  function checkChainedEvent(e: AuditEvent) {
    const chain = e.chain!;
    const state = chains.get(chain) ?? { n: 0, hash: GENESIS_HASH, lastRow: null, lastSeq: 0 };
    const where = `event ${e.seq} (${chain === UNATTACHED_CHAIN ? 'unattached chain' : `handover ${chain}`}, #${e.chainSeq})`;
    if (e.chainSeq !== state.n + 1)
      problem({ problem: 'sequence_gap', where, detail: `expected #${state.n + 1} of its chain: events are missing or reordered`, seq: e.seq });
    if (e.prevHash !== state.hash) problem({ problem: 'chain_break', where, detail: 'does not link to the previous event of its chain', seq: e.seq });
    const expectedChain = e.handoverId ?? UNATTACHED_CHAIN;
    const recomputed = hashChainedEvent(e.prevHash, { ...e, chain, chainSeq: e.chainSeq ?? 0, row: e.row ?? null });
    if (recomputed !== e.hash || expectedChain !== chain) problem({ problem: 'hash_mismatch', where, detail: 'content does not match its hash', seq: e.seq });
    chains.set(chain, { n: e.chainSeq ?? state.n + 1, hash: e.hash, lastRow: e.row ?? state.lastRow, lastSeq: e.seq });
    const data = e.data as { attempt?: { id?: unknown }; acknowledgement?: { id?: unknown } } | null;
    if (e.kind === 'attempt' && data?.attempt) attemptEvents.set(Number(data.attempt.id), { data: data.attempt, seq: e.seq });
    if (data?.acknowledgement) ackEvents.set(Number(data.acknowledgement.id), { data: data.acknowledgement, seq: e.seq });
    const intake = e.data as { reportId?: unknown; bodyHash?: unknown; classificationHash?: unknown } | null;
    if (e.kind === 'intake' && e.referralId && intake?.bodyHash !== undefined) {
      referralClaims.set(e.referralId, { reportId: intake.reportId, bodyHash: intake.bodyHash, classificationHash: intake.classificationHash, seq: e.seq });
    }
  }

  if (legacyHead && (legacy.count !== Number(legacyHead.seq) || legacy.hash !== legacyHead.hash)) {
    problem({
      problem: 'chain_break',
      where: 'legacy chain',
      detail: `ends at event ${legacy.next - 1} with ${legacy.count} events; its frozen head says ${legacyHead.seq}`,
      seq: legacy.next,
    });
  }

  // ---- rows against their trails
  let handovers = 0;
  const seenHandovers = new Set<string>();
  for (let after = -1; ;) {
    const rows = await tx.all('SELECT * FROM handovers WHERE seq > ? ORDER BY seq LIMIT ?', [after, pageSize]);
    if (rows.length === 0) break;
    for (const row of rows) {
      handovers++;
      const h = toHandover(row);
      seenHandovers.add(h.id);
      const where = `handover ${h.id}`;
      const chain = chains.get(h.id);
      if (chain?.lastRow) {
        const diffs = factDifferences(chain.lastRow, handoverFacts(h));
        for (const detail of diffs) problem({ problem: 'row_mismatch', where, detail: `${detail} (last event ${chain.lastSeq})` });
      } else if (legacyLastState.has(h.id)) {
        if (legacyLastState.get(h.id) !== h.state)
          problem({ problem: 'row_mismatch', where, detail: `state is "${h.state}", its legacy trail ends in "${legacyLastState.get(h.id)}"` });
      } else {
        problem({ problem: 'row_mismatch', where, detail: 'has no audit trail' });
      }
    }
    after = Number(rows[rows.length - 1]!.seq);
  }
  for (const [chain, state] of chains) {
    if (chain !== UNATTACHED_CHAIN && !seenHandovers.has(chain))
      problem({
        problem: 'row_mismatch',
        where: `handover ${chain}`,
        detail: `its trail (last event ${state.lastSeq}) has no handover row`,
        seq: state.lastSeq,
      });
  }

  // Referral rows against what their intake events recorded.
  for (let after = ''; ;) {
    const rows = await tx.all('SELECT id, report_id, body_hash, classification FROM referrals WHERE id > ? ORDER BY id LIMIT ?', [after, pageSize]);
    if (rows.length === 0) break;
    for (const row of rows) {
      const claim = referralClaims.get(String(row.id));
      if (!claim) continue; // a legacy referral: its intake events predate these fields
      const diffs: string[] = [];
      if (claim.reportId !== row.report_id) diffs.push(`reportId is ${JSON.stringify(row.report_id)}, intake recorded ${JSON.stringify(claim.reportId)}`);
      if (claim.bodyHash !== row.body_hash) diffs.push('body hash differs from what intake recorded');
      if (claim.classificationHash !== undefined && claim.classificationHash !== classificationHashOf(row.classification))
        diffs.push('classification differs from what intake recorded');
      for (const detail of diffs) problem({ problem: 'row_mismatch', where: `referral ${String(row.id)}`, detail: `${detail} (event ${claim.seq})` });
    }
    after = String(rows[rows.length - 1]!.id);
  }

  const extent = new Map(
    (await tx.all<{ name: string; last_id: number | string }>('SELECT name, last_id FROM audit_legacy_extent')).map((r) => [r.name, Number(r.last_id)]),
  );
  await checkRecords(
    tx,
    'delivery_attempts',
    'attempt',
    extent.get('delivery_attempts') ?? 0,
    attemptEvents,
    (r) => attemptEventData(toAttempt(r)),
    pageSize,
    problem,
  );
  await checkRecords(
    tx,
    'acknowledgements',
    'acknowledgement',
    extent.get('acknowledgements') ?? 0,
    ackEvents,
    (r) => ackEventData(toAck(r)),
    pageSize,
    problem,
  );

  const lastSealed = checkpoints.length ? checkpoints[checkpoints.length - 1]!.toSeq : 0;
  const unsealedRow = await tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM audit_events WHERE seq > ?', [lastSealed]);
  const unsealed = Number(unsealedRow?.n ?? 0);
  if (checkpoints.length === 0 && events > 0) notes.push('no checkpoint yet: events are protected by their chains only');

  problems.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER));
  return { ok: problems.length === 0, events, chains: chains.size + (legacy.count > 0 ? 1 : 0), handovers, checkpoints, unsealed, problems, notes };
}

function classificationHashOf(stored: unknown): string | null {
  try {
    return referralClassificationHash(JSON.parse(String(stored)));
  } catch {
    return null; // not even JSON: certainly not what intake recorded
  }
}

async function checkRecords(
  tx: SqlRunner,
  table: 'delivery_attempts' | 'acknowledgements',
  noun: string,
  legacyLastId: number,
  recorded: Map<number, { data: unknown; seq: number }>,
  toData: (row: Record<string, unknown>) => unknown,
  pageSize: number,
  problem: (p: AuditProblem) => void,
): Promise<void> {
  for (let after = legacyLastId; ;) {
    const rows = await tx.all(`SELECT * FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`, [after, pageSize]);
    if (rows.length === 0) break;
    for (const row of rows) {
      const id = Number(row.id);
      const event = recorded.get(id);
      if (!event) problem({ problem: 'record_mismatch', where: `${noun} ${id}`, detail: 'row has no event in any trail' });
      else if (canonicalJson(toData(row)) !== canonicalJson(event.data))
        problem({ problem: 'record_mismatch', where: `${noun} ${id}`, detail: `row differs from what event ${event.seq} recorded`, seq: event.seq });
      recorded.delete(id);
    }
    after = Number(rows[rows.length - 1]!.id);
  }
  for (const [id, event] of recorded)
    problem({ problem: 'record_mismatch', where: `${noun} ${id}`, detail: `event ${event.seq} records it, but the row is gone`, seq: event.seq });
}

function checkFile(
  lines: CheckpointFileLine[],
  checkpoints: SignedCheckpoint[],
  key: KeyObject | null,
  problem: (p: AuditProblem) => void,
  notes: string[],
): void {
  const inDb = new Map(checkpoints.map((c) => [c.id, c]));
  // The database is written first and the file right after, so the file may lag by the
  // checkpoints sealed a moment ago; it is never ahead unless the database went back.
  if (lines.length === 0 && checkpoints.length > 0)
    notes.push(`the checkpoint file is missing or empty while the database holds ${checkpoints.length} checkpoints: a rollback cannot be detected without it`);
  let fileMax = 0;
  lines.forEach((entry, i) => {
    const where = `checkpoint file line ${entry.line}`;
    if ('error' in entry) {
      // A torn last line is what a crash in the middle of an append leaves.
      if (i === lines.length - 1) notes.push(`${where} is unreadable (${entry.error}); a torn append is ignored`);
      else problem({ problem: 'checkpoint_file_mismatch', where, detail: `unreadable: ${entry.error}` });
      return;
    }
    const c = entry.checkpoint;
    fileMax = Math.max(fileMax, c.id);
    for (const detail of key ? checkCheckpointSignature(c, key) : [])
      problem({ problem: 'checkpoint_file_mismatch', where: `${where} (checkpoint ${c.id})`, detail });
    const stored = inDb.get(c.id);
    if (!stored) {
      problem({
        problem: 'rolled_back',
        where: `checkpoint ${c.id}`,
        detail: `the checkpoint file holds it (line ${entry.line}, events up to ${c.toSeq}) but the database does not: the database was rolled back or its checkpoints removed`,
        seq: c.fromSeq + 1,
      });
    } else if (!sameCheckpoint(stored, c)) {
      problem({
        problem: 'checkpoint_file_mismatch',
        where: `checkpoint ${c.id}`,
        detail: `differs between the database and the checkpoint file (line ${entry.line})`,
        seq: c.fromSeq + 1,
      });
    }
  });
  const behind = checkpoints.filter((c) => c.id > fileMax);
  if (behind.length)
    notes.push(`checkpoints ${behind[0]!.id}..${behind[behind.length - 1]!.id} are not in the checkpoint file yet (the next checkpoint run appends them)`);
}

export function toVerification(report: TrailReport): AuditVerification {
  const last = report.checkpoints[report.checkpoints.length - 1];
  if (report.ok) return { ok: true, events: report.events, headHash: last?.hash ?? GENESIS_HASH, checkpoints: report.checkpoints.length, problems: [] };
  const first = report.problems[0]!;
  return {
    ok: false,
    events: report.events,
    brokenAtSeq: first.seq ?? 0,
    problem: first.problem,
    checkpoints: report.checkpoints.length,
    problems: report.problems,
  };
}
