/** GET /console/: the state of the whole service at a glance. */
import { Router } from 'express';
import type { Context } from '../../../context.js';
import { overview, type ConsoleParts } from '../console-read-model.js';
import { page, type ConsoleKit } from '../console-request.js';
import { overdueTakedowns } from './takedown-overdue-page.js';

export function overviewRoutes(ctx: Context, kit: ConsoleKit, parts: ConsoleParts): Router {
  const router = Router();
  router.get('/console/', async (req, res) => {
    const [o, takedowns] = await Promise.all([overview(ctx, parts), overdueTakedowns(ctx)]);
    page(kit, req, res, 'overview.njk', { title: 'Overview', nav: 'overview', o, takedowns, now: ctx.clock.now().getTime() });
  });
  return router;
}
