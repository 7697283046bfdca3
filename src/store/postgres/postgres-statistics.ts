/**
 * PostgreSQL's statistics SQL: percentile_disc is the nearest-rank percentile (the first value
 * whose cumulative share reaches the fraction), ignoring nulls, as an aggregate of the grouping
 * query itself; the percentiles of one value share one sort.
 */
import type { StatisticsDialect } from '../sql-driver.js';

export const POSTGRES_STATISTICS: StatisticsDialect = {
  nearestRankPercentiles(from, _by, values, percents) {
    return {
      from: `(${from}) AS ranked`,
      columns: values.flatMap((v) => percents.map((p) => `percentile_disc(${p / 100}) WITHIN GROUP (ORDER BY ${v}) AS ${v}_p${p}`)),
    };
  },
  monthStartMs: (epochMs) => `(EXTRACT(EPOCH FROM date_trunc('month', to_timestamp((${epochMs}) / 1000.0) AT TIME ZONE 'UTC')) * 1000)::bigint`,
};
