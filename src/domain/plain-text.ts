/**
 * Free text we forward to partners (the referring analyst's name, a supervisor's reason) must
 * be plain text: a CR or LF could forge a line in a partner's log or export, a NUL cuts a C
 * string short, and bidirectional-text controls make a name read differently from its bytes
 * (Trojan Source). A name is one line: any control is refused. A reason may be typed across
 * lines in a form: line breaks and tabs become one space each run; every other control is
 * refused.
 */
import { z } from 'zod';

/** C0 controls, DEL, C1 controls, and the Unicode bidi controls (ALM, LRM, RLM, LRE–RLO, LRI–PDI). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const LINE_BREAKS_AND_TABS = /[\r\n\t]+/g;

export const NO_CONTROLS = 'must not contain control characters (NUL, CR, LF, tab...) or bidirectional-text controls';

export function hasControlCharacters(text: string): boolean {
  return CONTROLS.test(text);
}

/** A reason of 3 to 2,000 characters: line breaks and tabs become spaces, other controls are refused. */
export function reasonText(tooShort?: string) {
  return z
    .string()
    .overwrite((text) => text.replace(LINE_BREAKS_AND_TABS, ' '))
    .trim()
    .min(3, tooShort)
    .max(2000)
    .refine((text) => !hasControlCharacters(text), NO_CONTROLS);
}

/** An optional note of up to 2,000 characters, under the same rules as a reason (line breaks become spaces). */
export function noteText(min = 1) {
  return z
    .string()
    .overwrite((text) => text.replace(LINE_BREAKS_AND_TABS, ' '))
    .trim()
    .min(min)
    .max(2000)
    .refine((text) => !hasControlCharacters(text), NO_CONTROLS);
}

/** A person's name as another system gives it: one line, no control of any kind. */
export function nameText(max = 200) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((text) => !hasControlCharacters(text), NO_CONTROLS);
}
