/**
 * A handover's state in the words the console shows: one line per state, so a new state is one
 * more line here (the type makes it required). A state this table does not know is shown as
 * its code with spaces, never hidden.
 */
import type { HandoverState } from '../../domain/handover-states.js';

const STATE_WORDS: Readonly<Record<HandoverState, string>> = {
  locating: 'locating',
  needs_review: 'needs review',
  routed: 'routed',
  delivering: 'delivering',
  delivered: 'delivered',
  acknowledged: 'acknowledged',
  closed: 'closed',
  failed: 'failed',
  cancelled: 'cancelled',
  duplicate: 'duplicate',
  awaiting_assessment: 'awaiting assessment',
};

export function stateInWords(state: string): string {
  return (STATE_WORDS as Record<string, string>)[state] ?? state.replace(/_/g, ' ');
}
