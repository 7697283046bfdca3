/**
 * Reads the routing policy from `config/routing-policy-file.json` and `config/inhope-members.json`,
 * checks both with zod and returns one frozen RoutingPolicy. A malformed file stops start-up
 * with a message naming the file and the field, so an operator can fix it without reading code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SetupError } from '../domain/errors.js';
import { DISAGREEMENT_TREATMENTS, NON_MEMBER_RULES, isInhopeMember, memberHotline, type RoutingPolicy } from '../domain/routing/routing-policy.js';

export { isInhopeMember, memberHotline, type RoutingPolicy };

const ROUTING_POLICY_FILE = 'routing-policy.json';
const INHOPE_MEMBERS_FILE = 'inhope-members.json';

/** The policy files are missing, not JSON, or do not match their schema. */
function policyError(message: string, options?: { cause?: unknown }): SetupError {
  return new SetupError('routing_policy_invalid', message, options);
}

const countryCode = z.string().regex(/^[A-Z]{2}$/, 'must be an upper-case ISO 3166-1 alpha-2 code');
const isoDate = z.iso.date({ error: 'must be a date (YYYY-MM-DD)' });

const policyFileSchema = z.strictObject({
  $comment: z.string().optional(),
  asOf: isoDate,
  homeCountry: countryCode,
  nonMemberRule: z.enum(NON_MEMBER_RULES),
  disagreement: z.enum(DISAGREEMENT_TREATMENTS).default('review'),
  hotlineId: z.string().trim().min(1, 'must not be empty'),
});

const membersFileSchema = z
  .strictObject({
    $comment: z.string().optional(),
    asOf: isoDate,
    source: z.string().trim().min(1, 'must not be empty'),
    /** Entries still to be checked against inhope.org; informative only. */
    toCheck: z.array(countryCode).optional(),
    /** Entries checked against a public source: where and when. Every other entry is unchecked. */
    checked: z.record(countryCode, z.strictObject({ source: z.string().trim().min(1), checkedOn: isoDate })).optional(),
    hotlines: z.record(countryCode, z.string().trim().min(1, 'must name the hotline')),
  })
  .superRefine((file, ctx) => {
    for (const [i, code] of (file.toCheck ?? []).entries()) {
      if (!(code in file.hotlines)) {
        ctx.addIssue({ code: 'custom', path: ['toCheck', i], message: `${code} is not in hotlines` });
      }
    }
  });

export interface RoutingPolicyOverrides {
  /** From HOME_COUNTRY; wins over the file. */
  homeCountry?: string;
}

/** Loads and freezes the policy; throws a SetupError (`routing_policy_invalid`) naming the file and field on any fault. */
export function loadRoutingPolicy(dir = 'config', overrides: RoutingPolicyOverrides = {}): RoutingPolicy {
  const policyFile = path.join(dir, ROUTING_POLICY_FILE);
  const membersFile = path.join(dir, INHOPE_MEMBERS_FILE);
  const policy = parseFile(policyFile, policyFileSchema);
  const members = parseFile(membersFile, membersFileSchema);

  let homeCountry = policy.homeCountry;
  if (overrides.homeCountry !== undefined) {
    const upper = overrides.homeCountry.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(upper)) {
      throw policyError('homeCountry override (HOME_COUNTRY): must be an ISO 3166-1 alpha-2 code');
    }
    homeCountry = upper;
  }

  return deepFreeze({
    homeCountry,
    nonMemberRule: policy.nonMemberRule,
    disagreement: policy.disagreement,
    hotlineId: policy.hotlineId,
    asOf: policy.asOf,
    inhopeMembers: { asOf: members.asOf, source: members.source, hotlines: { ...members.hotlines } },
  });
}

function parseFile<T>(file: string, schema: z.ZodType<T>): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw policyError(`${file}: cannot be read`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw policyError(`${file}: is not valid JSON`, { cause: error });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${fieldName(issue.path)}: ${issue.message}`);
    throw policyError(`${file}: ${problems.join('; ')}`, { cause: result.error });
  }
  return result.data;
}

function fieldName(issuePath: readonly PropertyKey[]): string {
  return issuePath.length === 0 ? '(top level)' : issuePath.map(String).join('.');
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object' && !Object.isFrozen(child)) deepFreeze(child as object);
  }
  return Object.freeze(value);
}
