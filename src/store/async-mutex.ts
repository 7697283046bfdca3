/**
 * Serialises async critical sections. The SQLite driver has one connection: without this, two
 * async transactions could interleave their statements on it between awaits.
 */
export class AsyncMutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
