/**
 * Content partner hotlines hand to the home country through ICCAM (contract §4 Inbound): what
 * a partner item carries, what our analyst decided, what ICCAM has been told — and, derived from
 * those and the handover's state alone, what ICCAM is still owed. Deriving the messages from the
 * state (rather than queueing them when something happens) lets them compose with whatever moves
 * the case on: the dispatcher, the police's status, an observation, a supervisor. Pure.
 */
import type { Destination } from './decision.js';
import type { HandoverState } from './handover-states.js';
import type { IccamActionWord, IccamClassificationWord, NotIllegalReason } from './iccam-words.js';
import type { Classification } from './referral.js';

/** Where a referral came from. */
export type ReferralSource = 'backoffice' | 'iccam';

/** ICCAM's last assessment of a partner item, as it was when the item was taken in. */
export interface PartnerAssessment {
  /** Our word for ICCAM's classification (null: none, or a name we do not know). */
  classification: IccamClassificationWord | null;
  /** ICCAM's own names, for people (null when ICCAM gave none). */
  classificationName: string | null;
  ageName: string | null;
  genderName: string | null;
}

/** The Belgian analyst's assessment of a partner item (contract §3 assessment). */
export type HotlineAssessment =
  | { illegal: true; classification: Classification; at: number; by: string }
  | { illegal: false; reason: NotIllegalReason; note: string | null; at: number; by: string };

/** What ICCAM is told about a partner item, one message each, in this order. */
export type IccamMessage = 'reference' | 'assessment' | Exclude<IccamActionWord, 'ReportedToISP' | 'Moved'>;

/** What ICCAM has been told, and when (ms); refusals counted; what was left to a person. */
export interface IccamTold {
  /** Our hotline reference (the handover id) is set on the content: the item is claimed. */
  reference?: { at: number };
  /** Sent; or found already there (an answer lost); or not sent, ICCAM no longer holding a National one. */
  assessment?: { at: number; skipped?: string; found?: boolean };
  /** Each action type once: sent by us, or found already there (`found`: a lost answer, or another's). */
  actions?: Partial<Record<IccamActionWord, { at: number; found: boolean }>>;
  refusals?: Partial<Record<IccamMessage, number>>;
  /** Refused too often: a person sees it (the "From partners" page, the story). */
  gaveUp?: Partial<Record<IccamMessage, { at: number; detail: string }>>;
  /** ICCAM assigned the content to another country: it is that country's now, and told nothing more. */
  followed?: { country: string; at: number };
}

/** ICCAM refusing one message this many times leaves it to a person. */
export const ICCAM_MESSAGE_TRIES = 3;

/** What the derivation reads of a handover. */
export interface InboundFacts {
  state: HandoverState;
  outcome: string | null;
  destination: Destination | null;
  deliveredAt: number | null;
  partnerAssessment: PartnerAssessment | null;
  hotlineAssessment: HotlineAssessment | null;
  iccamTold: IccamTold | null;
}

/** An action back, with the reason ICCAM wants for action ids above 3. */
export interface DueAction {
  message: IccamMessage;
  /** The action-reason word (Unavailable: not_found; NotIllegal: the analyst's reason). */
  reason?: NotIllegalReason;
}

const FINAL_STATES: readonly HandoverState[] = ['closed', 'cancelled'];

/**
 * The messages ICCAM is still owed for a partner item, in the order they go: the reference
 * first (nothing else before the item is claimed), then the assessment (only National may be
 * overruled), then what became of it — reported to the police, removed or unavailable, or not
 * illegal here. A duplicate entry is owed what its carrier's case came to (`carrier`).
 */
export function dueIccamMessages(own: InboundFacts, carrier: InboundFacts | null = null): DueAction[] {
  const told = own.iccamTold ?? {};
  const done = (m: IccamMessage) =>
    told.gaveUp?.[m] !== undefined || (m === 'reference' ? told.reference : m === 'assessment' ? told.assessment : told.actions?.[m]);
  if (!told.reference) return [{ message: 'reference' }];
  if (told.followed) return [];
  const due: DueAction[] = [];
  if (own.hotlineAssessment?.illegal === true && own.partnerAssessment?.classification === 'national' && !done('assessment'))
    due.push({ message: 'assessment' });
  const c = carrier ?? own;
  if (c.destination === 'police' && c.deliveredAt !== null && c.state !== 'routed' && c.state !== 'delivering') due.push({ message: 'ReportedToLEA' });
  if (c.state === 'closed' && c.outcome === 'removed') due.push({ message: 'Removed' });
  if (c.state === 'closed' && c.outcome === 'unavailable') due.push({ message: 'Unavailable', reason: 'not_found' });
  const verdict = c.hotlineAssessment;
  if (c.state === 'closed' && c.outcome === 'not_illegal' && verdict?.illegal === false) {
    due.push(verdict.reason === 'not_found' ? { message: 'Unavailable', reason: 'not_found' } : { message: 'NotIllegal', reason: verdict.reason });
  }
  return due.filter((d) => !done(d.message));
}

/** Owed nothing more: its case is over (or its carrier's is) and every message went, or went to a person. */
export function inboundSettled(own: InboundFacts, carrier: InboundFacts | null = null): boolean {
  if (own.iccamTold?.followed) return true;
  const over = own.state === 'duplicate' ? carrier !== null && FINAL_STATES.includes(carrier.state) : FINAL_STATES.includes(own.state);
  return over && own.iccamTold?.reference !== undefined && dueIccamMessages(own, carrier).length === 0;
}

/** ICCAM's reasonText for an action: the analyst's note, else the reason in words. */
export function reasonText(reason: NotIllegalReason, note: string | null): string {
  if (note) return note;
  const words: Record<NotIllegalReason, string> = {
    adult: 'Adult pornography: not illegal in Belgium',
    age_over_threshold: 'Age over the national threshold',
    below_threshold: 'Does not meet the threshold for illegality in Belgium',
    virtual: 'Virtual material',
    not_found: 'Content not found',
    other: 'Not illegal in Belgium',
  };
  return words[reason];
}
