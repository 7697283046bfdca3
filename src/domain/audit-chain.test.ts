import { describe, expect, it } from 'vitest';
import {
  chainedEventJson,
  chainedEventJsonReference,
  checkpointEntry,
  GENESIS_HASH,
  hashChainedEvent,
  sealAuditEvent,
  verifyAuditChain,
  type AuditEvent,
} from './audit-chain.js';
import { canonicalJson } from './canonical-json.js';

function chainOf(n: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const e = sealAuditEvent(prev, {
      seq,
      handoverId: `h${seq % 2}`,
      referralId: 'r1',
      at: 1_700_000_000_000 + seq,
      actor: 'system:test',
      kind: 'transition',
      fromState: 'locating',
      toState: 'routed',
      reason: `step ${seq}`,
      data: { n: seq },
    });
    events.push(e);
    prev = e.hash;
  }
  return events;
}

describe('audit chain', () => {
  it('verifies an intact chain and reports its head', () => {
    const events = chainOf(5);
    const result = verifyAuditChain(events, { seq: 5, hash: events[4]!.hash });
    expect(result).toEqual({ ok: true, events: 5, headHash: events[4]!.hash });
  });

  it('detects an edited event', () => {
    const events = chainOf(5);
    events[2] = { ...events[2]!, reason: 'edited afterwards' };
    expect(verifyAuditChain(events)).toMatchObject({ ok: false, brokenAtSeq: 3, problem: 'hash_mismatch' });
  });

  it('detects an edited event whose hash was recomputed', () => {
    const events = chainOf(5);
    events[2] = sealAuditEvent(events[1]!.hash, { ...events[2]!, actor: 'key:mallory' });
    expect(verifyAuditChain(events)).toMatchObject({ ok: false, brokenAtSeq: 4, problem: 'chain_break' });
  });

  it('detects a removed event in the middle', () => {
    const events = chainOf(5);
    events.splice(1, 1);
    expect(verifyAuditChain(events)).toMatchObject({ ok: false, brokenAtSeq: 3, problem: 'sequence_gap' });
  });

  it('detects reordered events', () => {
    const events = chainOf(5);
    [events[1], events[2]] = [events[2]!, events[1]!];
    expect(verifyAuditChain(events)).toMatchObject({ ok: false, problem: 'sequence_gap' });
  });

  it('detects events removed from the end against the stored head', () => {
    const events = chainOf(5);
    const head = { seq: 5, hash: events[4]!.hash };
    expect(verifyAuditChain(events.slice(0, 4), head)).toMatchObject({ ok: false, problem: 'chain_break' });
  });
});

describe('per-handover chained events', () => {
  const body = {
    chain: 'h-1',
    chainSeq: 3,
    handoverId: 'h-1',
    referralId: 'r-1',
    at: 1_700_000_000_000,
    actor: 'key:alice "quoted"',
    kind: 'transition',
    fromState: 'routed',
    toState: 'delivering',
    reason: 'line\nbreak é',
    data: { z: 1, a: [{ y: null, b: 'x' }] },
    row: { state: 'delivering', destination: 'police', reference: null, secondaryReference: 'S-1', digest: 'd'.repeat(64) },
  };

  it('serialises the hashed fields exactly as the generic canonical JSON does', () => {
    expect(chainedEventJson(body)).toBe(chainedEventJsonReference(body));
    expect(chainedEventJson({ ...body, data: null, row: null, fromState: null })).toBe(
      chainedEventJsonReference({ ...body, data: null, row: null, fromState: null }),
    );
    for (const iccamAssignment of [null, 'assigned']) {
      const withAssignment = { ...body, row: { ...body.row, iccamAssignment } };
      expect(chainedEventJson(withAssignment)).toBe(chainedEventJsonReference(withAssignment));
      const withLater = { ...body, row: { ...body.row, iccamAssignment, laterDigest: 'e'.repeat(64) } };
      expect(chainedEventJson(withLater)).toBe(chainedEventJsonReference(withLater));
    }
    for (const [contentRemovedAt, removalOverdueAt] of [
      [null, null],
      [1_700_000_123_456, null],
      [null, 1_700_000_000_001],
    ]) {
      const withClock = { ...body, row: { ...body.row, iccamAssignment: 'assigned', contentRemovedAt, removalOverdueAt } };
      expect(chainedEventJson(withClock)).toBe(chainedEventJsonReference(withClock));
    }
    const oddRow = { ...body.row, extra: 1 } as unknown as typeof body.row;
    expect(chainedEventJson({ ...body, row: oddRow })).toBe(chainedEventJsonReference({ ...body, row: oddRow }));
  });

  it('puts seq, chain position and hash in the checkpoint entry, canonically', () => {
    const e = { seq: 7, chain: 'h-1', chainSeq: 3, hash: 'f'.repeat(64) };
    expect(checkpointEntry(e)).toBe(canonicalJson(e));
    expect(checkpointEntry({ seq: 2, chain: null, chainSeq: null, hash: 'a' })).toBe(canonicalJson({ seq: 2, chain: null, chainSeq: null, hash: 'a' }));
  });

  it('changes the hash when anything the event says changes, including the row it records', () => {
    const h = hashChainedEvent(GENESIS_HASH, body);
    expect(hashChainedEvent(GENESIS_HASH, { ...body, chainSeq: 4 })).not.toBe(h);
    expect(hashChainedEvent(GENESIS_HASH, { ...body, row: { ...body.row, reference: 'X' } })).not.toBe(h);
    expect(hashChainedEvent('1'.repeat(64), body)).not.toBe(h);
  });
});
