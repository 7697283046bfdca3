/**
 * AUDIT_CHECKPOINT_FILE: every signed checkpoint, one JSON line each, appended outside the
 * database (point it at other storage in production). It is what catches a database rolled
 * back to an earlier copy: the file remembers checkpoints the database no longer holds.
 *
 * Its first line names the ledger it belongs to (`{"ledger":"<id>",...}`, the id the database
 * keeps), so a file shared by two databases (the default var/ path of one checkout) is
 * refused at start-up rather than disagreeing in silence. A file written before the ledger
 * line existed has none and is never rewritten (it may sit on append-only storage): it stays
 * bound to the ledger whose database holds its first checkpoint, line for line.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDirectory } from '../files/private-directory.js';
import { checkpointLine, parseCheckpointLine, type SignedCheckpoint } from '../domain/audit-checkpoint.js';
import { canonicalJson } from '../domain/canonical-json.js';
import { coerceError } from '../domain/errors.js';

const LEDGER_LINE_KIND = 'hotline-referral-router/audit-checkpoint-file';

/** The first line of a new checkpoint file. */
function ledgerLine(ledgerId: string): string {
  return canonicalJson({ kind: LEDGER_LINE_KIND, ledger: ledgerId }) + '\n';
}

/** The ledger id a line names, or null when it is not a ledger line. */
function ledgerOfLine(text: string): string | null {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    return v.kind === LEDGER_LINE_KIND && typeof v.ledger === 'string' ? v.ledger : null;
  } catch {
    return null;
  }
}

/** What the file says of its ledger: absent, named in its first line, or not named (written before the ledger line). */
export type CheckpointFileLedger = { file: 'absent' } | { file: 'named'; ledgerId: string } | { file: 'unnamed' };

export function readCheckpointFileLedger(file: string): CheckpointFileLedger {
  if (!existsSync(file)) return { file: 'absent' };
  const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const ledgerId = ledgerOfLine(first);
  return ledgerId === null ? { file: 'unnamed' } : { file: 'named', ledgerId };
}

/** Starts a checkpoint file for a ledger: its first line, flushed. The file must not exist yet. */
export function createCheckpointFile(file: string, ledgerId: string): void {
  ensurePrivateDirectory(dirname(file));
  const fd = openSync(file, 'wx', 0o644);
  try {
    writeSync(fd, ledgerLine(ledgerId));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export type CheckpointFileLine = { line: number; checkpoint: SignedCheckpoint } | { line: number; error: string };

/** Appends and flushes to disk before returning. */
export function appendCheckpoints(file: string, checkpoints: readonly SignedCheckpoint[]): void {
  if (checkpoints.length === 0) return;
  ensurePrivateDirectory(dirname(file));
  const fd = openSync(file, 'a', 0o644);
  try {
    writeSync(fd, checkpoints.map(checkpointLine).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** null when there is no file; a torn last line (crash mid-append) reads as an error line. */
export function readCheckpointFile(file: string): CheckpointFileLine[] | null {
  if (!existsSync(file)) return null;
  const out: CheckpointFileLine[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((text, i) => {
    if (text.trim() === '' || (i === 0 && ledgerOfLine(text) !== null)) return;
    try {
      out.push({ line: i + 1, checkpoint: parseCheckpointLine(text) });
    } catch (error) {
      out.push({ line: i + 1, error: coerceError(error).message });
    }
  });
  return out;
}
