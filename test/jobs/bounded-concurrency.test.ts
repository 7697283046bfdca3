import { describe, expect, it } from 'vitest';
import { forEachConcurrently } from '../../src/domain/bounded-concurrency.js';

/** A promise settled by the test, so the order of events is the test's, not the wall clock's. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('forEachConcurrently', () => {
  it('reports a rejection only after every worker is done, and still tries every item', async () => {
    const slow = gate();
    const done: number[] = [];
    let settled = false;
    const run = forEachConcurrently([1, 2, 3, 4], 2, async (n) => {
      if (n === 1) {
        await slow.opened;
        done.push(n);
        return;
      }
      if (n === 2) throw new Error('item 2 failed');
      done.push(n);
    }).finally(() => (settled = true));
    // Let the failing worker go on to items 3 and 4 while item 1 is still in flight.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(settled).toBe(false); // item 1 is still running: the run must not be over
    expect(done).toEqual([3, 4]);
    slow.open();
    await expect(run).rejects.toThrow('item 2 failed');
    expect(done).toEqual([3, 4, 1]);
  });

  it('gathers several failures into one AggregateError', async () => {
    const run = forEachConcurrently([1, 2, 3], 3, async (n) => {
      if (n !== 2) throw new Error(`item ${n}`);
    });
    await expect(run).rejects.toBeInstanceOf(AggregateError);
    await run.catch((error: AggregateError) => expect(error.errors.map((e: Error) => e.message)).toEqual(['item 1', 'item 3']));
  });

  it('keeps at most `limit` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    await forEachConcurrently([1, 2, 3, 4, 5], 2, async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await Promise.resolve();
      inFlight--;
    });
    expect(most).toBe(2);
  });
});
