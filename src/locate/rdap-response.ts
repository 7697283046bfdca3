/**
 * Reading an RDAP IP network answer (RFC 9083) from any of the five RIRs into NetworkFacts.
 * Differences that matter: ARIN has no top-level `country` (it is in the registrant's vCard
 * address, often as an English name in the label) and nests the abuse entity inside the
 * registrant; the others put both at the top level. Entities are therefore walked
 * breadth-first, so a top-level abuse contact wins over a nested one.
 */
import { boundsOfRange, capText, cleanAbuseEmail, countryCode, formatBounds, type NetworkFacts } from './registry-network.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** The jCard properties of an entity: `vcardArray[1]`, each `[name, params, type, value...]`. */
function vcardProperties(entity: Json): unknown[][] {
  const card = entity.vcardArray;
  if (!Array.isArray(card) || !Array.isArray(card[1])) return [];
  return card[1].filter((p): p is unknown[] => Array.isArray(p));
}

function entitiesOf(node: Json): Json[] {
  return Array.isArray(node.entities) ? node.entities.filter(isObject) : [];
}

function hasRole(entity: Json, role: string): boolean {
  return Array.isArray(entity.roles) && entity.roles.includes(role);
}

/** Breadth-first walk of nested entities (bounded depth: answers are untrusted input). */
function walkEntities(root: Json, maxDepth = 4): Json[] {
  const out: Json[] = [];
  let level = entitiesOf(root);
  for (let depth = 0; depth < maxDepth && level.length > 0; depth += 1) {
    out.push(...level);
    level = level.flatMap(entitiesOf);
  }
  return out;
}

function emailOf(entity: Json): string | null {
  for (const prop of vcardProperties(entity)) {
    if (prop[0] === 'email') {
      const email = cleanAbuseEmail(prop[3]);
      if (email) return email;
    }
  }
  return null;
}

/** Country from a vCard `adr`: the `cc` parameter (RFC 8605), the structured country, or the label's last line. */
function countryOfVcard(entity: Json): string | null {
  for (const prop of vcardProperties(entity)) {
    if (prop[0] !== 'adr') continue;
    const params = isObject(prop[1]) ? prop[1] : {};
    const fromCc = countryCode(str(params.cc));
    if (fromCc) return fromCc;
    const value = prop[3];
    if (Array.isArray(value)) {
      const fromValue = countryCode(str(value[6]));
      if (fromValue) return fromValue;
    }
    const label = str(params.label);
    if (label) {
      // Some registries send the two characters `\n` instead of a line break.
      const lines = label
        .split(/\r?\n|\\n/)
        .map((l) => l.trim())
        .filter(Boolean);
      const fromLabel = countryCode(lines[lines.length - 1]);
      if (fromLabel) return fromLabel;
    }
  }
  return null;
}

/** The range as registered (start/end, else the first cidr0 prefix), before any reading. */
function registeredRange(body: Json): string | null {
  const start = str(body.startAddress);
  const end = str(body.endAddress);
  if (start && end) return `${start} - ${end}`;
  const cidrs = Array.isArray(body.cidr0_cidrs) ? body.cidr0_cidrs.filter(isObject) : [];
  const first = cidrs[0];
  if (first) {
    const prefix = str(first.v4prefix) ?? str(first.v6prefix);
    if (prefix && typeof first.length === 'number') return `${prefix}/${first.length}`;
  }
  return null;
}

/**
 * Parses an RDAP `ip network` object; throws when the body is not one. The range comes out
 * in canonical text ("74.125.0.0 - 74.125.255.255"). A range of one single address (old
 * LACNIC answers that echo the address asked about) names no network: range and bounds are
 * null, so nothing is cached from it.
 */
export function parseRdapNetwork(body: unknown): NetworkFacts {
  if (!isObject(body) || (body.objectClassName !== undefined && body.objectClassName !== 'ip network')) {
    throw new TypeError('not an RDAP ip network object');
  }
  const entities = walkEntities(body);
  const registrant = entities.find((e) => hasRole(e, 'registrant'));
  const abuse =
    entities
      .filter((e) => hasRole(e, 'abuse'))
      .map(emailOf)
      .find((e) => e !== null) ?? null;
  const registered = registeredRange(body);
  let bounds = registered ? boundsOfRange(registered) : null;
  if (bounds && bounds.start === bounds.end) bounds = null;
  return {
    handle: capText(str(body.handle)),
    networkName: capText(str(body.name)),
    range: bounds ? formatBounds(bounds, bounds.family) : null,
    country: countryCode(str(body.country)) ?? (registrant ? countryOfVcard(registrant) : null),
    abuseEmail: abuse,
    bounds,
  };
}
