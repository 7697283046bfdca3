/**
 * GET /console/review and /console/failed: the handovers waiting for a person, longest waiting
 * first (the overview's "oldest" is the first card). Each card says why it waits in words, how
 * long, the classification, the duplicates that joined the case and its evidence; supervisors
 * get the actions its state allows. Filters: the review reason, and how long it has waited.
 */
import { Router, type Request, type Response } from 'express';
import type { Context } from '../../../context.js';
import type { HandoverRecord } from '../../../store/store.js';
import { REVIEW_QUEUE_READ_LIMIT, waitingQueue, waitingSince, type QueueName } from '../console-read-model.js';
import { field, page, type ConsoleKit } from '../console-request.js';
import { actionNotes, actionsFor } from '../handover-actions.js';
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

const QUEUES: Record<QueueName, { path: string; title: string; empty: string }> = {
  review: { path: '/console/review', title: 'Review queue', empty: 'No handover waits for review' },
  failed: { path: '/console/failed', title: 'Failed handovers', empty: 'No handover has failed' },
};

export function reviewRoutes(ctx: Context, kit: ConsoleKit): Router {
  const router = Router();

  const queuePage = async (req: Request, res: Response, queue: QueueName) => {
    const reason = queue === 'review' ? field(req.query, 'reason') : '';
    const age = AGE_OPTIONS.find((o) => o.value === field(req.query, 'age')) ?? AGE_OPTIONS[0]!;
    const pageNo = Math.max(1, Math.floor(Number(field(req.query, 'page')) || 1));
    const now = ctx.clock.now().getTime();
    const read = await waitingQueue(ctx, queue, age.ms > 0 ? { waitingSince: now - age.ms } : {});
    const matching = read.items.filter((h) => !reason || reviewReasonsOf(h).includes(reason));
    const shown = matching.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE);
    const items = await Promise.all(shown.map((h) => card(ctx, h, now)));
    const query = (p: number) =>
      new URLSearchParams({ ...(reason ? { reason } : {}), ...(age.value ? { age: age.value } : {}), ...(p > 1 ? { page: String(p) } : {}) }).toString();
    page(kit, req, res, 'review.njk', {
      title: QUEUES[queue].title,
      nav: 'review',
      queue,
      queues: QUEUES,
      items,
      total: matching.length,
      firstNo: (pageNo - 1) * PAGE_SIZE + 1,
      truncated: read.truncated,
      readLimit: REVIEW_QUEUE_READ_LIMIT,
      filters: { reason, age: age.value },
      reasonCodes: [...new Set([...KNOWN_REASON_CODES, ...read.items.flatMap(reviewReasonsOf)])],
      ageOptions: AGE_OPTIONS,
      previousHref: pageNo > 1 ? `${QUEUES[queue].path}?${query(pageNo - 1)}` : null,
      nextHref: matching.length > pageNo * PAGE_SIZE ? `${QUEUES[queue].path}?${query(pageNo + 1)}` : null,
    });
  };

  router.get('/console/review', (req, res) => queuePage(req, res, 'review'));
  router.get('/console/failed', (req, res) => queuePage(req, res, 'failed'));
  return router;
}

/** One card: what the supervisor needs to decide without opening the story. */
async function card(ctx: Context, h: HandoverRecord, now: number) {
  const [links, attempts] = await Promise.all([ctx.store.listUrlLinks(h.id), h.state === 'failed' ? ctx.store.listAttempts(h.id) : Promise.resolve([])]);
  return {
    h,
    reasons: reviewReasonsOf(h),
    age: now - waitingSince(h),
    duplicates: links.duplicates.filter((d) => d.state === 'duplicate'),
    actions: actionsFor(h, { lastAttempt: attempts.at(-1) ?? null }),
    notes: actionNotes(h),
  };
}
