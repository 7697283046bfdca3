/**
 * The figures of a period as CSV, for a spreadsheet or an annual report: the same numbers as
 * `GET /v1/stats` for the same period, one row per (scope, key, measure).
 */
import type { HandoverStats, TimingFigures } from '../../domain/handover-stats.js';

const CSV_HEADER = ['scope', 'key', 'measure', 'count', 'median_ms', 'p90_ms'] as const;

const MEASURES: readonly (keyof TimingFigures)[] = ['toDelivery', 'toAcknowledgement', 'toRemoval'];

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed so a spreadsheet never runs it as a formula. */
function cell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function statsToCsv(stats: HandoverStats): string {
  const rows: (string | number | null)[][] = [[...CSV_HEADER]];
  for (const [state, count] of Object.entries(stats.byState).sort(([a], [b]) => a.localeCompare(b)))
    rows.push(['state', state, 'handovers', count, null, null]);
  for (const [destination, states] of Object.entries(stats.byDestination).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [state, count] of Object.entries(states).sort(([a], [b]) => a.localeCompare(b)))
      rows.push(['destination_state', `${destination}/${state}`, 'handovers', count, null, null]);
  }
  const timing = (scope: string, key: string, f: TimingFigures) => {
    for (const m of MEASURES) rows.push([scope, key, m, f[m].count, f[m].medianMs, f[m].p90Ms]);
  };
  timing('all', 'all', stats.timings);
  for (const [destination, f] of Object.entries(stats.timingsByDestination)) timing('destination', destination, f);
  for (const [country, f] of Object.entries(stats.timingsByCountry)) timing('country', country, f);
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
