/**
 * SQLite's statistics SQL. The bundled SQLite's own percentile functions (where compiled in)
 * interpolate or round down, not nearest rank, so the rank is counted with window functions:
 * ROW_NUMBER over each partition's values in order, and the row whose number is
 * ceil(p × n / 100) (integer arithmetic: (n × p + 99) / 100) holds the percentile.
 */
import type { StatisticsDialect } from '../sql-driver.js';

export const SQLITE_STATISTICS: StatisticsDialect = {
  nearestRankPercentiles(from, partition, value, percents) {
    const by = partition.join(', ');
    const picks = percents.map((p) => `MAX(CASE WHEN rn = (n * ${p} + 99) / 100 THEN v END) AS p${p}`).join(', ');
    return `SELECT ${by}, ${picks} FROM (
      SELECT ${by}, ${value} AS v, ROW_NUMBER() OVER (PARTITION BY ${by} ORDER BY ${value}) AS rn, COUNT(*) OVER (PARTITION BY ${by}) AS n
        FROM ${from} WHERE ${value} IS NOT NULL) AS ranked
      GROUP BY ${by}`;
  },
  monthStartMs: (epochMs) => `CAST(strftime('%s', (${epochMs}) / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000`,
};
