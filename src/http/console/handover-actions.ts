/**
 * The supervisor's actions on one handover, as a table: which states each may start from, the
 * fields its form asks for, and the service it calls (the same services as the API; the console
 * decides nothing itself). A new action, e.g. `resolve` (needs_review → delivered with the
 * destination's reference), is one more entry here and one more form in story.njk's macro.
 */
import { z } from 'zod';
import type { Context } from '../../context.js';
import { DESTINATIONS } from '../../domain/decision.js';
import { canTransition, type HandoverState } from '../../domain/handover-states.js';
import { reasonText } from '../../domain/plain-text.js';
import { cancelHandover, retryFailed, routeByHand } from '../../services/supervisor-actions.js';
import { lookAgain } from '../../services/look-again.js';
import { DELIVERY_OUTCOME_UNKNOWN, resolveHandover } from '../../services/resolve-handover.js';
import { splitDuplicate } from '../../services/split-duplicate.js';
import type { HandoverRecord } from '../../store/store.js';

const reason = reasonText('Give a reason of at least 3 characters.');

export interface HandoverAction {
  name: string;
  label: string;
  /** One line on what it does, shown above the form. */
  help: string;
  /** The transition it makes, checked against the state machine (contract §1). */
  to: HandoverState;
  from: readonly HandoverState[];
  /** Form fields, in order; `reference` is the destination's own reference (for `resolve`). */
  fields: readonly ('destination' | 'country' | 'reference' | 'reason')[];
  schema: z.ZodType<Record<string, unknown>>;
  /** Offered only when this holds too (e.g. resolve: only for an unknown delivery outcome). */
  onlyIf?: (h: HandoverRecord) => boolean;
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
    schema: z.object({
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
        { destination: input.destination as 'police' | 'inhope', country: (input.country as string | undefined) || undefined, reason: input.reason as string },
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
    schema: z.object({ reason }),
    run: (ctx, id, input, actor) => lookAgain(ctx, id, actor, input.reason as string),
  },
  {
    name: 'retry',
    label: 'Retry delivery',
    help: 'Send a failed handover back for delivery, with a new attempt budget.',
    to: 'routed',
    from: ['failed'],
    fields: ['reason'],
    schema: z.object({ reason }),
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
    onlyIf: (h) => h.failureReason === DELIVERY_OUTCOME_UNKNOWN,
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
    label: 'Cancel',
    help: 'Withdraw it for good; nothing more is sent.',
    to: 'cancelled',
    from: ['needs_review', 'routed', 'failed'],
    fields: ['reason'],
    schema: z.object({ reason }),
    run: (ctx, id, input, actor) => cancelHandover(ctx, id, actor, input.reason as string),
  },
];

/** The actions a handover's state (and, for some, its reason for waiting) allows, in table order. */
export function actionsFor(h: HandoverRecord): HandoverAction[] {
  return HANDOVER_ACTIONS.filter((a) => a.from.includes(h.state) && canTransition(h.state, a.to) && (a.onlyIf?.(h) ?? true));
}

export function findAction(name: string): HandoverAction | undefined {
  return HANDOVER_ACTIONS.find((a) => a.name === name);
}
