import { describe, it, expect } from 'vitest';
import { addressEvidence, deliveryRequest, hostingEvidence, routingDecision } from '../../../test/destinations/delivery-request-fixture.js';
import { buildIccamReportBody, toIccamClassification } from './iccam-report-body.js';

describe('buildIccamReportBody', () => {
  it('names the handover as reportingHotlineReference and carries hosting details', () => {
    const body = buildIccamReportBody(deliveryRequest());
    expect(body).toEqual({
      reportingHotlineReference: 'ho_01TEST',
      reportingHotline: 'BE-childfocus',
      url: 'https://files.hosting.example/a/1.jpg',
      contentType: 'Image',
      classification: { category: 'Baseline', ageGroup: 'PrePubescent', gender: 'Female', siteType: 'ImageHost', commercial: false },
      hostingCountry: 'NL',
      hostingIp: '198.51.100.7',
      hostingNetName: 'EXAMPLE-NET-NL',
      hostingAsn: 64500,
      hostingProvider: 'Example Hosting NL',
      assignedCountry: 'NL',
    });
  });

  it('an orphan has no assigned country at all', () => {
    const body = buildIccamReportBody(
      deliveryRequest({ decision: routingDecision({ country: 'ZZ', assignedCountry: null, targetHotline: null, rule: 'non-member-orphan' }) }),
    );
    expect('assignedCountry' in body).toBe(false);
    expect(JSON.stringify(body)).not.toContain('assignedCountry');
  });

  it('names the address located in the decided country, skipping non-routable ones', () => {
    const evidence = hostingEvidence([
      addressEvidence('10.0.0.1', 'NL', { publiclyRoutable: false, range: 'private' }),
      addressEvidence('203.0.113.5', 'DE'),
      addressEvidence('198.51.100.9', 'NL'),
    ]);
    expect(buildIccamReportBody(deliveryRequest({ evidence })).hostingIp).toBe('198.51.100.9');
  });

  it('falls back to the registry network name for the provider', () => {
    const address = addressEvidence('198.51.100.7', 'NL');
    const evidence = hostingEvidence([{ ...address, geo: { ...address.geo, asOrganisation: null } }]);
    expect(buildIccamReportBody(deliveryRequest({ evidence })).hostingProvider).toBe('EXAMPLE-NET-NL');
  });
});

describe('toIccamClassification', () => {
  it('maps every value and leaves absent fields absent', () => {
    expect(toIccamClassification({ category: 'national', ageGroup: 'unknown' })).toEqual({ category: 'National', ageGroup: 'NotDetermined' });
    expect(toIccamClassification({ category: 'baseline', ageGroup: 'infant', gender: 'unknown', siteType: 'social', commercial: true })).toEqual({
      category: 'Baseline',
      ageGroup: 'Infant',
      gender: 'NotDetermined',
      siteType: 'SocialNetwork',
      commercial: true,
    });
  });
});
