/**
 * The request a piece of work belongs to, carried through async calls (AsyncLocalStorage), so
 * every log line written while answering a request carries its request id — not only the
 * access log line.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<{ requestId: string }>();

export function runInRequestScope<T>(requestId: string, fn: () => T): T {
  return scope.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}
