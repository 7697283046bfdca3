import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { parseWhoisNetwork, WhoisClient } from '../../src/locate/whois-client.js';
import { startWhoisStandin, type WhoisStandin } from '../../scripts/sandbox/whois-standin.js';
import { silentLogger } from './support.js';

const RIPE_WHOIS = `% This is the RIPE Database query service.
% Abuse contact for '193.190.0.0 - 193.191.255.255' is 'abuse@network-be.example'

inetnum:        193.190.0.0 - 193.191.255.255
netname:        BELNET-NET
country:        BE
admin-c:        BN-RIPE
status:         ASSIGNED PA

organisation:   ORG-BELN1-RIPE
country:        NL
`;

const ARIN_WHOIS = `#
# ARIN WHOIS data and services are subject to the Terms of Use
#

NetRange:       12.0.0.0 - 12.255.255.255
CIDR:           12.0.0.0/8
NetName:        ATT
NetHandle:      NET-12-0-0-0-1
Country:        US

NetRange:       12.0.0.0 - 12.0.0.255
CIDR:           12.0.0.0/24
NetName:        ATT-CUSTOMER-7
NetHandle:      NET-12-0-0-0-2
Country:        US
OrgAbuseEmail:  abuse@carrier-us.example
`;

describe('parseWhoisNetwork', () => {
  it('reads an RPSL answer: the first object is the network, the abuse comment counts', () => {
    expect(parseWhoisNetwork(RIPE_WHOIS)).toMatchObject({
      networkName: 'BELNET-NET',
      range: '193.190.0.0 - 193.191.255.255',
      country: 'BE',
      abuseEmail: 'abuse@network-be.example',
    });
  });

  it('reads an ARIN answer: the most specific (last) network wins', () => {
    expect(parseWhoisNetwork(ARIN_WHOIS)).toMatchObject({
      handle: 'NET-12-0-0-0-2',
      networkName: 'ATT-CUSTOMER-7',
      range: '12.0.0.0 - 12.0.0.255',
      country: 'US',
      abuseEmail: 'abuse@carrier-us.example',
    });
  });

  it('finds nothing in a no-match answer', () => {
    expect(parseWhoisNetwork('% No entries found\n')).toBeNull();
  });
});

describe('WhoisClient against the local TCP stand-in', () => {
  let whois: WhoisStandin;
  beforeAll(async () => {
    whois = await startWhoisStandin({ '193.190.198.10': RIPE_WHOIS, 'n + 12.0.0.1': ARIN_WHOIS, '145.100.0.1': 'hang' });
  });
  afterAll(async () => {
    await whois.close();
  });
  const client = () =>
    new WhoisClient({
      servers: { ripe: whois.server, arin: whois.server },
      timeoutMs: 300,
      clock: new ManualClock('2026-11-29T10:00:00Z'),
      logger: silentLogger,
    });

  it('queries each registry in its own syntax and parses the answer', async () => {
    expect(await client().lookup('193.190.198.10', 'ripe')).toMatchObject({
      outcome: 'ok',
      protocol: 'whois',
      registry: 'ripe',
      source: whois.server,
      country: 'BE',
      observedAt: '2026-11-29T10:00:00.000Z',
    });
    expect(await client().lookup('12.0.0.1', 'arin')).toMatchObject({ outcome: 'ok', networkName: 'ATT-CUSTOMER-7' });
    expect(whois.queries).toEqual(['193.190.198.10', 'n + 12.0.0.1']);
  });

  it('turns a server that never answers into a timeout', async () => {
    expect(await client().lookup('145.100.0.1', 'ripe')).toMatchObject({ outcome: 'timeout', country: null });
  });

  it('says unavailable for a registry without a configured server', async () => {
    expect(await client().lookup('200.160.0.1', 'lacnic')).toMatchObject({ outcome: 'unavailable' });
  });
});
