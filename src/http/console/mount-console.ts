/**
 * Mounts the web console, loading its modules (templates engine, pages) on the first request
 * that needs them rather than at start-up: every CLI command imports the app, and most of them
 * never serve a page.
 */
import type { RequestHandler, Router } from 'express';
import type { Context } from '../../context.js';
import type { ConsoleParts } from './console-read-model.js';

export type { ConsoleParts } from './console-read-model.js';

export function mountConsole(ctx: Context, parts: ConsoleParts = {}): RequestHandler {
  let router: Promise<Router> | null = null;
  return (req, res, next) => {
    if (req.path !== '/' && req.path !== '/console' && !req.path.startsWith('/console/')) return next();
    router ??= import('./console-router.js').then((m) => m.consoleRouter(ctx, parts));
    router.then((r) => r(req, res, next), next);
  };
}
