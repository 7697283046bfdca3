/**
 * Runs fn over items with at most `limit` in flight. One item's failure stops neither the
 * others nor the run: every item is tried, and only when all workers are done does it report
 * (the first error, or an AggregateError of all). So a caller that starts its next run after
 * this one settles never overlaps work still in flight.
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const workers = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        errors.push(error);
      }
    }
  });
  await Promise.all(workers);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} of ${items.length} items failed`);
}
