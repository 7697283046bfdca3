import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_TREE_ROOT, merkleLeafHash, merkleNodeHash, merkleRoot, MerkleRootBuilder } from './merkle-tree.js';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

describe('Merkle tree (RFC 6962/9162 hashing)', () => {
  it('hashes a leaf as SHA-256(0x00 ‖ entry) and a node as SHA-256(0x01 ‖ left ‖ right)', () => {
    expect(merkleLeafHash('a')).toEqual(sha(Buffer.from([0]), Buffer.from('a')));
    const l = merkleLeafHash('a');
    const r = merkleLeafHash('b');
    expect(merkleNodeHash(l, r)).toEqual(sha(Buffer.from([1]), l, r));
  });

  it('gives the empty tree the hash of the empty string', () => {
    expect(merkleRoot([])).toBe(createHash('sha256').digest('hex'));
    expect(new MerkleRootBuilder().root()).toBe(EMPTY_TREE_ROOT);
  });

  it('splits at the largest power of two below n (three leaves: ((a,b),c))', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((x) => merkleLeafHash(x));
    expect(merkleRoot(['a', 'b', 'c'])).toBe(merkleNodeHash(merkleNodeHash(a!, b!), c!).toString('hex'));
  });

  it('builds the same root incrementally as from the recursive definition, for every size up to 70', () => {
    const entries = Array.from({ length: 70 }, (_, i) => `entry-${i}`);
    const builder = new MerkleRootBuilder();
    for (let n = 1; n <= entries.length; n++) {
      builder.addEntry(entries[n - 1]!);
      expect(builder.root(), `n=${n}`).toBe(merkleRoot(entries.slice(0, n)));
    }
  });

  it('changes the root when an entry changes or two swap', () => {
    const root = merkleRoot(['a', 'b', 'c', 'd', 'e']);
    expect(merkleRoot(['a', 'b', 'x', 'd', 'e'])).not.toBe(root);
    expect(merkleRoot(['a', 'c', 'b', 'd', 'e'])).not.toBe(root);
    expect(merkleRoot(['a', 'b', 'c', 'd'])).not.toBe(root);
  });
});
