import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRdapNetwork } from './rdap-response.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/locate/fixtures/rdap/${name}`, import.meta.url), 'utf8'));

describe('parseRdapNetwork for each registry shape', () => {
  it('RIPE: top-level country and abuse entity', () => {
    expect(parseRdapNetwork(fixture('ripe-193.190.198.10.json'))).toMatchObject({
      handle: '193.190.0.0 - 193.191.255.255',
      networkName: 'BELNET-NET',
      range: '193.190.0.0 - 193.191.255.255',
      country: 'BE',
      abuseEmail: 'abuse@network-be.example',
    });
  });

  it('ARIN: country from the registrant vCard label, abuse nested in the registrant', () => {
    expect(parseRdapNetwork(fixture('arin-12.0.0.1.json'))).toMatchObject({
      handle: 'NET-12-0-0-0-1',
      networkName: 'ATT',
      country: 'US',
      abuseEmail: 'abuse@carrier-us.example',
      range: '12.0.0.0 - 12.255.255.255',
    });
  });

  it('APNIC: top-level abuse wins', () => {
    expect(parseRdapNetwork(fixture('apnic-202.12.29.1.json'))).toMatchObject({
      country: 'AU',
      abuseEmail: 'helpdesk@registry-au.example',
      networkName: 'APNIC-AP',
    });
  });

  it('LACNIC: the removed@lacnic.net placeholder is no abuse contact', () => {
    expect(parseRdapNetwork(fixture('lacnic-200.160.0.1.json'))).toMatchObject({ country: 'BR', abuseEmail: null, range: '200.160.0.0 - 200.160.15.255' });
  });

  it('AFRINIC: no abuse entity, range only as cidr0 (written out as start - end)', () => {
    const facts = parseRdapNetwork(fixture('afrinic-196.216.2.1.json'));
    expect(facts).toMatchObject({ country: 'MU', abuseEmail: null, range: '196.216.2.0 - 196.216.3.255' });
    expect(facts.bounds).toBeDefined();
    expect(facts.bounds!.end - facts.bounds!.start).toBe(511n);
  });

  it('refuses an object that is not an ip network', () => {
    expect(() => parseRdapNetwork({ objectClassName: 'entity' })).toThrow(TypeError);
  });
});
