/**
 * The takedown clock's queries (contract §3 `GET /v1/stats/takedown`, the escalation of cases
 * past the last mark, back-office observations), each named for what it does. Every figure is
 * counted and ranked in SQL over the handovers of a period, never by loading the rows into the
 * process: the clock must answer at a year's volume (a million handovers). What the dialects
 * compute differently (percentiles, calendar months) comes from the driver's StatisticsDialect.
 *
 * Queries read a handover as `h` and its referral as `r` unless they say otherwise.
 */
import { LIVE_STATES } from '../domain/handover-states.js';
import type { TakedownGrouping } from '../domain/takedown-clock.js';
import { HANDOVER_COLUMNS, HANDOVER_FROM } from './handover-queries.js';
import type { Query, StatisticsDialect } from './sql-driver.js';

/** Which table aliases hold the handover and its referral in a query that uses these expressions. */
interface Aliases {
  h: string;
  r: string;
}
const HR: Aliases = { h: 'h', r: 'r' };

/**
 * When the takedown clock starts: the referral's arrival here, or for content a partner handed to
 * Belgium through ICCAM, ICCAM's assignment of it to the home country (the time the hotline
 * became answerable for it). Every figure, the escalation and the console go through this one
 * expression.
 */
const clockStart = (a: Aliases = HR): string => `COALESCE(${a.r}.country_assignment_date, ${a.r}.created_at)`;

/** Where the case came from, `backoffice` or `iccam` (the clock's `source` grouping). */
const clockSource = (a: Aliases = HR): string => `${a.r}.source`;

/** Per grouping, the SQL that gives a handover's group. */
const GROUP_KEY: Record<TakedownGrouping | 'all', (a: Aliases) => string> = {
  destination: (a) => `${a.h}.destination`,
  // An ICCAM case counts under the country ICCAM assigned it to; any other under its hosting country.
  country: (a) => `COALESCE(${a.h}.assigned_country, ${a.h}.country)`,
  network: (a) => `${a.h}.hosting_asn`,
  source: clockSource,
  all: () => `'all'`,
};

const WEEK_MS = 7 * 86_400_000;
/** 1970-01-01 was a Thursday: ISO weeks (from Monday) start three days before each epoch week. */
const MONDAY_OFFSET_MS = 3 * 86_400_000;

/** The start (epoch ms, UTC) of the week or calendar month holding `start`; 0 without a period. */
function periodStart(per: ClockQuery['per'], start: string, stats: StatisticsDialect): string {
  if (per === 'week') return `((${start} + ${MONDAY_OFFSET_MS}) / ${WEEK_MS}) * ${WEEK_MS} - ${MONDAY_OFFSET_MS}`;
  if (per === 'month') return stats.monthStartMs(start);
  return '0';
}

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
/** States in which a case can still reach a step it has not reached: the open ones. */
const OPEN = inList(LIVE_STATES);

export interface ClockQuery {
  groupBy: TakedownGrouping | 'all';
  /** Also per week or calendar month of the clock's start (UTC); null: the whole period at once. */
  per: 'week' | 'month' | null;
  /** [from, to): the clock's start, epoch ms. */
  from: number;
  to: number;
  /** The marks, shortest first, in ms. */
  marksMs: readonly number[];
  /** For "open past a mark": how long ago a case started is measured from now. */
  now: number;
}

/** Each step of the clock and the column whose time stops it. */
const STEP_COLUMNS = { delivered: 'delivered_at', acknowledged: 'acknowledged_at', removed: 'content_removed_at' } as const;

/** The percents the clock reports: the median and p90. */
const CLOCK_PERCENTS = [50, 90] as const;

/**
 * The handovers whose clock started in the period, duplicates left out (they are not cases of
 * their own): one row each, with its group, period, state and the time from the start to each
 * step (`<step>_ms`, null while not reached).
 */
function population(q: ClockQuery, stats: StatisticsDialect): Query {
  const start = clockStart();
  const durations = Object.entries(STEP_COLUMNS).map(([step, column]) => `h.${column} - ${start} AS ${step}_ms`);
  return {
    sql: `SELECT ${GROUP_KEY[q.groupBy](HR)} AS group_key, ${periodStart(q.per, start, stats)} AS bucket, ${start} AS started_at, ${durations.join(', ')},
        h.state, h.reappearance_of, h.removal_overdue_at, h.overdue_at
      FROM ${HANDOVER_FROM}
      WHERE h.state <> 'duplicate' AND ${start} >= ? AND ${start} < ?`,
    params: [q.from, q.to],
  };
}

/**
 * Per group (and period), in one pass over the period's handovers: how many were referred; per
 * step how many reached it, the nearest-rank median and p90 of the time it took, how many within
 * each mark, how many are open past each mark; and the counts a yearly report also gives.
 * Columns: group_key, bucket, referred, <step>_count, <step>_ms_p50, <step>_ms_p90,
 * <step>_within_<i>, <step>_open_<i>, reappearances, failed, needs_review, removal_overdue,
 * ack_overdue, closed_without_removal.
 */
export function countClock(q: ClockQuery, stats: StatisticsDialect): Query {
  const select: string[] = [];
  const params: unknown[] = [];
  for (const step of Object.keys(STEP_COLUMNS)) {
    const ms = `${step}_ms`;
    select.push(`COUNT(${ms}) AS ${step}_count`);
    q.marksMs.forEach((mark, i) => {
      select.push(`SUM(CASE WHEN ${ms} <= ? THEN 1 ELSE 0 END) AS ${step}_within_${i}`);
      params.push(mark);
    });
    q.marksMs.forEach((mark, i) => {
      select.push(`SUM(CASE WHEN ${ms} IS NULL AND state IN (${OPEN}) AND started_at < ? THEN 1 ELSE 0 END) AS ${step}_open_${i}`);
      params.push(q.now - mark);
    });
  }
  const pop = population(q, stats);
  const ranked = stats.nearestRankPercentiles(
    pop.sql,
    ['group_key', 'bucket'],
    Object.keys(STEP_COLUMNS).map((step) => `${step}_ms`),
    CLOCK_PERCENTS,
  );
  return {
    sql: `SELECT group_key, bucket, COUNT(*) AS referred, ${select.join(', ')}, ${ranked.columns.join(', ')},
        SUM(CASE WHEN reappearance_of IS NOT NULL THEN 1 ELSE 0 END) AS reappearances,
        SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) AS failed,
        SUM(CASE WHEN state = 'needs_review' THEN 1 ELSE 0 END) AS needs_review,
        SUM(CASE WHEN removal_overdue_at IS NOT NULL THEN 1 ELSE 0 END) AS removal_overdue,
        SUM(CASE WHEN overdue_at IS NOT NULL THEN 1 ELSE 0 END) AS ack_overdue,
        SUM(CASE WHEN state = 'closed' AND removed_ms IS NULL THEN 1 ELSE 0 END) AS closed_without_removal
      FROM ${ranked.from}
      GROUP BY group_key, bucket`,
    params: [...params, ...pop.params],
  };
}

/**
 * Reports of a URL already in hand whose own clock would have started in the period, per group
 * of the case that carries them (and period of their own arrival). Columns: group_key, bucket,
 * duplicates.
 */
export function countDuplicates(q: ClockQuery, stats: StatisticsDialect): Query {
  const own = clockStart({ h: 'd', r: 'dr' });
  return {
    sql: `SELECT ${GROUP_KEY[q.groupBy](HR)} AS group_key, ${periodStart(q.per, own, stats)} AS bucket, COUNT(*) AS duplicates
      FROM handovers d JOIN referrals dr ON dr.id = d.referral_id JOIN handovers h ON h.id = d.duplicate_of JOIN referrals r ON r.id = h.referral_id
      WHERE d.state = 'duplicate' AND ${own} >= ? AND ${own} < ?
      GROUP BY group_key, bucket`,
    params: [q.from, q.to],
  };
}

/**
 * What `GET /v1/stats` and the daily summary summarise, per handover whose clock started in
 * [?, ?): its state and the times that stop the clock (the same start and stops as above).
 */
export const SELECT_TIMINGS = `SELECT h.state, h.destination, h.country, ${clockStart()} AS started_at, h.delivered_at, h.acknowledged_at,
    h.content_removed_at, h.closed_at, h.outcome, h.overdue_at
  FROM ${HANDOVER_FROM} WHERE ${clockStart()} >= ? AND ${clockStart()} < ?`;

// ---------------------------------------------------------------- escalation

/**
 * Handed over, content not known to be down, not yet flagged, and started at or before the
 * bound (params: the bound, a limit), oldest first. The literal states and nulls match the
 * partial index handovers_removal_pending, which holds exactly these rows.
 */
export const SELECT_REMOVAL_PENDING = `SELECT h.id, h.destination, ${clockStart()} AS started_at FROM ${HANDOVER_FROM}
  WHERE h.state IN ('delivered', 'acknowledged') AND h.content_removed_at IS NULL AND h.removal_overdue_at IS NULL AND ${clockStart()} <= ?
  ORDER BY h.seq LIMIT ?`;

/** The cases to chase (partial index handovers_removal_overdue): flagged, still handed over, content not known to be down. */
const REMOVAL_OVERDUE = `h.state IN ('delivered', 'acknowledged') AND h.content_removed_at IS NULL AND h.removal_overdue_at IS NOT NULL`;

export const COUNT_REMOVAL_OVERDUE_BY_DESTINATION = `SELECT h.destination, COUNT(*) AS n FROM handovers h WHERE ${REMOVAL_OVERDUE}
  GROUP BY h.destination ORDER BY h.destination`;

/** The newest row of a handover's acknowledgements or audit events that matches, for what was last heard. */
const newestAck = (column: string, where = '') => `(SELECT a.${column} FROM acknowledgements a WHERE a.handover_id = h.id${where} ORDER BY a.id DESC LIMIT 1)`;
const newestEvent = (column: string, kind: string) =>
  `(SELECT e.${column} FROM audit_events e WHERE e.handover_id = h.id AND e.kind = '${kind}' ORDER BY e.seq DESC LIMIT 1)`;

/**
 * The cases to chase, oldest clock first, with what was last heard of each: the destination's
 * last word (status, when), the reference it gave (the police case number), the back office's
 * last observation and the last chase a supervisor noted.
 */
export function listRemovalOverdue(filter: { destination?: string; limit: number }): Query {
  const where = [REMOVAL_OVERDUE];
  const params: unknown[] = [];
  if (filter.destination) {
    where.push('h.destination = ?');
    params.push(filter.destination);
  }
  params.push(filter.limit);
  return {
    sql: `SELECT ${HANDOVER_COLUMNS}, ${clockStart()} AS clock_started_at,
        ${newestAck('status')} AS last_ack_status, ${newestAck('received_at')} AS last_ack_at,
        ${newestAck('reference', ' AND a.reference IS NOT NULL AND a.applied = TRUE')} AS destination_reference,
        ${newestEvent('data', 'observation')} AS last_observation,
        ${newestEvent('at', 'removal_chase')} AS last_chase_at, ${newestEvent('reason', 'removal_chase')} AS last_chase_note
      FROM ${HANDOVER_FROM} WHERE ${where.join(' AND ')}
      ORDER BY clock_started_at, h.seq LIMIT ?`,
    params,
  };
}

// ---------------------------------------------------------------- observations

/** What the back office observed of a handover so far (the data of its `observation` events). */
export const SELECT_OBSERVATIONS_OF_HANDOVER = `SELECT data FROM audit_events WHERE handover_id = ? AND kind = 'observation' ORDER BY seq`;
