import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { runInRequestScope } from '../../logging/request-scope.js';

/** Accepts a caller's X-Request-Id when it is a sane token, else makes one; echoes it back. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    req.requestId = given && /^[A-Za-z0-9._:-]{1,100}$/.test(given) ? given : randomUUID();
    res.set('X-Request-Id', req.requestId);
    runInRequestScope(req.requestId, next);
  };
}
