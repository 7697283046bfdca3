/**
 * Reads `config/iccam-names.json`: for every word of ours in ICCAM's lookup lists, the names
 * ICCAM may give it (src/domain/iccam-words.ts). Checked with zod: every word needs at least one
 * name, no unknown word or list, and no name accepted for two words of one list (ICCAM's entry
 * would then mean either). A faulty file stops start-up with a message naming the file and the
 * field, like the routing policy.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SetupError } from '../domain/errors.js';
import { ICCAM_NAMED_LISTS, ICCAM_WORDS, type IccamAcceptedNames, type IccamNamedList } from '../domain/iccam-words.js';
import { POLICY_DIR } from './project-paths.js';

const ICCAM_NAMES_FILE = 'iccam-names.json';

/** How two names are compared: without regard to case, spaces, hyphens, underscores or slashes. */
export function iccamNameKey(name: string): string {
  return name.toLowerCase().replace(/[\s_\-/]+/g, '');
}

const names = z.array(z.string().trim().min(1, 'must not be empty')).min(1, 'needs at least one name');

function listSchema<L extends IccamNamedList>(list: L) {
  const words = ICCAM_WORDS[list] as readonly string[];
  return z.strictObject(Object.fromEntries(words.map((w) => [w, names])) as Record<string, typeof names>).superRefine((byWord, ctx) => {
    const owner = new Map<string, string>();
    for (const [word, accepted] of Object.entries(byWord)) {
      for (const [i, name] of accepted.entries()) {
        const other = owner.get(iccamNameKey(name));
        if (other !== undefined && other !== word) ctx.addIssue({ code: 'custom', path: [word, i], message: `"${name}" is already accepted for ${other}` });
        owner.set(iccamNameKey(name), word);
      }
    }
  });
}

const fileSchema = z.strictObject({
  $comment: z.string().optional(),
  asOf: z.iso.date({ error: 'must be a date (YYYY-MM-DD)' }),
  names: z.strictObject(Object.fromEntries(ICCAM_NAMED_LISTS.map((list) => [list, listSchema(list)])) as Record<IccamNamedList, ReturnType<typeof listSchema>>),
});

export interface IccamNamesFile {
  asOf: string;
  names: IccamAcceptedNames;
}

/** Loads the accepted names; throws a SetupError (`iccam_names_invalid`) naming the file and field on any fault. */
export function loadIccamNames(dir = POLICY_DIR): IccamNamesFile {
  const file = path.join(dir, ICCAM_NAMES_FILE);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SetupError('iccam_names_invalid', `${file}: cannot be read as JSON`, { cause: error });
  }
  const result = fileSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(top level)'}: ${issue.message}`);
    throw new SetupError('iccam_names_invalid', `${file}: ${problems.join('; ')}`, { cause: result.error });
  }
  return { asOf: result.data.asOf, names: result.data.names as unknown as IccamAcceptedNames };
}

let shipped: IccamNamesFile | null = null;

/** The names file of this installation, read once (tests and one-off tools that build an adapter themselves). */
export function installedIccamNames(): IccamNamesFile {
  shipped ??= loadIccamNames();
  return shipped;
}
