/**
 * GET /console/partners: content partner hotlines handed to Belgium through ICCAM that waits for
 * a Belgian analyst's assessment (`awaiting_assessment`), longest assigned first — the partner
 * hotline, ICCAM's classification and age, how long since ICCAM assigned it — each with the
 * assessment form; and the partner items where ICCAM refused what we told it, left to a person.
 * POST /console/partners/:id/assess: the assessment, through the same service as the API. It is
 * the one action analysts have in the console (the assessment is theirs to make); recorded as the
 * signed-in person, then back to the queue (POST-redirect-GET).
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Context } from '../../../context.js';
import { ServiceError } from '../../../domain/errors.js';
import { HANDOVER_STATES } from '../../../domain/handover-states.js';
import type { HandoverRecord } from '../../../store/store.js';
import { assessPartnerItem } from '../../../services/assess-partner-item.js';
import { assessmentBody } from '../../routes/assessment.js';
import { actorOf } from '../../request-context.js';
import { field, page, type ConsoleKit } from '../console-request.js';
import { shortId } from '../console-views.js';
import { ASSESSMENT_CHOICES } from '../partner-words.js';

/** More waiting items than this and the page shows the longest assigned ones only. */
const READ_LIMIT = 500;
const uuid = z.uuid();

/** A Map: the name comes from the query string. */
const DONE = new Map<string, string>([
  ['illegal', 'Assessed illegal in Belgium: it is located next, and ICCAM hears of our assessment.'],
  ['not-illegal', 'Assessed not illegal in Belgium: closed, and ICCAM is told so.'],
]);

/** When ICCAM assigned it to us (the referral's), else when it was taken in. */
const assignedAt = (h: HandoverRecord) => h.countryAssignmentDate ?? h.createdAt;

export function partnerRoutes(ctx: Context, kit: ConsoleKit): Router {
  const router = Router();

  const show = async (req: Request, res: Response, extra: { problem?: string; notice?: string; problemFor?: string } = {}, status = 200) => {
    const now = ctx.clock.now().getTime();
    const [waiting, open] = await Promise.all([
      ctx.store.findHandovers({ states: ['awaiting_assessment'], limit: READ_LIMIT + 1 }),
      ctx.store.findHandovers({ states: HANDOVER_STATES, inboundOpen: true, limit: READ_LIMIT }),
    ]);
    const items = waiting
      .slice(0, READ_LIMIT)
      .sort((a, b) => assignedAt(a) - assignedAt(b))
      .map((h) => ({ h, sinceAssignment: now - assignedAt(h) }));
    const refused = open.filter((h) => Object.keys(h.iccamTold?.gaveUp ?? {}).length > 0);
    page(
      kit,
      req,
      res,
      'partners.njk',
      {
        title: 'From partners',
        nav: 'partners',
        items,
        truncated: waiting.length > READ_LIMIT,
        readLimit: READ_LIMIT,
        refused,
        choices: ASSESSMENT_CHOICES,
        ...extra,
      },
      status,
    );
  };

  router.get('/console/partners', async (req, res) => {
    const done = DONE.get(field(req.query, 'done'));
    await show(req, res, done ? { notice: done } : {});
  });

  router.post('/console/partners/:id/assess', async (req, res) => {
    const id = String(req.params.id);
    const session = req.consoleSession!;
    if (!uuid.safeParse(id).success) return page(kit, req, res, 'error.njk', { title: 'Not found', message: 'There is no such item.' }, 404);
    const verdict = field(req.body, 'verdict');
    const gender = field(req.body, 'gender');
    const note = field(req.body, 'note').trim();
    const body =
      verdict === 'illegal'
        ? {
            illegal: true,
            classification: { category: field(req.body, 'category'), ageGroup: field(req.body, 'ageGroup'), ...(gender ? { gender } : {}) },
          }
        : verdict === 'not-illegal'
          ? { illegal: false, reason: field(req.body, 'reason'), ...(note ? { note } : {}) }
          : null;
    const input = body === null ? null : assessmentBody.safeParse(body);
    if (!input?.success) {
      const problem =
        verdict === 'illegal'
          ? 'Choose the category and the age group.'
          : verdict === 'not-illegal'
            ? 'Choose why it is not illegal.'
            : 'Choose illegal or not illegal.';
      return show(req, res, { problem: `Item ${shortId(id)}: ${problem}`, problemFor: id }, 400);
    }
    try {
      await assessPartnerItem(ctx, id, input.data, actorOf({ keyName: session.keyName, role: session.role }));
    } catch (error) {
      if (error instanceof ServiceError && error.status < 500) return show(req, res, { problem: error.message, problemFor: id }, error.status);
      throw error;
    }
    ctx.logger.info('console action', { component: 'console', requestId: req.requestId, handoverId: id, action: 'assess', key: session.keyName });
    res.redirect(303, `/console/partners?done=${verdict}`);
  });
  return router;
}
