/**
 * GET /console/handovers/:id: a handover's story (timeline, attempts, acknowledgements, links,
 * referral, evidence) and, for supervisors, the actions its state allows.
 * POST /console/handovers/:id/:action: one of those actions, through the same services as the
 * API, recorded as the signed-in person; then back to the story (POST-redirect-GET).
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Context } from '../../../context.js';
import { ServiceError } from '../../../domain/errors.js';
import { actorOf } from '../../request-context.js';
import { handoverStory } from '../console-read-model.js';
import { shortId } from '../console-views.js';
import { requireSupervisor } from '../console-auth.js';
import { field, page, type ConsoleKit } from '../console-request.js';
import { actionsFor, findAction } from '../handover-actions.js';
import { reviewReasonsOf } from '../review-reasons.js';

const uuid = z.uuid();

/** A Map: the name comes from the query string. */
const DONE = new Map<string, string>([
  ['route', 'Routed by hand: it goes out with the next delivery run.'],
  ['look-again', 'Sent back to be located again.'],
  ['retry', 'Sent back for delivery.'],
  ['cancel', 'Cancelled.'],
]);

export function storyRoutes(ctx: Context, kit: ConsoleKit): Router {
  const router = Router();

  const show = async (req: Request, res: Response, id: string, extra: { problem?: string; notice?: string } = {}, status = 200) => {
    const story = uuid.safeParse(id).success ? await handoverStory(ctx, id) : null;
    if (!story) return page(kit, req, res, 'error.njk', { title: 'Not found', message: `There is no handover ${id}.` }, 404);
    page(
      kit,
      req,
      res,
      'story.njk',
      {
        title: `Handover ${shortId(id)}`,
        nav: 'handovers',
        s: story,
        reasons: story.handover.state === 'needs_review' ? reviewReasonsOf(story.handover) : [],
        actions: actionsFor(story.handover),
        ...extra,
      },
      status,
    );
  };

  router.get('/console/handovers/:id', async (req, res) => {
    const done = DONE.get(field(req.query, 'done'));
    await show(req, res, String(req.params.id), done ? { notice: done } : {});
  });

  router.post('/console/handovers/:id/:action', requireSupervisor(kit), async (req, res) => {
    const id = String(req.params.id);
    const name = String(req.params.action);
    const action = findAction(name);
    if (!action || !uuid.safeParse(id).success) return page(kit, req, res, 'error.njk', { title: 'Not found', message: 'There is no such action.' }, 404);
    const body = Object.fromEntries(action.fields.map((f) => [f, field(req.body, f)]));
    const input = action.schema.safeParse(body);
    if (!input.success) return show(req, res, id, { problem: input.error.issues.map((i) => i.message).join(' ') }, 400);
    try {
      await action.run(ctx, id, input.data, actorOf({ keyName: req.consoleSession!.keyName, role: req.consoleSession!.role }));
    } catch (error) {
      if (error instanceof ServiceError && error.status < 500) return show(req, res, id, { problem: error.message }, error.status);
      throw error;
    }
    ctx.logger.info('console action', { component: 'console', requestId: req.requestId, handoverId: id, action: name, key: req.consoleSession!.keyName });
    res.redirect(303, `/console/handovers/${id}?done=${encodeURIComponent(name)}`);
  });
  return router;
}
