/**
 * Whether an address sits behind a network that hides the origin (config/cdn-networks.json).
 * Anycast CDN addresses geolocate to arbitrary countries, so membership is decided by ASN,
 * published range and CNAME suffix, never by country.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import type { CdnObservation } from '../domain/evidence.js';

const ProviderSchema = z.object({
  name: z.string().min(1),
  asns: z.array(z.number().int().positive()),
  cnameSuffixes: z.array(z.string().min(1)),
  ranges: z.array(z.string()),
});
const CdnNetworksSchema = z.object({ providers: z.array(ProviderSchema) });
export type CdnNetworks = z.infer<typeof CdnNetworksSchema>;

export class CdnListError extends Error {
  readonly code = 'cdn_list_invalid';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CdnListError';
  }
}

export function defaultCdnNetworksPath(): string {
  return fileURLToPath(new URL('../../config/cdn-networks.json', import.meta.url));
}

export interface CdnInput {
  /** Canonical address. */
  address: string;
  asn: number | null;
  /** The host and every alias it resolved through. */
  names: string[];
}

export class CdnDetector {
  private readonly byAsn = new Map<number, string>();
  private readonly ranges: { network: [ipaddr.IPv4 | ipaddr.IPv6, number]; cidr: string; provider: string }[] = [];
  private readonly suffixes: { suffix: string; provider: string }[] = [];

  constructor(list: CdnNetworks) {
    for (const p of list.providers) {
      for (const asn of p.asns) this.byAsn.set(asn, p.name);
      for (const cidr of p.ranges) {
        try {
          this.ranges.push({ network: ipaddr.parseCIDR(cidr), cidr, provider: p.name });
        } catch (error) {
          throw new CdnListError(`Invalid range ${cidr} for ${p.name}.`, { cause: error });
        }
      }
      for (const s of p.cnameSuffixes) this.suffixes.push({ suffix: s.toLowerCase().replace(/^\.|\.$/g, ''), provider: p.name });
    }
  }

  /** The first match in order ASN, range, CNAME suffix; null when the address is not behind one. */
  detect(input: CdnInput): CdnObservation | null {
    if (input.asn !== null) {
      const provider = this.byAsn.get(input.asn);
      if (provider) return { provider, matchedBy: 'asn', match: `AS${input.asn}` };
    }
    if (ipaddr.isValid(input.address)) {
      const parsed = ipaddr.process(input.address);
      for (const r of this.ranges) {
        if (r.network[0].kind() === parsed.kind() && parsed.match(r.network as never)) return { provider: r.provider, matchedBy: 'range', match: r.cidr };
      }
    }
    for (const raw of input.names) {
      const name = raw.toLowerCase().replace(/\.$/, '');
      const hit = this.suffixes.find((s) => name === s.suffix || name.endsWith(`.${s.suffix}`));
      if (hit) return { provider: hit.provider, matchedBy: 'cname', match: hit.suffix };
    }
    return null;
  }
}

export async function loadCdnDetector(path = defaultCdnNetworksPath()): Promise<CdnDetector> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CdnListError('The CDN network list could not be read.', { cause: error });
  }
  const parsed = CdnNetworksSchema.safeParse(json);
  if (!parsed.success) throw new CdnListError(`The CDN network list is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return new CdnDetector(parsed.data);
}
