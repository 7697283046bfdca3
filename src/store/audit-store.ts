/**
 * The audit trail: a hash chain per handover (and one for events of no handover), appended in
 * the writer's own transaction, and the signed checkpoints that seal it.
 *
 * Lock order, to stay free of deadlocks on PostgreSQL: handover rows first, audit events last
 * (every transaction appends its audit events at its end, all in one statement).
 */
import type { KeyObject } from 'node:crypto';
import {
  checkpointEntry,
  GENESIS_HASH,
  sealChainedEvent,
  UNATTACHED_CHAIN,
  type AuditEvent,
  type AuditEventBody,
  type AuditVerification,
  type RowFacts,
} from '../domain/audit-chain.js';
import { signCheckpoint, type SignedCheckpoint } from '../domain/audit-checkpoint.js';
import { coerceError } from '../domain/errors.js';
import { MerkleRootBuilder } from '../domain/merkle-tree.js';
import {
  CHECKPOINT_PAGE_SIZE,
  INSERT_CHECKPOINT,
  insertAuditEvents,
  SELECT_AUDIT_EVENTS_OF_HANDOVER,
  SELECT_CHAIN_HEAD,
  SELECT_CHECKPOINT_ENTRIES_PAGE,
  SELECT_CHECKPOINTS,
  SELECT_LAST_CHECKPOINT,
  INSERT_LEDGER_ID,
  SELECT_LEDGER_ID,
  SELECT_LEGACY_HEAD_SEQ,
  SELECT_MAX_AUDIT_SEQ,
} from './audit-queries.js';
import { checkAuditTrail, toCheckpoint, toVerification, type TrailCheckOptions, type TrailReport } from './audit-trail-check.js';
import { toAuditEvent } from './handover-rows.js';
import type { SqlDriver, SqlRunner } from './sql-driver.js';

/** One event to append: its chain is its handover's, or the unattached one. */
export type AuditAppend = Omit<AuditEventBody, 'seq'> & {
  /** What the handover row holds right after the event (null for unattached events). */
  row: RowFacts | null;
  /** The handover was created in this transaction: its chain starts here. */
  newChain?: boolean;
  /** The chain's head, when the writer read it with chainHeadColumns after locking the handover. */
  head?: ChainHead;
};

/** The newest event of a chain: its chain_seq and hash (0 and the genesis hash for none yet). */
export interface ChainHead {
  n: number;
  hash: string;
}

/** The head a chainHeadColumns statement returned. */
export function chainHeadOf(row: { head_seq?: unknown; head_hash?: unknown }): ChainHead {
  return row.head_seq === null || row.head_seq === undefined ? { n: 0, hash: GENESIS_HASH } : { n: Number(row.head_seq), hash: String(row.head_hash) };
}

export class AuditStore {
  constructor(private readonly db: SqlDriver) {}

  /**
   * Appends events to their chains; must run inside the caller's transaction, last, with every
   * handover concerned already locked: that lock is what orders a chain, so writers of
   * different handovers never wait for one another.
   */
  async append(tx: SqlRunner, events: AuditAppend[]): Promise<void> {
    if (events.length === 0) return;
    const heads = new Map<string, ChainHead>();
    const rows: unknown[][] = [];
    for (const input of events) {
      const chain = input.handoverId ?? UNATTACHED_CHAIN;
      let head = heads.get(chain);
      if (!head) head = input.newChain ? { n: 0, hash: GENESIS_HASH } : (input.head ?? (await this.chainHead(tx, chain)));
      const { newChain: _, head: __, row, ...body } = input;
      const event = sealChainedEvent(head.hash, { ...body, chain, chainSeq: head.n + 1, row: row ?? null });
      heads.set(chain, { n: event.chainSeq, hash: event.hash });
      const data = event.data === null || event.data === undefined ? null : JSON.stringify(event.data);
      rows.push([
        event.handoverId,
        event.referralId,
        event.at,
        event.actor,
        event.kind,
        event.fromState,
        event.toState,
        event.reason,
        data,
        event.prevHash,
        event.hash,
        chain,
        event.chainSeq,
        event.row ? JSON.stringify(event.row) : null,
      ]);
    }
    const insert = insertAuditEvents(rows);
    await tx.run(insert.sql, insert.params);
  }

  private async chainHead(tx: SqlRunner, chain: string): Promise<ChainHead> {
    if (chain === UNATTACHED_CHAIN) await this.db.lockUnattachedAuditChain(tx);
    const last = await tx.get<{ chain_seq: number | string; hash: string }>(SELECT_CHAIN_HEAD, [chain]);
    return last ? { n: Number(last.chain_seq), hash: last.hash } : { n: 0, hash: GENESIS_HASH };
  }

  async listAuditEvents(handoverId: string): Promise<AuditEvent[]> {
    return (await this.db.all(SELECT_AUDIT_EVENTS_OF_HANDOVER, [handoverId])).map(toAuditEvent);
  }

  /** Checks every chain, checkpoint and row in one snapshot, without a pinned key or file. */
  async verifyAudit(): Promise<AuditVerification> {
    return toVerification(await this.checkAuditTrail({ publicKey: null, file: null }));
  }

  checkAuditTrail(options: TrailCheckOptions): Promise<TrailReport> {
    return this.db.snapshot((tx) => checkAuditTrail(tx, options));
  }

  async listAuditCheckpoints(): Promise<SignedCheckpoint[]> {
    return (await this.db.all(SELECT_CHECKPOINTS)).map(toCheckpoint);
  }

  async ledgerId(candidate: string, now: number): Promise<string> {
    await this.db.run(INSERT_LEDGER_ID, [candidate, now]);
    return (await this.readLedgerId()) ?? candidate;
  }

  async readLedgerId(): Promise<string | null> {
    const row = await this.db.get<{ ledger_id: string }>(SELECT_LEDGER_ID);
    return row ? String(row.ledger_id) : null;
  }

  async lastAuditCheckpoint(): Promise<SignedCheckpoint | null> {
    const row = await this.db.get(SELECT_LAST_CHECKPOINT);
    return row ? toCheckpoint(row) : null;
  }

  /**
   * Seals every event written since the last checkpoint (the first checkpoint of a migrated
   * ledger seals its legacy global chain alone). Null when there is nothing new, or when
   * another process sealed the same range first.
   */
  async sealAuditCheckpoint(privateKey: KeyObject, now: number): Promise<SignedCheckpoint | null> {
    const previous = await this.lastAuditCheckpoint();
    const fromSeq = previous?.toSeq ?? 0;
    let toSeq: number | null = null;
    if (!previous) {
      const legacy = await this.db.get<{ seq: number | string }>(SELECT_LEGACY_HEAD_SEQ);
      if (legacy && Number(legacy.seq) > 0) toSeq = Number(legacy.seq);
    }
    if (toSeq === null) {
      const horizon = await this.db.withAuditAppendsSettled((tx) => tx.get<{ m: number | string | null }>(SELECT_MAX_AUDIT_SEQ));
      toSeq = horizon?.m === null || horizon?.m === undefined ? 0 : Number(horizon.m);
    }
    if (toSeq <= fromSeq) return null;
    // Page by page, each folded into the tree as it arrives: the builder keeps O(log n) hashes,
    // so a range of millions of events never sits in memory at once.
    const tree = new MerkleRootBuilder();
    for (let after = fromSeq; ;) {
      const rows = await this.db.all<{ seq: number | string; chain: string | null; chain_seq: number | string | null; hash: string }>(
        SELECT_CHECKPOINT_ENTRIES_PAGE,
        [after, toSeq, CHECKPOINT_PAGE_SIZE],
      );
      if (rows.length === 0) break;
      for (const r of rows)
        tree.addEntry(checkpointEntry({ seq: Number(r.seq), chain: r.chain, chainSeq: r.chain_seq === null ? null : Number(r.chain_seq), hash: r.hash }));
      after = Number(rows[rows.length - 1]!.seq);
    }
    const checkpoint = signCheckpoint(
      { id: (previous?.id ?? 0) + 1, fromSeq, toSeq, size: tree.size, root: tree.root(), prev: previous?.hash ?? GENESIS_HASH, at: now },
      privateKey,
    );
    try {
      await this.db.run(INSERT_CHECKPOINT, [
        checkpoint.id,
        checkpoint.fromSeq,
        checkpoint.toSeq,
        checkpoint.size,
        checkpoint.root,
        checkpoint.prev,
        checkpoint.at,
        checkpoint.keyId,
        checkpoint.signature,
        checkpoint.hash,
        checkpoint.publicKey,
      ]);
    } catch (error) {
      // Another process sealed this id first: its unique key, or the append-only trigger that
      // refuses to replace a checkpoint, turns this insert away.
      if (this.db.isUniqueViolation(error) || /append-only/.test(coerceError(error).message)) return null;
      throw error;
    }
    return checkpoint;
  }
}
