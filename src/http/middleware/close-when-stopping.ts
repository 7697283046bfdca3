import type { Server } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * Once the listener is closed (shutdown has begun), answers carry `Connection: close`. Without
 * it a kept-alive connection outlives the request in flight: it holds shutdown open until
 * keepAliveTimeout and may still bring in new requests while the service drains. The check is
 * made when the answer's headers are written, not when the request arrived, because the
 * requests that matter are the ones already in flight when the signal came.
 */
export function closeConnectionsWhenStopping(): RequestHandler {
  return (req, res, next) => {
    const server = (req.socket as { server?: Server }).server;
    if (!server) return next();
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: unknown[]) {
      if (!server.listening && !this.headersSent) this.setHeader('Connection', 'close');
      return (writeHead as (...a: unknown[]) => typeof res).apply(this, args);
    } as typeof res.writeHead;
    next();
  };
}
