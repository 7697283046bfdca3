import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from './audit-chain.js';
import { checkCheckpointLink, checkCheckpointSignature, checkpointLine, parseCheckpointLine, signCheckpoint } from './audit-checkpoint.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const first = signCheckpoint({ id: 1, fromSeq: 0, toSeq: 10, size: 10, root: 'a'.repeat(64), prev: GENESIS_HASH, at: 1_000 }, privateKey);
const second = signCheckpoint({ id: 2, fromSeq: 10, toSeq: 15, size: 5, root: 'b'.repeat(64), prev: first.hash, at: 2_000 }, privateKey);

describe('signed checkpoints', () => {
  it('verify with the public key alone, and link into a chain of their own', () => {
    expect(checkCheckpointSignature(first, publicKey)).toEqual([]);
    expect(checkCheckpointLink(first, null)).toEqual([]);
    expect(checkCheckpointLink(second, first)).toEqual([]);
  });

  it('fail when any signed field changes', () => {
    for (const change of [{ root: 'c'.repeat(64) }, { toSeq: 11 }, { size: 9 }, { prev: 'd'.repeat(64) }, { at: 1_001 }]) {
      expect(checkCheckpointSignature({ ...first, ...change }, publicKey)).toContain('signature does not verify with the pinned public key');
    }
  });

  it('fail against another key, even when re-signed with it', () => {
    const other = generateKeyPairSync('ed25519');
    const forged = signCheckpoint({ id: 1, fromSeq: 0, toSeq: 10, size: 10, root: 'e'.repeat(64), prev: GENESIS_HASH, at: 1_000 }, other.privateKey);
    expect(checkCheckpointSignature(forged, publicKey)).toEqual(
      expect.arrayContaining([expect.stringMatching(/not the pinned key/), 'signature does not verify with the pinned public key']),
    );
  });

  it('notice a gap or a broken link between checkpoints', () => {
    expect(checkCheckpointLink({ ...second, fromSeq: 12 }, first)).toEqual([expect.stringMatching(/starts after event 12/)]);
    expect(checkCheckpointLink({ ...second, prev: GENESIS_HASH }, first)).toEqual(['does not link to the previous checkpoint']);
    expect(checkCheckpointLink(second, null)).toEqual(expect.arrayContaining(['numbered 2, expected 1']));
  });

  it('round-trip through a checkpoint file line', () => {
    expect(parseCheckpointLine(checkpointLine(second))).toEqual(second);
    expect(() => parseCheckpointLine('{"v":1}')).toThrow(/field/);
  });
});
