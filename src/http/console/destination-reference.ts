/**
 * One destination reference per case, the one to quote to the destination, with what it is
 * and, labelled, the others the destination gave: the police give a receipt for the export
 * and later their own case number; ICCAM a report id and the content item our URL became.
 * Shown together, never as two bare values that seem to disagree.
 */
import type { AckRecord, HandoverRecord } from '../../store/store.js';

export interface ReferenceView {
  reference: string;
  /** What it is, in words ("the police case number"). */
  what: string;
  /** The destination's other reference, labelled ("export receipt R-1"), or null. */
  also: string | null;
}

export function destinationReference(
  h: Pick<HandoverRecord, 'destination' | 'reference' | 'secondaryReference'>,
  acks: readonly AckRecord[],
): ReferenceView | null {
  if (h.destination === 'police') {
    const caseNumber = acks.filter((a) => a.destination === 'police' && a.applied && a.reference).at(-1)?.reference ?? null;
    if (caseNumber) return { reference: caseNumber, what: 'the police case number', also: h.reference ? `export receipt ${h.reference}` : null };
    return h.reference ? { reference: h.reference, what: 'the police export’s receipt (no case number yet)', also: null } : null;
  }
  if (!h.reference) return null;
  if (h.destination === 'inhope') {
    return { reference: h.reference, what: 'the ICCAM report id', also: h.secondaryReference ? `content item ${h.secondaryReference}` : null };
  }
  return { reference: h.reference, what: 'the destination’s reference', also: h.secondaryReference };
}
