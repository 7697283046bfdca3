/**
 * What a person typed into an action's form, kept when it could not be acted on: shown back
 * filled in after a refusal (a validation error, a state that changed meanwhile), and across a
 * sign-in when the session ran out before the form was sent. A draft is only ever shown again,
 * never acted on by itself: the person looks at it and sends it.
 */
import type { SessionCodec } from './console-session.js';
import { field } from './console-request.js';

export interface FormDraft {
  handoverId: string;
  action: string;
  values: Record<string, string>;
  /** When it was typed; an old draft is not offered again. */
  at: number;
}

const PURPOSE = 'draft';
/** Longer than any sign-in takes, shorter than anyone would want old words back. */
const DRAFT_LIFE_MS = 12 * 3_600_000;

export function draftOf(body: unknown, handoverId: string, action: string, names: readonly string[], at: number): FormDraft {
  return { handoverId, action, values: Object.fromEntries(names.map((n) => [n, field(body, n)])), at };
}

/** The draft as a hidden form field's value, which comes back only as it was sent. */
export function sealDraft(codec: SessionCodec, draft: FormDraft): string {
  return codec.seal(PURPOSE, draft);
}

export function openDraft(codec: SessionCodec, sealed: string, now: number): FormDraft | null {
  const draft = codec.open(PURPOSE, sealed) as FormDraft | null;
  if (!draft || typeof draft.at !== 'number' || now - draft.at > DRAFT_LIFE_MS || typeof draft.values !== 'object') return null;
  return draft;
}

/** A draft as the session keeps it (JSON text), or null when there is none or it cannot be read. */
export function keptDraft(text: string | null): FormDraft | null {
  if (!text) return null;
  try {
    const draft = JSON.parse(text) as FormDraft;
    return typeof draft.handoverId === 'string' && typeof draft.action === 'string' && typeof draft.values === 'object' ? draft : null;
  } catch {
    return null;
  }
}
