/**
 * Address → autonomous system. Two sources: the bundled @ip-location-db/asn CSVs (inclusive
 * ranges, about 412 k IPv4 and 103 k IPv6 rows), held as sorted typed arrays and searched
 * binarily; or a MaxMind ASN .mmdb (GEOIP_ASN_DB). Loading the CSVs takes about a second, so
 * it yields to the event loop while it parses and the locator starts without waiting for it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import ipaddr from 'ipaddr.js';
import maxmind, { type AsnResponse, type Reader } from 'maxmind';
import { SetupError } from '../domain/errors.js';

export interface AsnAnswer {
  asn: number;
  organisation: string | null;
}

export interface AsnLookup {
  /** Address in canonical form (see normaliseAddress); null when no range holds it. */
  lookup(address: string): AsnAnswer | null;
  /** Which data answers, for the evidence's `sources`. */
  readonly source: string;
}

function defaultAsnCsvPaths(): { ipv4: string; ipv6: string } {
  const require = createRequire(import.meta.url);
  return {
    ipv4: require.resolve('@ip-location-db/asn/asn-ipv4-num.csv'),
    ipv6: require.resolve('@ip-location-db/asn/asn-ipv6-num.csv'),
  };
}

/** Parses a dotted quad into an unsigned 32-bit number without allocating; -1 when malformed. */
export function ipv4ToNumber(text: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots += 1;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      digits += 1;
      if (digits > 3) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return value * 256 + part;
}

const MASK_64 = (1n << 64n) - 1n;

/** Deduplicated organisation names: most names repeat across many ranges. */
class StringTable {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  add(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
}

/** One parsed CSV row: start, end (decimal text), asn, organisation. */
type RowSink = (start: string, end: string, asn: number, organisation: string) => void;

/**
 * Walks `text` line by line: `start,end,asn,organisation` where the organisation may be
 * quoted with doubled quotes inside ("LLC ""SPUTNIK"""). Yields every `batch` lines.
 */
async function parseCsv(text: string, sink: RowSink, batch = 20_000): Promise<number> {
  let rows = 0;
  let pos = 0;
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1) eol = text.length;
    const line = text.endsWith('\r', eol) ? text.slice(pos, eol - 1) : text.slice(pos, eol);
    pos = eol + 1;
    if (line.length === 0) continue;
    const c1 = line.indexOf(',');
    const c2 = line.indexOf(',', c1 + 1);
    const c3 = line.indexOf(',', c2 + 1);
    if (c1 < 0 || c2 < 0 || c3 < 0) continue;
    let organisation = line.slice(c3 + 1);
    if (organisation.startsWith('"') && organisation.endsWith('"')) organisation = organisation.slice(1, -1).replaceAll('""', '"');
    sink(line.slice(0, c1), line.slice(c1 + 1, c2), Number(line.slice(c2 + 1, c3)), organisation);
    rows += 1;
    if (rows % batch === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return rows;
}

/** Growable typed columns, trimmed once loading is done. */
class Column<T extends Uint32Array | BigUint64Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(value: T[number]): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data as never);
      this.data = bigger;
    }
    (this.data as { [i: number]: T[number] })[this.length] = value;
    this.length += 1;
  }
  trimmed(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

const u32 = (n: number) => new Uint32Array(n);
const u64 = (n: number) => new BigUint64Array(n);

/** The CSV-backed index. */
export class AsnIndex implements AsnLookup {
  readonly source = 'ip-location-db-asn';

  constructor(
    private readonly v4Start: Uint32Array,
    private readonly v4End: Uint32Array,
    private readonly v4Asn: Uint32Array,
    private readonly v4Org: Uint32Array,
    /** IPv6 bounds as (high, low) 64-bit halves. */
    private readonly v6StartHi: BigUint64Array,
    private readonly v6StartLo: BigUint64Array,
    private readonly v6EndHi: BigUint64Array,
    private readonly v6EndLo: BigUint64Array,
    private readonly v6Asn: Uint32Array,
    private readonly v6Org: Uint32Array,
    private readonly organisations: string[],
  ) {}

  get size(): { ipv4: number; ipv6: number; organisations: number } {
    return { ipv4: this.v4Start.length, ipv6: this.v6Asn.length, organisations: this.organisations.length };
  }

  /** Row index holding an IPv4 number, or -1. Allocation-free: the hot path. */
  findV4(ip: number): number {
    const starts = this.v4Start;
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= ip) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return -1;
    if (ip <= this.v4End[found]!) return found;
    // The data has a rare overlapping row; the one before may still hold the address.
    if (found > 0 && ip <= this.v4End[found - 1]!) return found - 1;
    return -1;
  }

  asnV4(row: number): number {
    return this.v4Asn[row]!;
  }

  organisationV4(row: number): string | null {
    return this.organisations[this.v4Org[row]!] || null;
  }

  private findV6(hi: bigint, lo: bigint): number {
    let a = 0;
    let b = this.v6Asn.length - 1;
    let found = -1;
    while (a <= b) {
      const mid = (a + b) >>> 1;
      const sh = this.v6StartHi[mid]!;
      if (sh < hi || (sh === hi && this.v6StartLo[mid]! <= lo)) {
        found = mid;
        a = mid + 1;
      } else {
        b = mid - 1;
      }
    }
    for (const row of [found, found - 1]) {
      if (row < 0) continue;
      const eh = this.v6EndHi[row]!;
      if (hi < eh || (hi === eh && lo <= this.v6EndLo[row]!)) return row;
    }
    return -1;
  }

  lookup(address: string): AsnAnswer | null {
    const v4 = ipv4ToNumber(address);
    if (v4 >= 0) {
      const row = this.findV4(v4);
      return row < 0 ? null : { asn: this.asnV4(row), organisation: this.organisationV4(row) };
    }
    if (!ipaddr.IPv6.isValid(address)) return null;
    const parts = ipaddr.IPv6.parse(address).parts;
    let hi = 0n;
    let lo = 0n;
    for (let i = 0; i < 4; i += 1) hi = (hi << 16n) | BigInt(parts[i]!);
    for (let i = 4; i < 8; i += 1) lo = (lo << 16n) | BigInt(parts[i]!);
    const row = this.findV6(hi, lo);
    return row < 0 ? null : { asn: this.v6Asn[row]!, organisation: this.organisations[this.v6Org[row]!] || null };
  }
}

/** Loads the CSV index (default: the bundled @ip-location-db/asn numeric files). */
export async function loadAsnIndex(paths: { ipv4: string; ipv6: string } = defaultAsnCsvPaths()): Promise<AsnIndex> {
  let v4Text: string;
  let v6Text: string;
  try {
    [v4Text, v6Text] = await Promise.all([readFile(paths.ipv4, 'utf8'), readFile(paths.ipv6, 'utf8')]);
  } catch (error) {
    throw new SetupError('asn_load_failed', 'The ASN CSV files could not be read.', { cause: error });
  }
  const orgs = new StringTable();
  const v4 = {
    start: new Column(u32(1 << 16), u32),
    end: new Column(u32(1 << 16), u32),
    asn: new Column(u32(1 << 16), u32),
    org: new Column(u32(1 << 16), u32),
  };
  await parseCsv(v4Text, (start, end, asn, organisation) => {
    v4.start.push(Number(start));
    v4.end.push(Number(end));
    v4.asn.push(asn);
    v4.org.push(orgs.add(organisation));
  });
  const v6 = {
    startHi: new Column(u64(1 << 14), u64),
    startLo: new Column(u64(1 << 14), u64),
    endHi: new Column(u64(1 << 14), u64),
    endLo: new Column(u64(1 << 14), u64),
    asn: new Column(u32(1 << 14), u32),
    org: new Column(u32(1 << 14), u32),
  };
  await parseCsv(v6Text, (start, end, asn, organisation) => {
    const s = BigInt(start);
    const e = BigInt(end);
    v6.startHi.push(s >> 64n);
    v6.startLo.push(s & MASK_64);
    v6.endHi.push(e >> 64n);
    v6.endLo.push(e & MASK_64);
    v6.asn.push(asn);
    v6.org.push(orgs.add(organisation));
  });
  if (v4.start.length === 0) throw new SetupError('asn_load_failed', 'The IPv4 ASN file holds no rows.');
  assertSorted(v4.start.trimmed());
  return new AsnIndex(
    v4.start.trimmed(),
    v4.end.trimmed(),
    v4.asn.trimmed(),
    v4.org.trimmed(),
    v6.startHi.trimmed(),
    v6.startLo.trimmed(),
    v6.endHi.trimmed(),
    v6.endLo.trimmed(),
    v6.asn.trimmed(),
    v6.org.trimmed(),
    orgs.values,
  );
}

/** Binary search needs ascending starts; the published files are, and we refuse otherwise. */
function assertSorted(starts: Uint32Array): void {
  for (let i = 1; i < starts.length; i += 1) {
    if (starts[i]! < starts[i - 1]!) throw new SetupError('asn_load_failed', `The IPv4 ASN file is not sorted (row ${i + 1}).`);
  }
}

/** A MaxMind ASN database (GeoLite2-ASN or compatible) behind the same interface. */
export async function openAsnMmdb(path: string): Promise<AsnLookup> {
  let reader: Reader<AsnResponse>;
  try {
    reader = await maxmind.open<AsnResponse>(path, { cache: { max: 50_000 } });
  } catch (error) {
    throw new SetupError('asn_load_failed', 'The ASN .mmdb file could not be opened.', { cause: error });
  }
  return {
    source: reader.metadata.databaseType,
    lookup(address: string): AsnAnswer | null {
      const record = reader.get(address);
      if (!record || typeof record.autonomous_system_number !== 'number') return null;
      return { asn: record.autonomous_system_number, organisation: record.autonomous_system_organization ?? null };
    },
  };
}
