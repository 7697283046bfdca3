/**
 * GET /console/figures: time to delivery, acknowledgement and removal for a chosen period, as
 * charts over time (median, p90, counts) and as tables per destination and hosting country.
 * GET /console/figures.csv: the same period's numbers as `GET /v1/stats` gives them, as CSV.
 */
import { Router, type Request } from 'express';
import type { Context } from '../../../context.js';
import { computeHandoverStats, type TimingFigures } from '../../../domain/handover-stats.js';
import { field, page, type ConsoleKit } from '../console-request.js';
import { statsToCsv } from '../figures-csv.js';
import { figuresOverTime, type Bucket, type FiguresGroup } from '../figures-over-time.js';

const DAY = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

interface Period {
  from: string;
  to: string;
  /** [fromMs, toMs): `to` is inclusive as a date, so the range ends at the next midnight. */
  fromMs: number;
  toMs: number;
}

/** The period asked for, or the last twelve calendar months up to today (UTC). */
function periodOf(req: Request, now: number): { period: Period; problem: string | null } {
  const today = new Date(now).toISOString().slice(0, 10);
  const t = new Date(now);
  const defaultFrom = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() - 11, 1)).toISOString().slice(0, 10);
  let from = field(req.query, 'from') || defaultFrom;
  let to = field(req.query, 'to') || today;
  let problem: string | null = null;
  if (!DATE.test(from) || Number.isNaN(Date.parse(from)) || !DATE.test(to) || Number.isNaN(Date.parse(to))) {
    problem = 'Dates are written YYYY-MM-DD; showing the last twelve months.';
    from = defaultFrom;
    to = today;
  } else if (Date.parse(to) < Date.parse(from)) {
    problem = 'The period ends before it starts; the dates were swapped.';
    [from, to] = [to, from];
  }
  return { period: { from, to, fromMs: Date.parse(`${from}T00:00:00Z`), toMs: Date.parse(`${to}T00:00:00Z`) + DAY }, problem };
}

function groupOf(value: string): FiguresGroup {
  const [kind, key] = value.split(':');
  if (kind === 'destination' && key) return { kind: 'destination', value: key };
  if (kind === 'country' && key && /^[A-Z]{2}$/.test(key)) return { kind: 'country', value: key };
  return { kind: 'all' };
}

const MEASURES: { key: keyof TimingFigures; title: string }[] = [
  { key: 'toDelivery', title: 'Time to delivery' },
  { key: 'toAcknowledgement', title: 'Time to acknowledgement' },
  { key: 'toRemoval', title: 'Time to removal' },
];

const hours = (ms: number | null) => (ms === null ? null : Math.round((ms / 3_600_000) * 100) / 100);

export function figuresRoutes(ctx: Context, kit: ConsoleKit): Router {
  const router = Router();

  router.get('/console/figures', async (req, res) => {
    const { period, problem } = periodOf(req, ctx.clock.now().getTime());
    const bucket: Bucket = field(req.query, 'bucket') === 'week' ? 'week' : 'month';
    const groupValue = field(req.query, 'group') || 'all';
    const group = groupOf(groupValue);
    const rows = await ctx.store.listTimings({ from: period.fromMs, to: period.toMs });
    const stats = computeHandoverStats(rows);
    const slices = figuresOverTime(rows, { from: period.fromMs, to: period.toMs }, bucket, group);
    const charts = MEASURES.map((m) => ({
      key: m.key,
      title: m.title,
      data: {
        // Half a slice of margin each side, so the first and last bars are drawn whole.
        pad: (bucket === 'week' ? 3.5 : 15) * 86_400,
        x: slices.map((s) => s.start / 1000),
        median: slices.map((s) => hours(s.figures[m.key].medianMs)),
        p90: slices.map((s) => hours(s.figures[m.key].p90Ms)),
        count: slices.map((s) => s.figures[m.key].count),
      },
      rows: slices.map((s) => ({ label: s.label, ...s.figures[m.key] })),
    }));
    const groups = [
      { value: 'all', label: 'all' },
      ...Object.keys(stats.timingsByDestination).map((d) => ({ value: `destination:${d}`, label: `destination ${d}` })),
      ...Object.keys(stats.timingsByCountry).map((c) => ({ value: `country:${c}`, label: `hosted in ${c}` })),
    ];
    page(kit, req, res, 'figures.njk', {
      title: 'Figures',
      nav: 'figures',
      period,
      bucket,
      group: groupValue,
      groups,
      stats,
      charts,
      tables: [
        { key: 'destination', title: 'Per destination', keyLabel: 'Destination', figures: stats.timingsByDestination },
        { key: 'country', title: 'Per hosting country', keyLabel: 'Country', figures: stats.timingsByCountry },
      ],
      csvHref: `/console/figures.csv?${new URLSearchParams({ from: period.from, to: period.to }).toString()}`,
      ...(problem ? { problem } : {}),
    });
  });

  router.get('/console/figures.csv', async (req, res) => {
    const { period } = periodOf(req, ctx.clock.now().getTime());
    const rows = await ctx.store.listTimings({ from: period.fromMs, to: period.toMs });
    res
      .type('text/csv; charset=utf-8')
      .attachment(`handover-figures-${period.from}-to-${period.to}.csv`)
      .send(statsToCsv(computeHandoverStats(rows)));
  });
  return router;
}
