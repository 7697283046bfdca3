/**
 * The GeoIP refresh: reloads the country database when its file was replaced (the locator
 * knows how), and reports the age of the database in use. Routing on an old database sends
 * cases to the wrong country as address blocks change hands, so an age past
 * GEOIP_MAX_AGE_DAYS is logged as a warning, exported as hrr_geoip_database_age_seconds and shown
 * in /readyz (geoipAgeProbe) — without making the service unready: old data routes better
 * than none.
 */
import type { Locator } from '../locate/locator.js';
import type { Context } from '../context.js';
import type { ProbeResult } from '../services/readiness.js';

const DAY_MS = 24 * 3_600_000;

interface GeoipAge {
  builtAt: string | null;
  /** Whole days and a tenth; null when the database does not say when it was built. */
  ageDays: number | null;
  maxAgeDays: number;
  stale: boolean;
}

function geoipAge(ctx: Context, locator: Pick<Locator, 'readiness'>): GeoipAge {
  const builtAt = locator.readiness().geoipBuiltAt;
  const built = builtAt ? Date.parse(builtAt) : Number.NaN;
  const ageDays = Number.isNaN(built) ? null : Math.round(((ctx.clock.now().getTime() - built) / DAY_MS) * 10) / 10;
  const maxAgeDays = ctx.config.geoip.maxAgeDays;
  return { builtAt, ageDays, maxAgeDays, stale: ageDays !== null && ageDays > maxAgeDays };
}

export interface GeoipRefreshSummary {
  /** 1 when a replaced database file was loaded this run. */
  reloaded: number;
  ageDays: number | null;
  /** 1 when the database in use is older than GEOIP_MAX_AGE_DAYS. */
  stale: number;
}

export async function refreshGeoipDatabase(ctx: Context, locator: Pick<Locator, 'readiness' | 'refreshGeoip'>): Promise<GeoipRefreshSummary> {
  const reloaded = await locator.refreshGeoip();
  const age = geoipAge(ctx, locator);
  const builtAt = age.builtAt ? Date.parse(age.builtAt) : Number.NaN;
  if (!Number.isNaN(builtAt)) ctx.metrics.geoipDatabaseAgeSeconds.set(Math.round((ctx.clock.now().getTime() - builtAt) / 1000));
  if (age.stale) {
    ctx.logger.warn('GeoIP database older than the configured maximum: replace it', {
      component: 'geoip-refresh',
      builtAt: age.builtAt,
      ageDays: age.ageDays,
      maxAgeDays: age.maxAgeDays,
    });
  }
  return { reloaded: reloaded ? 1 : 0, ageDays: age.ageDays, stale: age.stale ? 1 : 0 };
}

/** A /readyz check for the database's age: reported, never critical. */
export function geoipAgeProbe(ctx: Context, locator: Pick<Locator, 'readiness'>): () => ProbeResult {
  return () => {
    const age = geoipAge(ctx, locator);
    return {
      name: 'geoip-age',
      ok: !age.stale,
      critical: false,
      detail: { ...age, ...(age.stale ? { warning: `the GeoIP database is older than ${age.maxAgeDays} days: replace it` } : {}) },
    };
  };
}
