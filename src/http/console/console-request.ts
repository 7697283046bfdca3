/** Per-request console facts: the session, and how a page is rendered with the layout's needs. */
import type { Request, Response } from 'express';
import type { ConsoleSession, SessionCodec } from './console-session.js';
import type { ConsoleViews } from './console-views.js';

declare module 'express-serve-static-core' {
  interface Request {
    consoleSession?: ConsoleSession;
  }
}

export interface ConsoleKit {
  views: ConsoleViews;
  codec: SessionCodec;
}

export function page(kit: ConsoleKit, req: Request, res: Response, template: string, locals: Record<string, unknown>, status = 200): void {
  const session = req.consoleSession ?? null;
  const html = kit.views.render(template, {
    session,
    csrf: session ? kit.codec.csrfToken(session.sid) : '',
    isSupervisor: session?.role === 'supervisor',
    ...locals,
  });
  res.status(status).type('html').send(html);
}

/** The first value of a query or form field, as text ('' when absent). */
export function field(source: unknown, name: string): string {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}
