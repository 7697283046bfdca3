/**
 * GET /console/handovers: search, or list by state, destination, country and overdue with
 * cursor paging (the API's filters, as a form). The search box takes what a person has at hand:
 * a handover's full id (it opens its story), its short id as the console shows it, a report id
 * in any case and in part, or a host (a URL, defanged or not, names its host; a domain finds
 * the names under it too). The filters narrow a search as they narrow the list.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Context } from '../../../context.js';
import { DESTINATIONS, type Destination } from '../../../domain/decision.js';
import { HANDOVER_STATES, isHandoverState, type HandoverState } from '../../../domain/handover-states.js';
import { hostSearchKeyOfInput } from '../../../domain/host-search-key.js';
import type { HandoverRecord } from '../../../store/store.js';
import { field, page, type ConsoleKit } from '../console-request.js';

const PAGE_SIZE = 50;
/** A search shows at most this many handovers (the newest referrals first); narrow it to see others. */
const SEARCH_LIMIT = 200;
const uuid = z.uuid();
/** The short id the console shows: the last 8 hex digits, perhaps with its leading ellipsis. */
const SHORT_ID = /^(?:…|\.\.\.)?([0-9a-f]{8})$/i;

interface Filters {
  state?: HandoverState | undefined;
  destination?: Destination | undefined;
  country?: string | undefined;
  overdue: boolean;
}

const passes = (h: HandoverRecord, f: Filters) =>
  (!f.state || h.state === f.state) &&
  (!f.destination || h.destination === f.destination) &&
  (!f.country || h.country === f.country) &&
  (!f.overdue || h.overdueAt !== null);

/** Every handover the text may name, each with how it was found; the first way that found it wins. */
async function search(ctx: Context, text: string): Promise<{ items: HandoverRecord[]; foundBy: Map<string, string> }> {
  const foundBy = new Map<string, string>();
  const items: HandoverRecord[] = [];
  const add = (found: HandoverRecord[], how: string) => {
    for (const h of found) {
      if (foundBy.has(h.id)) continue;
      foundBy.set(h.id, how);
      items.push(h);
    }
  };
  const short = SHORT_ID.exec(text)?.[1];
  if (short) add(await ctx.store.searchHandovers({ by: 'shortId', shortId: short }, SEARCH_LIMIT), 'short id');
  add(await ctx.store.searchHandovers({ by: 'reportId', text }, SEARCH_LIMIT), 'report id');
  const hostKey = hostSearchKeyOfInput(text);
  if (hostKey) add(await ctx.store.searchHandovers({ by: 'host', hostKey }, SEARCH_LIMIT), 'host');
  return { items: items.slice(0, SEARCH_LIMIT), foundBy };
}

export function handoverListRoutes(ctx: Context, kit: ConsoleKit): Router {
  const router = Router();
  router.get('/console/handovers', async (req, res) => {
    const q = field(req.query, 'q').trim().slice(0, 300);
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
    const filters: Filters = { state, destination, country, overdue };

    let items: HandoverRecord[];
    let foundBy: Map<string, string> | null = null;
    let nextHref: string | null = null;
    let caption: string;
    if (q && uuid.safeParse(q.toLowerCase()).success) {
      const found = await ctx.store.getHandover(q.toLowerCase());
      if (found) return res.redirect(303, `/console/handovers/${found.id}`);
      items = [];
      caption = `No handover has the id ${q}`;
    } else if (q) {
      const result = await search(ctx, q);
      items = result.items.filter((h) => passes(h, filters));
      foundBy = result.foundBy;
      const hidden = result.items.length - items.length;
      caption = `${items.length} handover${items.length === 1 ? '' : 's'} found for “${q}”${hidden > 0 ? ` (${hidden} more outside the filters)` : ''}${result.items.length >= SEARCH_LIMIT ? `; the first ${SEARCH_LIMIT} are shown` : ''}`;
    } else if (reportId) {
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
        const next = new URLSearchParams({
          ...(state ? { state } : {}),
          ...(destination ? { destination } : {}),
          ...(country ? { country } : {}),
          ...(overdue ? { overdue: 'true' } : {}),
          after: String(items.at(-1)!.seq),
        });
        nextHref = `/console/handovers?${next.toString()}`;
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
        foundBy: foundBy ? Object.fromEntries(foundBy) : null,
        caption,
        nextHref,
        states: HANDOVER_STATES,
        destinations: DESTINATIONS,
        filters: { q, state: state ?? '', destination: destination ?? '', country: countryText, overdue },
        ...(problems.length ? { problem: problems.join(' ') } : {}),
      },
      problems.length ? 400 : 200,
    );
  });
  return router;
}
