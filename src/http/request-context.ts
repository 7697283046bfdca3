/**
 * Per-request facts the handlers and the error middleware need: the request id (echoed in
 * every answer and log line) and the authenticated caller.
 */
import type { Request } from 'express';
import type { KeyRole } from '../config/api-keys.js';

export interface Caller {
  keyName: string;
  role: KeyRole;
}

declare module 'express-serve-static-core' {
  interface Request {
    requestId?: string;
    caller?: Caller;
  }
}

export function requireCaller(req: Request): Caller {
  if (!req.caller) throw new Error('route registered without authentication');
  return req.caller;
}

/** How the caller is written in the audit trail. */
export function actorOf(caller: Caller): string {
  return `key:${caller.keyName}`;
}
