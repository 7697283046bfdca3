/**
 * The overview's codes in words: a destination's circuit breaker, and the jobs' cron schedules
 * (node-cron's five fields, or six with seconds first), written out by cronstrue.
 */
import cronstrue from 'cronstrue';

const CIRCUIT_WORDS: Readonly<Record<string, string>> = {
  closed: 'working normally',
  open: 'paused after repeated failures',
  'half-open': 'trying one delivery to see whether it works again',
};

export function circuitInWords(state: string): string {
  return CIRCUIT_WORDS[state] ?? state;
}

/** "Every 5 seconds", "At 06:00"; a schedule cronstrue cannot read is shown as it is. */
export function scheduleInWords(cron: string | null): string {
  if (!cron) return 'not scheduled here';
  try {
    return cronstrue.toString(cron, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    return cron;
  }
}
