/**
 * AUDIT_CHECKPOINT_FILE: every signed checkpoint, one JSON line each, appended outside the
 * database (point it at other storage in production). It is what catches a database rolled
 * back to an earlier copy: the file remembers checkpoints the database no longer holds.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDirectory } from '../files/private-directory.js';
import { checkpointLine, parseCheckpointLine, type SignedCheckpoint } from '../domain/audit-checkpoint.js';
import { coerceError } from '../domain/errors.js';

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
    if (text.trim() === '') return;
    try {
      out.push({ line: i + 1, checkpoint: parseCheckpointLine(text) });
    } catch (error) {
      out.push({ line: i + 1, error: coerceError(error).message });
    }
  });
  return out;
}
