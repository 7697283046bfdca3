/**
 * Country codes as the sources hand them over are not always countries: DB-IP answers "ZZ" for
 * unknown, registries use "EU" and "AP" for blocks assigned to a whole region, and some records
 * say "UK" where ISO says "GB". Routing compares codes, so every code passes through here first.
 */

/** Codes that look like ISO alpha-2 but name no single country. */
const NOT_A_COUNTRY = new Set(['ZZ', 'XX', 'EU', 'AP', 'AA', 'QM', 'QN', 'QO']);

/** Non-ISO spellings seen in registry data. */
const ALIASES: Readonly<Record<string, string>> = { UK: 'GB' };

/** The ISO 3166-1 alpha-2 code in upper case, or null when the input names no single country. */
export function normaliseCountry(code: string | null | undefined): string | null {
  if (code === null || code === undefined) return null;
  const upper = code.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(upper)) return null;
  const canonical = ALIASES[upper] ?? upper;
  return NOT_A_COUNTRY.has(canonical) ? null : canonical;
}
