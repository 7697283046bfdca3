/**
 * GET /console/figures: the takedown clock for a chosen period and grouping (destination,
 * hosting country, network, source): per group the share of content down within each
 * TAKEDOWN_TARGETS mark as bars, median and p90, how many are open past each mark, the same for
 * delivery and acknowledgement, the median time to removal over time (per month or week), and
 * the other counts of a yearly report. GET /console/figures.csv: the same numbers as CSV.
 * Everything comes from the store's clock (the same as `GET /v1/stats/takedown`).
 */
import { Router, type Request } from 'express';
import type { Context } from '../../../context.js';
import {
  groupFigures,
  TAKEDOWN_GROUPINGS,
  type TakedownGroupCounts,
  type TakedownGrouping,
  type TakedownStep,
  type TakedownStepFigures,
} from '../../../domain/takedown-clock.js';
import type { TakedownMark } from '../../../domain/takedown-targets.js';
import type { TakedownQuery } from '../../../store/store.js';
import { field, page, type ConsoleKit } from '../console-request.js';
import { takedownCsv } from '../figures-csv.js';
import { chartData, medianLines, slicesOf, type Per, type Slice } from '../figures-over-time.js';

const DAY = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Lines on the chart besides "all": the groups with the most referred. */
const CHART_GROUPS = 6;

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

const GROUPINGS: Record<TakedownGrouping, { label: string; keyLabel: string; unknown: string }> = {
  destination: { label: 'destination', keyLabel: 'Destination', unknown: 'not routed (yet)' },
  country: { label: 'hosting country', keyLabel: 'Country', unknown: 'country not known' },
  network: { label: 'hosting network', keyLabel: 'Network', unknown: 'network not known' },
  source: { label: 'source', keyLabel: 'Source', unknown: 'source not known' },
};

const DESTINATION_WORDS: Record<string, string> = { police: 'police (federal police export)', inhope: 'inhope (partner hotlines via ICCAM)' };

function labelOf(groupBy: TakedownGrouping | 'all', key: string | null): string {
  if (groupBy === 'all') return 'all handovers';
  if (key === null) return GROUPINGS[groupBy].unknown;
  return groupBy === 'destination' ? (DESTINATION_WORDS[key] ?? key) : key;
}

function groupingOf(req: Request): TakedownGrouping {
  const asked = field(req.query, 'groupBy');
  return (TAKEDOWN_GROUPINGS as readonly string[]).includes(asked) ? (asked as TakedownGrouping) : 'destination';
}

const STEPS: { step: TakedownStep; title: string; reached: string }[] = [
  { step: 'removed', title: 'Content down', reached: 'Down' },
  { step: 'delivered', title: 'Delivered to the destination', reached: 'Delivered' },
  { step: 'acknowledged', title: 'Taken by the destination (acknowledged)', reached: 'Acknowledged' },
];

const percent = (share: number) => Math.round(share * 1000) / 10;

/** One row of a step's table: the group's figures for that step, shares as percentages for the bars. */
function stepRow(label: string, isTotal: boolean, referred: number, f: TakedownStepFigures, marks: readonly TakedownMark[]) {
  return {
    label,
    isTotal,
    referred,
    count: f.count,
    medianMs: f.medianMs,
    p90Ms: f.p90Ms,
    within: marks.map((m) => ({ mark: m.label, percent: percent(f.within[m.label] ?? 0) })),
    openPast: marks.map((m) => ({ mark: m.label, n: f.openPast[m.label] ?? 0 })),
  };
}

interface ClockRead {
  groupBy: TakedownGrouping;
  per: Per;
  marks: readonly TakedownMark[];
  slices: Slice[];
  total: TakedownGroupCounts | null;
  groups: TakedownGroupCounts[];
  totalPerSlice: TakedownGroupCounts[];
  groupsPerSlice: TakedownGroupCounts[];
}

/** The four readings a page (or its CSV) needs: all and per group, whole period and per slice. */
async function readClock(ctx: Context, req: Request, period: Period): Promise<ClockRead> {
  const groupBy = groupingOf(req);
  const per: Per = field(req.query, 'per') === 'week' ? 'week' : 'month';
  const marks = ctx.config.takedownTargets;
  const base: Omit<TakedownQuery, 'groupBy'> = { from: period.fromMs, to: period.toMs, marksMs: marks.map((m) => m.ms), now: ctx.clock.now().getTime() };
  const [total, groups, totalPerSlice, groupsPerSlice] = await Promise.all([
    ctx.store.takedownCounts({ ...base, groupBy: 'all' }),
    ctx.store.takedownCounts({ ...base, groupBy }),
    ctx.store.takedownCounts({ ...base, groupBy: 'all', per }),
    ctx.store.takedownCounts({ ...base, groupBy, per }),
  ]);
  return {
    groupBy,
    per,
    marks,
    slices: slicesOf({ from: period.fromMs, to: period.toMs }, per),
    total: total[0] ?? null,
    groups,
    totalPerSlice,
    groupsPerSlice,
  };
}

export function figuresRoutes(ctx: Context, kit: ConsoleKit): Router {
  const router = Router();

  router.get('/console/figures', async (req, res) => {
    const { period, problem } = periodOf(req, ctx.clock.now().getTime());
    const clock = await readClock(ctx, req, period);
    const { groupBy, marks } = clock;
    const timed = [
      ...(clock.total ? [{ label: labelOf('all', null), isTotal: true, figures: groupFigures(clock.total, marks), extra: clock.total.extra }] : []),
      ...clock.groups.map((g) => ({ label: labelOf(groupBy, g.key), isTotal: false, figures: groupFigures(g, marks), extra: g.extra })),
    ];
    const tables = STEPS.map((s) => ({
      ...s,
      rows: timed.filter((t) => t.figures.referred > 0).map((t) => stepRow(t.label, t.isTotal, t.figures.referred, t.figures[s.step], marks)),
    }));
    // A group with nothing down in the period would be an empty line.
    const charted = clock.groups
      .filter((g) => g.steps.removed.count > 0)
      .sort((a, b) => b.referred - a.referred)
      .slice(0, CHART_GROUPS);
    const lines = [
      ...medianLines(clock.totalPerSlice, clock.slices, 'removed', [{ key: 'all', label: labelOf('all', null) }]),
      ...medianLines(
        clock.groupsPerSlice,
        clock.slices,
        'removed',
        charted.map((g) => ({ key: g.key, label: labelOf(groupBy, g.key) })),
      ),
    ];
    const query = new URLSearchParams({ from: period.from, to: period.to, groupBy, per: clock.per }).toString();
    page(kit, req, res, 'figures.njk', {
      title: 'Figures: the takedown clock',
      nav: 'figures',
      period,
      per: clock.per,
      groupBy,
      grouping: GROUPINGS[groupBy],
      groupings: TAKEDOWN_GROUPINGS.map((value) => ({ value, label: GROUPINGS[value].label })),
      marks,
      referred: clock.total?.referred ?? 0,
      tables,
      extras: timed,
      chart: chartData(lines, clock.slices, clock.per, marks),
      chartRows: clock.slices.map((s, i) => ({ label: s.label, values: lines.map((l) => l.medianMs[i] ?? null) })),
      chartLines: lines.map((l) => l.label),
      csvHref: `/console/figures.csv?${query}`,
      ...(problem ? { problem } : {}),
    });
  });

  router.get('/console/figures.csv', async (req, res) => {
    const { period } = periodOf(req, ctx.clock.now().getTime());
    const clock = await readClock(ctx, req, period);
    const csv = takedownCsv({
      groupBy: clock.groupBy,
      marks: clock.marks,
      period,
      whole: [...(clock.total ? [{ groupBy: 'all', group: clock.total }] : []), ...clock.groups.map((group) => ({ groupBy: clock.groupBy, group }))],
      perSlice: [
        ...clock.totalPerSlice.map((group) => ({ groupBy: 'all', group })),
        ...clock.groupsPerSlice.map((group) => ({ groupBy: clock.groupBy, group })),
      ],
      slices: clock.slices,
    });
    res.type('text/csv; charset=utf-8').attachment(`takedown-clock-by-${clock.groupBy}-${period.from}-to-${period.to}.csv`).send(csv);
  });
  return router;
}
