import { describe, expect, it } from 'vitest';
import { addressEvidence, deliveryRequest, hostingEvidence, routingDecision } from '../../../test/destinations/delivery-request-fixture.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { installedIccamNames } from '../../config/iccam-names-file.js';
import { resolveVocabulary } from './iccam-lookups.js';
import { buildIccamReportBody, type IccamReportInput } from './iccam-report-body.js';

const names = installedIccamNames().names;
const seedIds = resolveVocabulary({}, names).ids;
const analyst = { analystName: 'ICCAM API user' };

function input(overrides: Partial<IccamReportInput> = {}): IccamReportInput {
  return { ...deliveryRequest(), ...overrides };
}

describe('buildIccamReportBody (contract §4 inhope, Create)', () => {
  it('writes every field of the contract, with ICCAM ids from the seed (SCARt 2023-03-17) and the configured analyst name', () => {
    // Written out by hand from contract §4, not from the builder.
    const expected = {
      hotlineReference: 'ho_01TEST',
      reportingAnalystName: 'ICCAM API user',
      hotlineReceivedDate: '2026-01-01T08:30:00.000Z',
      sourceUrlSiteType: 20,
      sourceUrlCommerciality: 3,
      sourceUrlPaymentMethods: [1],
      urls: [
        {
          urlString: 'https://files.hosting.example/a/1.jpg',
          isSourceUrl: true,
          hotlineReference: 'ho_01TEST',
          contentType: 1,
          hostingCountryCode: 'NL',
          hostingIpAddress: '198.51.100.7',
          hostingIsp: 'Example Hosting NL',
          hostingOrganization: { organizationName: 'EXAMPLE-NET-NL' },
          assessment: { assessingAnalystName: 'ICCAM API user', classification: 1, ageCategorization: 3, genderCategorization: 2 },
        },
      ],
    };
    expect(buildIccamReportBody(input(), seedIds, analyst)).toEqual(expected);
  });

  it('fills the defaults the contract names: Not Applicable, Not determined, no memo', () => {
    const body = buildIccamReportBody(input({ classification: { category: 'national', ageGroup: 'unknown' }, contentType: null }), seedIds, analyst);
    expect(body.sourceUrlSiteType).toBe(24);
    expect(body.sourceUrlCommerciality).toBe(1);
    expect(body.urls[0].assessment).toEqual({ assessingAnalystName: 'ICCAM API user', classification: 2, ageCategorization: 1, genderCategorization: 1 });
    expect(body.urls[0].contentType).toBe(2);
    expect('memo' in body).toBe(false);
  });

  it('maps the earlier site types social and other like their current names, and commercial true', () => {
    expect(
      buildIccamReportBody(input({ classification: { category: 'baseline', ageGroup: 'infant', siteType: 'social', commercial: true } }), seedIds, analyst),
    ).toMatchObject({
      sourceUrlSiteType: 9,
      sourceUrlCommerciality: 2,
    });
    expect(
      buildIccamReportBody(input({ classification: { category: 'baseline', ageGroup: 'infant', siteType: 'other' } }), seedIds, analyst).sourceUrlSiteType,
    ).toBe(24);
  });

  it('carries a memo when one is given (e.g. a reappearance)', () => {
    expect(buildIccamReportBody(input({ memo: 'reappeared: earlier ICCAM report 812' }), seedIds, analyst).memo).toBe('reappeared: earlier ICCAM report 812');
  });

  it('takes the ids by name from the lists ICCAM serves, not from the seed', () => {
    const renumbered = resolveVocabulary({ 'site-types': [{ id: 77, name: 'Image host' }] }, names);
    expect(buildIccamReportBody(input(), renumbered.ids, analyst).sourceUrlSiteType).toBe(77);
    expect(renumbered.missing).toContain('site-types: website');
  });

  it('an orphan carries its real hosting country', () => {
    const body = buildIccamReportBody(
      input({
        decision: routingDecision({ country: 'ZZ', assignedCountry: null, targetHotline: null, rule: 'non-member-orphan' }),
        evidence: hostingEvidence([addressEvidence('203.0.113.9', 'ZZ')]),
      }),
      seedIds,
      analyst,
    );
    expect(body.urls[0].hostingCountryCode).toBe('ZZ');
    expect(canonicalJson(body)).not.toContain('assigned');
  });

  it('names the address located in the decided country, skipping non-routable ones', () => {
    const evidence = hostingEvidence([
      addressEvidence('10.0.0.1', 'NL', { publiclyRoutable: false, range: 'private' }),
      addressEvidence('203.0.113.5', 'DE'),
      addressEvidence('198.51.100.9', 'NL'),
    ]);
    expect(buildIccamReportBody(input({ evidence }), seedIds, analyst).urls[0].hostingIpAddress).toBe('198.51.100.9');
  });

  it('dates in UTC with a Z whatever the referral said', () => {
    expect(buildIccamReportBody(input({ receivedAt: Date.parse('2026-03-01T10:00:00+02:00') }), seedIds, analyst).hotlineReceivedDate).toBe(
      '2026-03-01T08:00:00.000Z',
    );
  });
});
