/**
 * GET /console/review: every handover waiting for a supervisor, oldest first, with its reasons
 * in words, how long it has waited and its evidence; filters by reason and by age; supervisors
 * get the actions its state allows.
 */
import { Router } from 'express';
import type { Context } from '../../../context.js';
import { REVIEW_QUEUE_READ_LIMIT, reviewQueue, waitingSince } from '../console-read-model.js';
import { field, page, type ConsoleKit } from '../console-request.js';
import { actionsFor } from '../handover-actions.js';
import { KNOWN_REASON_CODES } from '../review-reason-words.js';
import { reviewReasonsOf } from '../review-reasons.js';

const PAGE_SIZE = 20;
const HOUR = 3_600_000;
const AGE_OPTIONS = [
  { value: '', label: 'any time', ms: 0 },
  { value: '1h', label: '1 hour', ms: HOUR },
  { value: '1d', label: '1 day', ms: 24 * HOUR },
  { value: '3d', label: '3 days', ms: 72 * HOUR },
  { value: '7d', label: '7 days', ms: 168 * HOUR },
];

export function reviewRoutes(ctx: Context, kit: ConsoleKit): Router {
  const router = Router();
  router.get('/console/review', async (req, res) => {
    const reason = field(req.query, 'reason');
    const age = AGE_OPTIONS.find((o) => o.value === field(req.query, 'age')) ?? AGE_OPTIONS[0]!;
    const after = Number(field(req.query, 'after')) || 0;
    const now = ctx.clock.now().getTime();
    const queue = await reviewQueue(ctx);
    const matching = queue.items
      .map((h) => ({ h, reasons: reviewReasonsOf(h), age: now - waitingSince(h), actions: actionsFor(h) }))
      .filter((item) => (!reason || item.reasons.includes(reason)) && item.age >= age.ms);
    const pageItems = matching.filter((item) => item.h.seq > after).slice(0, PAGE_SIZE + 1);
    const shown = pageItems.slice(0, PAGE_SIZE);
    const nextCursor = pageItems.length > PAGE_SIZE ? shown.at(-1)!.h.seq : null;
    const query = new URLSearchParams({
      ...(reason ? { reason } : {}),
      ...(age.value ? { age: age.value } : {}),
      ...(nextCursor ? { after: String(nextCursor) } : {}),
    });
    page(kit, req, res, 'review.njk', {
      title: 'Review queue',
      nav: 'review',
      items: shown,
      total: matching.length,
      truncated: queue.truncated,
      readLimit: REVIEW_QUEUE_READ_LIMIT,
      filters: { reason, age: age.value },
      reasonCodes: [...new Set([...KNOWN_REASON_CODES, ...queue.items.flatMap(reviewReasonsOf)])],
      ageOptions: AGE_OPTIONS,
      nextCursor,
      nextHref: `/console/review?${query.toString()}`,
    });
  });
  return router;
}
