/**
 * Whether an address sits behind a network that hides the origin: the hand-kept list in
 * config/cdn-networks.json (ASNs, CNAME suffixes) plus the providers' own published range
 * lists (data/cdn/, refreshed by `referral data update`). Anycast CDN addresses geolocate to
 * arbitrary countries, so membership is decided by ASN, published range and CNAME suffix,
 * never by country.
 *
 * Thousands of ranges are looked up per locate, so ranges sit in one hash table per prefix
 * length (longest prefix first) and suffixes in a map walked label by label.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { SetupError } from '../domain/errors.js';
import type { CdnObservation } from '../domain/evidence.js';
import { ipv4ToNumber } from './asn-index.js';
import { type DataVersion, loadDataSources, readPublishedSource } from './published-data.js';

const ProviderSchema = z.object({
  name: z.string().min(1),
  asns: z.array(z.number().int().positive()),
  cnameSuffixes: z.array(z.string().min(1)),
  ranges: z.array(z.string()),
});
const PublishedSchema = z.object({
  sources: z.record(z.string(), z.string()),
  cdncheckNames: z.record(z.string(), z.string()),
  cdncheckExcluded: z.array(z.string()),
  excludedSuffixes: z.array(z.string()),
});
const CdnNetworksSchema = z.object({ providers: z.array(ProviderSchema), published: PublishedSchema.optional() });
export type CdnNetworks = z.infer<typeof CdnNetworksSchema>;

function defaultCdnNetworksPath(): string {
  return fileURLToPath(new URL('../../config/cdn-networks.json', import.meta.url));
}

export interface CdnInput {
  /** Canonical address. */
  address: string;
  asn: number | null;
  /** The host and every alias it resolved through. */
  names: string[];
}

/** Published ranges and suffixes, by provider as this service names them. */
export interface PublishedCdnData {
  ranges: { provider: string; cidrs: string[] }[];
  suffixes: { provider: string; suffixes: string[] }[];
  versions: DataVersion[];
}

interface RangeHit {
  provider: string;
  cidr: string;
}

/** Longest-prefix match over many CIDRs: one map per prefix length, keyed by the masked network. */
class PrefixTable {
  private readonly v4 = new Map<number, Map<number, RangeHit>>();
  private readonly v6 = new Map<number, Map<bigint, RangeHit>>();
  private v4Lengths: number[] = [];
  private v6Lengths: number[] = [];

  add(cidr: string, provider: string): void {
    // Dotted-quad CIDRs (nearly all of them) without ipaddr.js: thousands are read at start-up.
    const slash = cidr.indexOf('/');
    const quad = slash > 0 ? ipv4ToNumber(cidr.slice(0, slash)) : -1;
    const quadLength = quad >= 0 ? Number(cidr.slice(slash + 1)) : NaN;
    if (quad >= 0 && Number.isInteger(quadLength) && quadLength >= 0 && quadLength <= 32) {
      this.addV4(quad, quadLength, { provider, cidr });
      return;
    }
    const [net, length] = ipaddr.parseCIDR(cidr);
    if (net.kind() === 'ipv4') {
      this.addV4(v4Number(net.toByteArray()), length, { provider, cidr });
    } else {
      const key = v6Number(net.toByteArray()) & v6Mask(length);
      let table = this.v6.get(length);
      if (!table) {
        this.v6.set(length, (table = new Map()));
        this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a);
      }
      if (!table.has(key)) table.set(key, { provider, cidr });
    }
  }

  private addV4(value: number, length: number, hit: RangeHit): void {
    const key = (value & V4_MASKS[length]!) >>> 0;
    let table = this.v4.get(length);
    if (!table) {
      this.v4.set(length, (table = new Map()));
      this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a);
    }
    if (!table.has(key)) table.set(key, hit);
  }

  get size(): number {
    let n = 0;
    for (const t of this.v4.values()) n += t.size;
    for (const t of this.v6.values()) n += t.size;
    return n;
  }

  lookup(address: string): RangeHit | null {
    const dotted = ipv4ToNumber(address);
    if (dotted >= 0) return this.lookupV4(dotted);
    if (!ipaddr.isValid(address)) return null;
    const parsed = ipaddr.process(address);
    if (parsed.kind() === 'ipv4') return this.lookupV4(v4Number(parsed.toByteArray()));
    const value = v6Number(parsed.toByteArray());
    for (const length of this.v6Lengths) {
      const hit = this.v6.get(length)!.get(value & v6Mask(length));
      if (hit) return hit;
    }
    return null;
  }

  private lookupV4(value: number): RangeHit | null {
    {
      for (const length of this.v4Lengths) {
        const hit = this.v4.get(length)!.get((value & V4_MASKS[length]!) >>> 0);
        if (hit) return hit;
      }
      return null;
    }
  }
}

function v4Number(bytes: number[]): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}
function v4Mask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}
const V4_MASKS = Array.from({ length: 33 }, (_, i) => v4Mask(i));
function v6Number(bytes: number[]): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}
const V6_ALL = (1n << 128n) - 1n;
function v6Mask(length: number): bigint {
  return length === 0 ? 0n : (V6_ALL >> BigInt(128 - length)) << BigInt(128 - length);
}

function cleanSuffix(s: string): string {
  return s.toLowerCase().replace(/^\.|\.$/g, '');
}

export class CdnDetector {
  private readonly byAsn = new Map<number, string>();
  private readonly table = new PrefixTable();
  private readonly suffixes = new Map<string, string>();
  /** Which published lists were read (id, date, bundled or updated), for the evidence. */
  readonly versions: DataVersion[];

  constructor(list: CdnNetworks, published: PublishedCdnData = { ranges: [], suffixes: [], versions: [] }) {
    this.versions = published.versions;
    const excluded = new Set((list.published?.excludedSuffixes ?? []).map(cleanSuffix));
    // Hand-kept entries first: on an equal prefix or suffix they win.
    for (const p of list.providers) {
      for (const asn of p.asns) this.byAsn.set(asn, p.name);
      for (const cidr of p.ranges) {
        try {
          this.table.add(cidr, p.name);
        } catch (error) {
          throw new SetupError('cdn_list_invalid', `Invalid range ${cidr} for ${p.name}.`, { cause: error });
        }
      }
      for (const s of p.cnameSuffixes) if (!this.suffixes.has(cleanSuffix(s))) this.suffixes.set(cleanSuffix(s), p.name);
    }
    for (const r of published.ranges) for (const cidr of r.cidrs) this.table.add(cidr, r.provider);
    for (const s of published.suffixes) {
      for (const suffix of s.suffixes.map(cleanSuffix))
        if (suffix.includes('.') && !excluded.has(suffix) && !this.suffixes.has(suffix)) this.suffixes.set(suffix, s.provider);
    }
  }

  /** Ranges known (after merging equal prefixes). */
  get rangeCount(): number {
    return this.table.size;
  }

  /** The first match in order ASN, range, CNAME suffix; null when the address is not behind one. */
  detect(input: CdnInput): CdnObservation | null {
    return this.detectAddress(input.address, input.asn) ?? this.detectNames(input.names);
  }

  /** By ASN or published range only: depends on the address alone, so callers may cache it. */
  detectAddress(address: string, asn: number | null): CdnObservation | null {
    if (asn !== null) {
      const provider = this.byAsn.get(asn);
      if (provider) return { provider, matchedBy: 'asn', match: `AS${asn}` };
    }
    const hit = this.table.lookup(address);
    return hit ? { provider: hit.provider, matchedBy: 'range', match: hit.cidr } : null;
  }

  /** By CNAME suffix of the host or any alias it resolved through. */
  detectNames(names: string[]): CdnObservation | null {
    for (const raw of names) {
      // Walk the name's suffixes on label boundaries: a.b.cloudfront.net, b.cloudfront.net, ...
      let name = raw.toLowerCase().replace(/\.$/, '');
      while (name.includes('.')) {
        const provider = this.suffixes.get(name);
        if (provider) return { provider, matchedBy: 'cname', match: name };
        name = name.slice(name.indexOf('.') + 1);
      }
    }
    return null;
  }
}

/** The published lists config/cdn-networks.json maps to providers, read with their fallbacks. */
export function readPublishedCdnData(list: CdnNetworks, updatedDir: string | null, sourcesPath?: string): PublishedCdnData {
  const out: PublishedCdnData = { ranges: [], suffixes: [], versions: [] };
  const mapping = list.published;
  if (!mapping) return out;
  const excluded = new Set(mapping.cdncheckExcluded);
  for (const source of loadDataSources(sourcesPath)) {
    if (source.format === 'cdncheck') {
      const { data, version } = readPublishedSource(source, updatedDir);
      out.versions.push(version);
      // The keys come from downloaded data: only the mapping's own entries count, never Object.prototype's.
      const name = (key: string) => (Object.hasOwn(mapping.cdncheckNames, key) ? mapping.cdncheckNames[key] : undefined) ?? key;
      for (const [key, cidrs] of data.ranges ?? []) if (!excluded.has(key)) out.ranges.push({ provider: name(key), cidrs });
      for (const [key, suffixes] of data.cnameSuffixes ?? []) if (!excluded.has(key)) out.suffixes.push({ provider: name(key), suffixes });
      continue;
    }
    const provider = mapping.sources[source.id];
    if (!provider) continue;
    const { data, version } = readPublishedSource(source, updatedDir);
    out.versions.push(version);
    for (const cidrs of data.ranges?.values() ?? []) out.ranges.push({ provider, cidrs });
  }
  return out;
}

export async function readCdnNetworks(path = defaultCdnNetworksPath()): Promise<CdnNetworks> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new SetupError('cdn_list_invalid', 'The CDN network list could not be read.', { cause: error });
  }
  const parsed = CdnNetworksSchema.safeParse(json);
  if (!parsed.success) throw new SetupError('cdn_list_invalid', `The CDN network list is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** The detector from config/cdn-networks.json and the published lists (updated copies in `updatedDir` win). */
export async function loadCdnDetector(path = defaultCdnNetworksPath(), updatedDir: string | null = null, sourcesPath?: string): Promise<CdnDetector> {
  const list = await readCdnNetworks(path);
  return new CdnDetector(list, readPublishedCdnData(list, updatedDir, sourcesPath));
}
