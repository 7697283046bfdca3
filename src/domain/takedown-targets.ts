/**
 * The marks the takedown clock reports against (TAKEDOWN_TARGETS, default `24h,60h,7d`: the
 * Dutch norm of a day, INHOPE's network average of about two and a half days, and INHOPE's
 * older week). Each mark keeps the label it was written with: it names the mark in every
 * figure (`within: { "24h": … }`). Pure.
 */

export interface TakedownMark {
  /** As written in the setting, e.g. "60h"; the key of the mark in every answer. */
  label: string;
  ms: number;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export const DEFAULT_TAKEDOWN_TARGETS = '24h,60h,7d';

/** Parses `24h,60h,7d` (minutes m, hours h, days d, weeks w), shortest first; throws on anything else. */
export function parseTakedownTargets(raw: string): TakedownMark[] {
  const labels = raw
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  if (labels.length === 0 || labels.length > 6) throw new Error('must name one to six marks, e.g. 24h,60h,7d');
  const marks = labels.map((label) => {
    const match = /^([1-9][0-9]{0,4})([mhdw])$/.exec(label);
    if (!match) throw new Error(`"${label}" is not a mark: a whole number and m, h, d or w, e.g. 60h`);
    return { label, ms: Number(match[1]) * UNIT_MS[match[2]!]! };
  });
  for (let i = 1; i < marks.length; i++) {
    if (marks[i]!.ms <= marks[i - 1]!.ms) throw new Error('marks go from the shortest to the longest, each longer than the one before');
  }
  return marks;
}

/** The last (longest) mark: a case past it with its content not known to be down is overdue for removal. */
export function lastMark(marks: readonly TakedownMark[]): TakedownMark {
  return marks[marks.length - 1]!;
}
