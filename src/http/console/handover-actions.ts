/**
 * The supervisor's actions on one handover, as a table: which states each may start from, the
 * fields its form asks for, and the service it calls (the same services as the API; the console
 * decides nothing itself). A new action is one more entry here and, when it asks for a new
 * kind of field, one more field in macros.njk's actionForms.
 */
import { z } from 'zod';
import type { Context } from '../../context.js';
import { DESTINATIONS } from '../../domain/decision.js';
import { canTransition, type HandoverState } from '../../domain/handover-states.js';
import { DESTINATION_NAMES, missingForDestination } from '../../domain/routing/destination-needs.js';
import { reasonText } from '../../domain/plain-text.js';
import { cancelHandover, retryFailed, routeByHand } from '../../services/supervisor-actions.js';
import { lookAgain } from '../../services/look-again.js';
import { deliveryOutcomeUnknown } from '../../services/resend-guard.js';
import { resolveHandover } from '../../services/resolve-handover.js';
import { splitDuplicate } from '../../services/split-duplicate.js';
import type { AttemptRecord, HandoverRecord } from '../../store/store.js';
import { refusedForGood } from './failure-kinds.js';

const reason = reasonText('Give a reason of at least 3 characters.');

type ActionField = 'destination' | 'country' | 'reference' | 'reason';

/** What besides the handover row decides which actions are offered. */
export interface ActionFacts {
  /** Its latest delivery attempt, when the page has read it (a failed case's refusal is there). */
  lastAttempt?: AttemptRecord | null;
}

/** The confirmation box of a `sendsAgain` action, ticked. */
const resendBox = z
  .string()
  .optional()
  .transform((v) => v === 'yes');

export interface HandoverAction {
  name: string;
  label: string;
  /** One line on what it does, shown above the form. */
  help: string;
  /** The transition it makes, checked against the state machine (contract §1). */
  to: HandoverState;
  from: readonly HandoverState[];
  /** Form fields, in order; `reference` is the destination's own reference (for `resolve`). */
  fields: readonly ActionField[];
  /**
   * It ends in sending the case (again): on a case whose delivery outcome is unknown the form
   * warns and asks for the supervisor's confirmation (the `resend` box), as the services demand.
   */
  sendsAgain?: boolean;
  schema: z.ZodType<Record<string, unknown>>;
  /** Offered only when this holds too (e.g. resolve: only for an unknown delivery outcome). */
  onlyIf?: (h: HandoverRecord, facts: ActionFacts) => boolean;
  run(ctx: Context, id: string, input: Record<string, unknown>, actor: string): Promise<HandoverRecord>;
}

const HANDOVER_ACTIONS: readonly HandoverAction[] = [
  {
    name: 'route',
    label: 'Route by hand',
    help: 'Send it to the destination you choose; recorded as an override with your reason.',
    to: 'routed',
    from: ['needs_review', 'failed'],
    fields: ['destination', 'country', 'reason'],
    sendsAgain: true,
    schema: z.object({
      resend: resendBox,
      destination: z.enum(DESTINATIONS as ['police', 'inhope'], { message: 'Choose a destination.' }),
      country: z
        .string()
        .trim()
        .transform((c) => c.toUpperCase())
        .pipe(z.union([z.literal(''), z.string().regex(/^[A-Z]{2}$/, 'A country is two letters, e.g. BE.')]))
        .optional(),
      reason,
    }),
    run: (ctx, id, input, actor) =>
      routeByHand(
        ctx,
        id,
        {
          destination: input.destination as 'police' | 'inhope',
          country: (input.country as string | undefined) || undefined,
          reason: input.reason as string,
          resend: input.resend as boolean,
        },
        actor,
      ),
  },
  {
    name: 'look-again',
    label: 'Look again',
    help: 'Gather the hosting evidence afresh and decide again.',
    to: 'locating',
    from: ['needs_review'],
    fields: ['reason'],
    sendsAgain: true,
    schema: z.object({ reason, resend: resendBox }),
    run: (ctx, id, input, actor) => lookAgain(ctx, id, actor, input.reason as string, { resend: input.resend as boolean }),
  },
  {
    name: 'retry',
    label: 'Retry delivery',
    help: 'Send a failed handover back for delivery, with a new attempt budget.',
    to: 'routed',
    from: ['failed'],
    fields: ['reason'],
    schema: z.object({ reason }),
    // Sending again what the destination refused would only be refused again: route it elsewhere or cancel.
    onlyIf: (h, facts) => !refusedForGood(h, facts.lastAttempt ?? null),
    run: (ctx, id, input, actor) => retryFailed(ctx, id, actor, input.reason as string),
  },
  {
    name: 'resolve',
    label: 'Resolve with the destination’s reference',
    help: 'You found the case at the destination (for ICCAM: its report id): record that reference, and the handover counts as delivered. Nothing is sent.',
    to: 'delivered',
    from: ['needs_review'],
    fields: ['reference', 'reason'],
    schema: z.object({ reference: z.string().trim().min(1, 'Give the destination’s reference.').max(128), reason }),
    onlyIf: deliveryOutcomeUnknown,
    run: (ctx, id, input, actor) =>
      resolveHandover(
        { store: ctx.store, now: ctx.clock.now().getTime() },
        id,
        { reference: input.reference as string, reason: input.reason as string },
        actor,
      ),
  },
  {
    name: 'split',
    label: 'Split into its own case',
    help: 'The two reports are about different things at one address: this one becomes a case of its own and is located.',
    to: 'locating',
    from: ['duplicate'],
    fields: ['reason'],
    schema: z.object({ reason }),
    run: (ctx, id, input, actor) => splitDuplicate(ctx, id, actor, input.reason as string),
  },
  {
    name: 'cancel',
    label: 'Cancel handover',
    help: 'Withdraw it for good; nothing more is sent.',
    to: 'cancelled',
    from: ['locating', 'needs_review', 'routed', 'failed'],
    fields: ['reason'],
    schema: z.object({ reason }),
    run: (ctx, id, input, actor) => cancelHandover(ctx, id, actor, input.reason as string),
  },
];

/** The actions a handover's state (and, for some, its reason for waiting) allows, in table order. */
export function actionsFor(h: HandoverRecord, facts: ActionFacts = {}): HandoverAction[] {
  return HANDOVER_ACTIONS.filter((a) => a.from.includes(h.state) && canTransition(h.state, a.to) && (a.onlyIf?.(h, facts) ?? true));
}

/** The form fields an action's POST is read from: its own, and the confirmation box of a re-send. */
export function postedFields(action: HandoverAction): string[] {
  return [...action.fields, ...(action.sendsAgain ? ['resend'] : [])];
}

export function findAction(name: string): HandoverAction | undefined {
  return HANDOVER_ACTIONS.find((a) => a.name === name);
}

/** What the action forms say before anything is posted: a possible re-send, and what each destination would lack. */
export interface ActionNotes {
  /** The delivery's outcome is unknown: sending again needs the supervisor's confirmation. */
  outcomeUnknown: boolean;
  /** One sentence per destination that could not take the handover as it stands (routing by hand checks it again). */
  lacking: string[];
}

export function actionNotes(h: HandoverRecord): ActionNotes {
  const lacking: string[] = [];
  for (const d of DESTINATIONS) {
    const missing = missingForDestination(d, h.evidence, null);
    const name = DESTINATION_NAMES[d];
    if (missing.length) lacking.push(`${name[0]!.toUpperCase()}${name.slice(1)} cannot take it as it stands. ${missing.map((m) => m.words).join(' ')}`);
  }
  return { outcomeUnknown: deliveryOutcomeUnknown(h), lacking };
}
