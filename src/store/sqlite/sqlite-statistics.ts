/**
 * SQLite's statistics SQL. The bundled SQLite's own percentile functions (where compiled in)
 * interpolate or round down, not nearest rank, so the rank is counted with window functions:
 * ROW_NUMBER over each group's values in order (nulls last), and the row whose number is
 * ceil(p × n / 100) (integer arithmetic: (n × p + 99) / 100) holds the percentile; the
 * grouping query picks it out with MAX(CASE …).
 */
import type { StatisticsDialect } from '../sql-driver.js';

export const SQLITE_STATISTICS: StatisticsDialect = {
  nearestRankPercentiles(from, by, values, percents) {
    const partition = `PARTITION BY ${by.join(', ')}`;
    const ranks = values.map((v) => `ROW_NUMBER() OVER (${partition} ORDER BY ${v} NULLS LAST) AS ${v}_rn, COUNT(${v}) OVER (${partition}) AS ${v}_n`);
    return {
      from: `(SELECT *, ${ranks.join(', ')} FROM (${from}) AS unranked) AS ranked`,
      columns: values.flatMap((v) => percents.map((p) => `MAX(CASE WHEN ${v}_rn = (${v}_n * ${p} + 99) / 100 THEN ${v} END) AS ${v}_p${p}`)),
    };
  },
  monthStartMs: (epochMs) => `CAST(strftime('%s', (${epochMs}) / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000`,
};
