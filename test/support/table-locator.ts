/**
 * A locator stand-in for workflow tests: answers from a table keyed by host name, so a test
 * decides where each `.test` host "is" and can move it between calls. The real locator is
 * tested on its own against local DNS and RDAP stand-ins.
 */
import type { Locator } from '../../src/locate/locator.js';
import type { HostingEvidence } from '../../src/domain/evidence.js';
import { address, evidence, type AddressSpec } from '../../src/domain/routing/evidence-builder.test-helper.js';

export type HostAnswer = { geo: string; registry?: string; cdn?: string } | { dns: 'nxdomain' | 'timeout' | 'servfail' } | { onion: true };

export class TableLocator implements Locator {
  readonly calls: string[] = [];
  constructor(private readonly table: Record<string, HostAnswer>) {}

  set(host: string, answer: HostAnswer): void {
    this.table[host] = answer;
  }

  async locate(url: string): Promise<HostingEvidence> {
    const host = new URL(url).hostname;
    this.calls.push(host);
    const answer = this.table[host] ?? { dns: 'nxdomain' };
    if ('onion' in answer) return { ...evidence({ host, hostKind: 'onion', addresses: [] }), url };
    if ('dns' in answer) return { ...evidence({ host, dnsOutcome: answer.dns, addresses: [] }), url };
    const spec: AddressSpec = { geo: answer.geo, registry: answer.registry ?? answer.geo, ...(answer.cdn ? { cdn: answer.cdn } : {}) };
    return { ...evidence({ host, addresses: [address(spec)] }), url };
  }
  readiness() {
    return { geoipLoaded: true, asnLoaded: true, geoipIsOfflineDefault: false, geoipBuiltAt: '2026-06-01T00:00:00.000Z' };
  }
  async refreshGeoip() {
    return false;
  }
  async close() {}
}
