/** GET /console/: the state of the whole service at a glance. */
import { Router } from 'express';
import type { Context } from '../../../context.js';
import { overview, type ConsoleParts } from '../console-read-model.js';
import { page, type ConsoleKit } from '../console-request.js';

export function overviewRoutes(ctx: Context, kit: ConsoleKit, parts: ConsoleParts): Router {
  const router = Router();
  router.get('/console/', async (req, res) => {
    page(kit, req, res, 'overview.njk', { title: 'Overview', nav: 'overview', o: await overview(ctx, parts), now: ctx.clock.now().getTime() });
  });
  return router;
}
