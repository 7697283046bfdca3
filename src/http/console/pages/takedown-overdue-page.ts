/**
 * GET /console/takedown-overdue: the cases past the last TAKEDOWN_TARGETS mark that the
 * destination still holds with their content not known to be down, oldest clock first, with the
 * destination, the country and what was last heard (for the police the case number, for ICCAM
 * the partner hotline), for a supervisor to chase. Nothing is sent from here.
 * POST /console/handovers/:id/chase: a supervisor notes a chase (an audit event).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Context } from '../../../context.js';
import { DESTINATIONS, type Destination } from '../../../domain/decision.js';
import { ServiceError } from '../../../domain/errors.js';
import { lastMark } from '../../../domain/takedown-targets.js';
import { noteRemovalChase } from '../../../services/removal-chase.js';
import type { RemovalOverdueEntry } from '../../../store/store.js';
import { actorOf } from '../../request-context.js';
import { requireSupervisor } from '../console-auth.js';
import { field, page, type ConsoleKit } from '../console-request.js';
import { reasonText } from '../../../domain/plain-text.js';

/** More than this and the page shows the oldest ones (the total is given). */
const LIST_LIMIT = 500;
const uuid = z.uuid();
const note = reasonText('Say what was done, in at least 3 characters.');

export interface OverdueTakedowns {
  total: number;
  byDestination: Record<string, number>;
  oldest: RemovalOverdueEntry | null;
}

/** What the overview shows of them: how many, per destination, and the oldest. */
export async function overdueTakedowns(ctx: Context): Promise<OverdueTakedowns> {
  const [counts, oldest] = await Promise.all([ctx.store.countRemovalOverdueByDestination(), ctx.store.listRemovalOverdue({ limit: 1 })]);
  return {
    total: counts.reduce((sum, c) => sum + c.count, 0),
    byDestination: Object.fromEntries(counts.map((c) => [c.destination, c.count])),
    oldest: oldest[0] ?? null,
  };
}

export function takedownOverdueRoutes(ctx: Context, kit: ConsoleKit): Router {
  const router = Router();

  router.get('/console/takedown-overdue', async (req, res) => {
    const asked = field(req.query, 'destination');
    const destination = (DESTINATIONS as readonly string[]).includes(asked) ? (asked as Destination) : undefined;
    const [entries, summary] = await Promise.all([
      ctx.store.listRemovalOverdue({ ...(destination ? { destination } : {}), limit: LIST_LIMIT }),
      overdueTakedowns(ctx),
    ]);
    const chased = field(req.query, 'chased');
    page(kit, req, res, 'takedown-overdue.njk', {
      title: 'Overdue takedowns',
      nav: 'takedown-overdue',
      mark: lastMark(ctx.config.takedownTargets).label,
      destination: destination ?? '',
      destinations: DESTINATIONS,
      entries,
      summary,
      shown: destination ? (summary.byDestination[destination] ?? 0) : summary.total,
      now: ctx.clock.now().getTime(),
      ...(uuid.safeParse(chased).success ? { notice: 'The chase is noted in the handover’s audit trail.' } : {}),
    });
  });

  router.post('/console/handovers/:id/chase', requireSupervisor(kit), async (req, res) => {
    const id = String(req.params.id);
    if (!uuid.safeParse(id).success) return page(kit, req, res, 'error.njk', { title: 'Not found', message: `There is no handover ${id}.` }, 404);
    const back = field(req.body, 'back') === 'list' ? `/console/takedown-overdue?chased=${id}` : `/console/handovers/${id}?done=chase`;
    const input = note.safeParse(field(req.body, 'note'));
    const refused = (message: string, status: number) => page(kit, req, res, 'error.njk', { title: 'Not noted', message }, status);
    if (!input.success) return refused(input.error.issues.map((i) => i.message).join(' '), 400);
    try {
      await noteRemovalChase(
        { store: ctx.store, now: ctx.clock.now().getTime() },
        id,
        input.data,
        actorOf({ keyName: req.consoleSession!.keyName, role: req.consoleSession!.role }),
      );
    } catch (error) {
      if (error instanceof ServiceError && error.status < 500) return refused(error.message, error.status);
      throw error;
    }
    ctx.logger.info('console action', { component: 'console', requestId: req.requestId, handoverId: id, action: 'chase', key: req.consoleSession!.keyName });
    res.redirect(303, back);
  });
  return router;
}
