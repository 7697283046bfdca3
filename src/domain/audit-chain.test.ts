import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, sealAuditEvent, verifyAuditChain, type AuditEvent } from './audit-chain.js';

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
