import { describe, it, expect } from 'vitest';
import { canonicalJson, sha256Hex } from '../../domain/canonical-json.js';
import { policeRequest } from '../../../test/destinations/delivery-request-fixture.js';
import { buildPoliceExportBody, policeExportBodyHash } from './police-export-body.js';

/** The same value with every object's keys in reverse order. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    ) as T;
  }
  return value;
}

describe('buildPoliceExportBody', () => {
  it('carries the handover, hotline, URL, content type, classification and evidence', () => {
    const req = policeRequest();
    const { body } = buildPoliceExportBody(req);
    expect(body).toMatchObject({
      handoverId: req.handoverId,
      hotlineId: req.hotlineId,
      url: req.url,
      contentType: 'image',
      classification: req.classification,
      hostingCountry: 'BE',
      evidence: req.evidence,
    });
  });

  it('says null for a first case and names the earlier handover for a reappearance', () => {
    expect(buildPoliceExportBody(policeRequest()).body.reappearanceOf).toBeNull();
    const built = buildPoliceExportBody(policeRequest({ reappearanceOf: 'earlier-handover' }));
    expect(built.body.reappearanceOf).toBe('earlier-handover');
    expect(built.sha256).not.toBe(buildPoliceExportBody(policeRequest()).sha256);
  });

  it('hashes the canonical body without the sha256 field', () => {
    const built = buildPoliceExportBody(policeRequest());
    const { sha256, ...unsigned } = built.body;
    expect(sha256).toBe(sha256Hex(canonicalJson(unsigned)));
    expect(built.sha256).toBe(sha256);
    expect(policeExportBodyHash(JSON.parse(built.canonicalJson) as Record<string, unknown>)).toBe(sha256);
  });

  it('sends canonical JSON: sorted keys, including the sha256', () => {
    const built = buildPoliceExportBody(policeRequest());
    expect(built.canonicalJson).toBe(canonicalJson(built.body));
    const topKeys = Object.keys(JSON.parse(built.canonicalJson) as object);
    expect(topKeys).toEqual([...topKeys].sort());
    expect(topKeys).toContain('sha256');
  });

  it('gives the same hash and bytes whatever order the inputs were written in', () => {
    const req = policeRequest();
    const a = buildPoliceExportBody(req);
    const b = buildPoliceExportBody(reverseKeys(req));
    expect(b.sha256).toBe(a.sha256);
    expect(b.canonicalJson).toBe(a.canonicalJson);
  });

  it('changes the hash when the content changes', () => {
    const a = buildPoliceExportBody(policeRequest());
    const b = buildPoliceExportBody(policeRequest({ classification: { category: 'national', ageGroup: 'pubescent' } }));
    expect(b.sha256).not.toBe(a.sha256);
  });

  it('sends null, not nothing, for an unknown content type', () => {
    const { body, canonicalJson: text } = buildPoliceExportBody(policeRequest({ contentType: null }));
    expect(body.contentType).toBeNull();
    expect(text).toContain('"contentType":null');
  });
});
