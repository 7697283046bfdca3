/**
 * GET /console/handovers/:id: a handover's story (timeline, attempts, acknowledgements, links,
 * referral, evidence) and, for supervisors, the actions its state allows.
 * POST /console/handovers/:id/:action: one of those actions, through the same services as the
 * API, recorded as the signed-in person; then back to the story (POST-redirect-GET). A form
 * refused (invalid, or the services said no) comes back filled in, with the reason why.
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
import { destinationReference } from '../destination-reference.js';
import { draftOf, keptDraft, type FormDraft } from '../form-draft.js';
import { actionNotes, actionsFor, findAction, postedFields } from '../handover-actions.js';
import { reviewReasonsOf } from '../review-reasons.js';
import { stateInWords } from '../state-words.js';

const uuid = z.uuid();

/** A Map: the name comes from the query string. */
const DONE = new Map<string, string>([
  ['route', 'Routed by hand: it goes out with the next delivery run.'],
  ['look-again', 'Sent back to be located again.'],
  ['retry', 'Sent back for delivery.'],
  ['resolve', 'Resolved: recorded as delivered with the destination’s reference. Nothing was sent.'],
  ['split', 'Split off: it is a case of its own now, and is being located.'],
  ['cancel', 'Cancelled.'],
  ['chase', 'The chase is noted in the audit trail.'],
]);

/** A refusal from the services in the console's words (the API's mention its JSON fields). */
function refusalInWords(error: ServiceError): string {
  if (error.code === 'outcome_unknown') {
    return 'It may already be at ICCAM: its last delivery’s outcome is unknown. Look for it in ICCAM first; if there is no report, tick the box to confirm that it is sent again.';
  }
  return error.message;
}

export function storyRoutes(ctx: Context, kit: ConsoleKit): Router {
  const router = Router();

  const show = async (req: Request, res: Response, id: string, extra: { problem?: string; notice?: string; kept?: FormDraft } = {}, status = 200) => {
    const story = uuid.safeParse(id).success ? await handoverStory(ctx, id) : null;
    if (!story) return page(kit, req, res, 'error.njk', { title: 'Not found', message: `There is no handover ${id}.` }, 404);
    const h = story.handover;
    const actions = actionsFor(h, { lastAttempt: story.attempts.at(-1) ?? null });
    let problem = extra.problem;
    // A form kept across a sign-in whose action the handover no longer allows: say so, and keep the words.
    if (extra.kept && !actions.some((a) => a.name === extra.kept!.action)) {
      const label = findAction(extra.kept.action)?.label ?? extra.kept.action;
      problem = `${problem ? `${problem} ` : ''}“${label}” is no longer possible: the handover is ${stateInWords(h.state)} now.`;
    }
    page(
      kit,
      req,
      res,
      'story.njk',
      {
        title: `Handover ${shortId(id)}`,
        nav: 'handovers',
        s: story,
        reasons: h.state === 'needs_review' ? reviewReasonsOf(h) : [],
        actions,
        notes: actionNotes(h),
        reference: destinationReference(h, story.acks),
        kept: extra.kept ?? null,
        ...(extra.notice ? { notice: extra.notice } : {}),
        ...(problem ? { problem } : {}),
      },
      status,
    );
  };

  router.get('/console/handovers/:id', async (req, res) => {
    const id = String(req.params.id);
    const done = DONE.get(field(req.query, 'done'));
    const session = req.consoleSession!;
    // What was typed before the last session ran out, kept across the sign-in: shown once, here.
    const draft = keptDraft(session.draft);
    if (draft && draft.handoverId === id) {
      await ctx.store.clearConsoleSessionDraft(session.recordId);
      const label = findAction(draft.action)?.label ?? draft.action;
      return show(req, res, id, { kept: draft, notice: `You are signed in again. “${label}” is filled in as you left it: check it, then send it.` });
    }
    await show(req, res, id, done ? { notice: done } : {});
  });

  router.post('/console/handovers/:id/:action', requireSupervisor(kit), async (req, res) => {
    const id = String(req.params.id);
    const name = String(req.params.action);
    const action = findAction(name);
    if (!action || !uuid.safeParse(id).success) return page(kit, req, res, 'error.njk', { title: 'Not found', message: 'There is no such action.' }, 404);
    const kept = draftOf(req.body, id, action.name, postedFields(action), ctx.clock.now().getTime());
    const input = action.schema.safeParse(kept.values);
    if (!input.success) return show(req, res, id, { problem: input.error.issues.map((i) => i.message).join(' '), kept }, 400);
    try {
      await action.run(ctx, id, input.data, actorOf({ keyName: req.consoleSession!.keyName, role: req.consoleSession!.role }));
    } catch (error) {
      if (error instanceof ServiceError && error.status < 500) return show(req, res, id, { problem: refusalInWords(error), kept }, error.status);
      throw error;
    }
    ctx.logger.info('console action', { component: 'console', requestId: req.requestId, handoverId: id, action: name, key: req.consoleSession!.keyName });
    res.redirect(303, `/console/handovers/${id}?done=${encodeURIComponent(name)}`);
  });
  return router;
}
