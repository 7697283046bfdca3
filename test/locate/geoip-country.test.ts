import { copyFile, mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SetupError } from '../../src/domain/errors.js';
import { answerOfRecord, defaultCountryDbPath, GeoipCountryDb } from '../../src/locate/geoip-country.js';
import { GEOIP_FIXTURES } from './support.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('GeoipCountryDb', () => {
  it('reads the flat ip-location-db record shape', async () => {
    const db = await GeoipCountryDb.open(join(GEOIP_FIXTURES, 'test-country.mmdb'));
    expect(db.country('193.190.198.10')).toBe('BE');
    expect(db.country('2.72.0.1')).toBe('KZ');
    expect(db.country('2001:67c:2e8::1')).toBe('NL');
    expect(db.country('::ffff:12.0.0.1')).toBe('US');
    expect(db.country('198.18.0.1')).toBeNull();
    expect(db.country('not an address')).toBeNull();
    expect(db.source).toBe('Test-Country-Flat');
    expect(db.isOfflineDefault).toBe(false);
    expect(db.builtAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('reads the nested GeoLite2 shape, falling back to the registered country', async () => {
    const db = await GeoipCountryDb.open(join(GEOIP_FIXTURES, 'test-country-nested.mmdb'));
    expect(db.country('145.100.1.1')).toBe('NL');
    expect(db.country('104.16.0.1')).toBe('CA');
    expect(db.country('5.44.1.1')).toBe('DE');
    expect(db.source).toBe('GeoLite2-Country');
  });

  it('picks up a replaced file without a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'geoip-'));
    dirs.push(dir);
    const file = join(dir, 'country.mmdb');
    await copyFile(join(GEOIP_FIXTURES, 'test-country.mmdb'), file);
    const db = await GeoipCountryDb.open(file);
    expect(db.country('193.190.198.10')).toBe('BE');
    expect(await db.reloadIfChanged()).toBe(false);

    await copyFile(join(GEOIP_FIXTURES, 'test-country-replacement.mmdb'), file);
    const later = new Date(Date.now() + 60_000);
    await utimes(file, later, later);
    expect(await db.reloadIfChanged()).toBe(true);
    expect(db.country('193.190.198.10')).toBe('FR');
  });

  it('opens the bundled DB-IP file by default and says it is the offline default', async () => {
    expect(defaultCountryDbPath()).toMatch(/@ip-location-db\/dbip-country-mmdb\/dbip-country\.mmdb$/);
    const db = await GeoipCountryDb.open(null);
    expect(db.isOfflineDefault).toBe(true);
    expect(db.source).toBe('dbip-country-lite');
    expect(db.country('193.190.198.10')).toBe('BE');
    expect(db.builtAt).toBe('2026-06-01T20:32:58.000Z');
  });

  it('fails with a coded error for a missing file', async () => {
    const opening = GeoipCountryDb.open('/nonexistent/country.mmdb');
    await expect(opening).rejects.toBeInstanceOf(SetupError);
    await expect(opening).rejects.toMatchObject({ code: 'geoip_open_failed' });
  });
});

describe('answerOfRecord', () => {
  it('reads GeoIP2 traits.is_anycast beside the country', () => {
    expect(answerOfRecord({ country: { iso_code: 'US' }, traits: { is_anycast: true } } as never)).toEqual({ country: 'US', anycast: true });
    expect(answerOfRecord({ country: { iso_code: 'NL' }, traits: {} } as never)).toEqual({ country: 'NL', anycast: false });
    expect(answerOfRecord({ country_code: 'BE' } as never)).toEqual({ country: 'BE', anycast: false });
    expect(answerOfRecord(null)).toEqual({ country: null, anycast: false });
  });
});
