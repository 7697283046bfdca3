/**
 * GET /console/handovers: search by report id, or list by state, destination, country and
 * overdue, with cursor paging (the API's filters, as a form).
 */
import { Router } from 'express';
import type { Context } from '../../../context.js';
import { DESTINATIONS, type Destination } from '../../../domain/decision.js';
import { HANDOVER_STATES, isHandoverState } from '../../../domain/handover-states.js';
import type { HandoverRecord } from '../../../store/store.js';
import { field, page, type ConsoleKit } from '../console-request.js';

const PAGE_SIZE = 50;

export function handoverListRoutes(ctx: Context, kit: ConsoleKit): Router {
  const router = Router();
  router.get('/console/handovers', async (req, res) => {
    const reportId = field(req.query, 'reportId').trim().slice(0, 200);
    const stateText = field(req.query, 'state');
    const destinationText = field(req.query, 'destination');
    const countryText = field(req.query, 'country').trim().toUpperCase();
    const overdue = field(req.query, 'overdue') === 'true';
    const after = Number(field(req.query, 'after'));
    const problems: string[] = [];
    const state = isHandoverState(stateText) ? stateText : undefined;
    if (stateText && !state) problems.push(`There is no state “${stateText}”.`);
    const destination = (DESTINATIONS as readonly string[]).includes(destinationText) ? (destinationText as Destination) : undefined;
    if (destinationText && !destination) problems.push(`There is no destination “${destinationText}”.`);
    const country = /^[A-Z]{2}$/.test(countryText) ? countryText : undefined;
    if (countryText && !country) problems.push('A country is two letters, e.g. BE.');

    let items: HandoverRecord[];
    let nextHref: string | null = null;
    let caption: string;
    if (reportId) {
      const found = await ctx.store.getReferralByReportId(reportId);
      items = found?.handovers ?? [];
      caption = found ? `Handovers of report ${reportId}` : `No referral has the report id ${reportId}`;
    } else {
      const rows = await ctx.store.listHandovers({
        ...(state ? { state } : {}),
        ...(destination ? { destination } : {}),
        ...(country ? { country } : {}),
        ...(overdue ? { overdue: true } : {}),
        afterSeq: Number.isSafeInteger(after) && after > 0 ? after : 0,
        limit: PAGE_SIZE + 1,
      });
      items = rows.slice(0, PAGE_SIZE);
      if (rows.length > PAGE_SIZE) {
        const q = new URLSearchParams({
          ...(state ? { state } : {}),
          ...(destination ? { destination } : {}),
          ...(country ? { country } : {}),
          ...(overdue ? { overdue: 'true' } : {}),
          after: String(items.at(-1)!.seq),
        });
        nextHref = `/console/handovers?${q.toString()}`;
      }
      caption = `Handovers, oldest first${after > 0 ? ' (continued)' : ''}`;
    }
    page(
      kit,
      req,
      res,
      'handovers.njk',
      {
        title: 'Handovers',
        nav: 'handovers',
        items,
        caption,
        nextHref,
        states: HANDOVER_STATES,
        destinations: DESTINATIONS,
        filters: { reportId, state: state ?? '', destination: destination ?? '', country: countryText, overdue },
        ...(problems.length ? { problem: problems.join(' ') } : {}),
      },
      problems.length ? 400 : 200,
    );
  });
  return router;
}
