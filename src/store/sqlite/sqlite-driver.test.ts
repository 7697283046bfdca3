/**
 * Group commit: transactions asked for together share one COMMIT, each is answered only once
 * that COMMIT is done, and one that fails takes none of the others' writes with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDriver } from './sqlite-driver.js';

let dir: string;
let writer: SqliteDriver;
/** A second connection to the same file, as another process would have: it sees committed rows only. */
let reader: SqliteDriver;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hrr-group-'));
  writer = new SqliteDriver(join(dir, 'g.db'));
  await writer.run('CREATE TABLE t (name TEXT PRIMARY KEY)');
  reader = new SqliteDriver(join(dir, 'g.db'));
});

afterEach(async () => {
  await writer.close();
  await reader.close();
  rmSync(dir, { recursive: true, force: true });
});

const committedNames = async () => (await reader.all<{ name: string }>('SELECT name FROM t ORDER BY name')).map((r) => r.name);

describe('SQLite group commit', () => {
  it('answers each transaction only after the commit it shares with the others', async () => {
    const seenByOthersWhileInGroup: string[][] = [];
    const answered: string[][] = [];
    const insert = (name: string) =>
      writer
        .transaction(async (tx) => {
          await tx.run('INSERT INTO t (name) VALUES (?)', [name]);
          // The reader holds no lock, so this does not wait on the writer's open transaction.
          seenByOthersWhileInGroup.push(await committedNames());
          return name;
        })
        .then(async (value) => {
          answered.push(await committedNames());
          return value;
        });
    await expect(Promise.all([insert('a'), insert('b'), insert('c')])).resolves.toEqual(['a', 'b', 'c']);
    // One commit for the three: nothing was visible outside while any of them ran ...
    expect(seenByOthersWhileInGroup).toEqual([[], [], []]);
    // ... and every answer came after all three were on disk.
    expect(answered).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
  });

  it('rolls back a failing transaction alone; the others in its group commit', async () => {
    const results = await Promise.allSettled([
      writer.transaction((tx) => tx.run('INSERT INTO t (name) VALUES (?)', ['kept-1'])),
      writer.transaction(async (tx) => {
        await tx.run('INSERT INTO t (name) VALUES (?)', ['undone']);
        throw new Error('refused after writing');
      }),
      // A constraint violation: SQLite undoes the statement, the savepoint undoes the rest.
      writer.transaction(async (tx) => {
        await tx.run('INSERT INTO t (name) VALUES (?)', ['undone-too']);
        await tx.run('INSERT INTO t (name) VALUES (?)', ['kept-1']);
      }),
      writer.transaction((tx) => tx.run('INSERT INTO t (name) VALUES (?)', ['kept-2'])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('refused after writing'));
    expect(writer.isUniqueViolation((results[2] as PromiseRejectedResult).reason)).toBe(true);
    expect(await committedNames()).toEqual(['kept-1', 'kept-2']);
  });

  it('fails the earlier members too when the whole transaction is rolled back under them', async () => {
    const results = await Promise.allSettled([
      writer.transaction((tx) => tx.run('INSERT INTO t (name) VALUES (?)', ['lost'])),
      // What SQLite does by itself on an I/O error or a full disk: the transaction is gone.
      writer.transaction(async (tx) => {
        await tx.run('ROLLBACK');
        throw new Error('disk I/O error');
      }),
      writer.transaction((tx) => tx.run('INSERT INTO t (name) VALUES (?)', ['after'])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toEqual(new Error('disk I/O error'));
    expect(await committedNames()).toEqual(['after']);
  });

  it('runs a transaction asked for alone as before', async () => {
    await expect(writer.transaction(async (tx) => tx.run('INSERT INTO t (name) VALUES (?)', ['alone']))).resolves.toBe(1);
    expect(await committedNames()).toEqual(['alone']);
  });
});
