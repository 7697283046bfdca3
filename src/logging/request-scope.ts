/**
 * The request a piece of work belongs to, carried through async calls (AsyncLocalStorage), so
 * every log line written while answering a request carries its request id — not only the
 * access log line.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

// The one module-level object left on purpose: an AsyncLocalStorage holds nothing outside a
// `run`, so it carries no state between services; it is a key, shared by the request-id
// middleware that sets it and every logger that reads it, however many services a process composes.
const scope = new AsyncLocalStorage<{ requestId: string }>();

export function runInRequestScope<T>(requestId: string, fn: () => T): T {
  return scope.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}

/**
 * Runs fn outside any request: background work a request merely triggers (a job nudged by an
 * intake) must not carry that request's id into its log lines.
 */
export function runOutsideRequestScope<T>(fn: () => T): T {
  return scope.exit(fn);
}
