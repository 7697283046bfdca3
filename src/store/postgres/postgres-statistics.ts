/**
 * PostgreSQL's statistics SQL: percentile_disc is the nearest-rank percentile (the first value
 * whose cumulative share reaches the fraction), ignoring nulls, computed in one aggregate.
 */
import type { StatisticsDialect } from '../sql-driver.js';

export const POSTGRES_STATISTICS: StatisticsDialect = {
  nearestRankPercentiles(from, partition, value, percents) {
    const by = partition.join(', ');
    const picks = percents.map((p) => `percentile_disc(${p / 100}) WITHIN GROUP (ORDER BY ${value}) AS p${p}`).join(', ');
    return `SELECT ${by}, ${picks} FROM ${from} WHERE ${value} IS NOT NULL GROUP BY ${by}`;
  },
  monthStartMs: (epochMs) => `(EXTRACT(EPOCH FROM date_trunc('month', to_timestamp((${epochMs}) / 1000.0) AT TIME ZONE 'UTC')) * 1000)::bigint`,
};
