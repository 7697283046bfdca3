/**
 * Merkle tree hashing as Certificate Transparency defines it (RFC 6962 §2.1, RFC 9162 §2.1):
 * a leaf is SHA-256(0x00 ‖ entry), an inner node SHA-256(0x01 ‖ left ‖ right); the tree over n
 * entries splits at the largest power of two below n. The distinct prefixes keep a leaf from
 * ever passing for a node. Pure.
 */
import { createHash, hash } from 'node:crypto';

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function merkleLeafHash(entry: string | Buffer): Buffer {
  // One-shot hashing: a trail holds millions of leaves. '\u0000' is the single byte 0x00 in UTF-8.
  return typeof entry === 'string' ? hash('sha256', '\u0000' + entry, 'buffer') : hash('sha256', Buffer.concat([LEAF_PREFIX, entry]), 'buffer');
}

export function merkleNodeHash(left: Buffer, right: Buffer): Buffer {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right], 65), 'buffer');
}

/** The root of an empty tree is the hash of the empty string (RFC 6962 §2.1). */
export const EMPTY_TREE_ROOT = createHash('sha256').digest('hex');

/**
 * Builds the root one entry at a time in O(log n) memory: it keeps the roots of the perfect
 * subtrees seen so far (sizes are the binary digits of n), merging equal sizes as they appear.
 * Folding what is left from the right gives exactly the RFC 6962 split.
 */
export class MerkleRootBuilder {
  private readonly stack: { size: number; hash: Buffer }[] = [];
  private count = 0;

  addEntry(entry: string | Buffer): void {
    this.addLeafHash(merkleLeafHash(entry));
  }

  addLeafHash(leaf: Buffer): void {
    this.count++;
    let node = { size: 1, hash: leaf };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.size === node.size) {
      const left = this.stack.pop()!;
      node = { size: left.size * 2, hash: merkleNodeHash(left.hash, node.hash) };
    }
    this.stack.push(node);
  }

  get size(): number {
    return this.count;
  }

  /** Hex root of the entries added so far. */
  root(): string {
    if (this.stack.length === 0) return EMPTY_TREE_ROOT;
    let hash = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) hash = merkleNodeHash(this.stack[i]!.hash, hash);
    return hash.toString('hex');
  }
}

/** The root of a whole list, straight from the recursive definition (tests compare the two). */
export function merkleRoot(entries: readonly (string | Buffer)[]): string {
  if (entries.length === 0) return EMPTY_TREE_ROOT;
  const hashOf = (from: number, to: number): Buffer => {
    if (to - from === 1) return merkleLeafHash(entries[from]!);
    let k = 1;
    while (k * 2 < to - from) k *= 2;
    return merkleNodeHash(hashOf(from, from + k), hashOf(from + k, to));
  };
  return hashOf(0, entries.length).toString('hex');
}
