/**
 * Published data the locator reads (config/data-sources.json): the IANA RDAP bootstrap and
 * the CDN providers' own range lists. Each has a bundled, dated copy under data/ and may have
 * a newer one in PUBLISHED_DATA_DIR, written by `referral data update`. The newer one wins
 * when it parses; otherwise the bundled copy serves (offline, or a broken download).
 *
 * Every format has one parser that turns the file into its entries; the update command uses
 * the same parsers to check a download before it replaces anything.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { SetupError } from '../domain/errors.js';
import { ipv4ToNumber } from './asn-index.js';

const DATA_FORMATS = ['rdap-bootstrap', 'cidr-lines', 'fastly', 'aws-cloudfront', 'cdncheck'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

const SourceSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  url: z.url(),
  file: z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, 'a path like dir/name.ext'),
  format: z.enum(DATA_FORMATS),
});
const SourcesSchema = z.object({ sources: z.array(SourceSchema).min(1) });
export type DataSource = z.infer<typeof SourceSchema>;

function bundledDataDir(): string {
  return fileURLToPath(new URL('../../data/', import.meta.url));
}

function defaultDataSourcesPath(): string {
  return fileURLToPath(new URL('../../config/data-sources.json', import.meta.url));
}

export function loadDataSources(path = defaultDataSourcesPath()): DataSource[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SetupError('published_data_invalid', 'The data source list could not be read.', { cause: error });
  }
  const parsed = SourcesSchema.safeParse(json);
  if (!parsed.success) throw new SetupError('published_data_invalid', `The data source list is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data.sources;
}

/** CDN ranges per provider (provider names as the source writes them). */
type ProviderRanges = Map<string, string[]>;

/** What one file holds, read by its format. `entries` counts what the update compares. */
export interface ParsedData {
  entries: number;
  /** rdap-bootstrap: the file as is (RFC 9224 shape). */
  bootstrap?: { publication?: string; services: [string[], string[]][] };
  ranges?: ProviderRanges;
  /** cdncheck: CNAME suffixes per provider. */
  cnameSuffixes?: Map<string, string[]>;
}

function validCidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash > 0 && ipv4ToNumber(text.slice(0, slash)) >= 0) {
    const length = Number(text.slice(slash + 1));
    return Number.isInteger(length) && length >= 0 && length <= 32 && text.slice(slash + 1) !== '';
  }
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

function cidrs(values: unknown, where: string): string[] {
  if (!Array.isArray(values)) throw new SetupError('published_data_invalid', `${where}: not a list`);
  return values
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim())
    .filter(validCidr);
}

function stringMap(value: unknown, where: string, read: (v: unknown, w: string) => string[]): Map<string, string[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SetupError('published_data_invalid', `${where}: not an object`);
  const out = new Map<string, string[]>();
  for (const [name, list] of Object.entries(value)) out.set(name, read(list, `${where}.${name}`));
  return out;
}

const count = (m: Map<string, string[]>) => [...m.values()].reduce((n, l) => n + l.length, 0);

/** Reads a file's text by its format; throws SetupError (`published_data_invalid`) when it is not that format. */
export function parsePublishedData(format: DataFormat, text: string, providerHint = ''): ParsedData {
  if (format === 'cidr-lines') {
    const lines = text
      .split(/\r?\n/)
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean);
    const ranges = lines.filter(validCidr);
    if (ranges.length !== lines.length) throw new SetupError('published_data_invalid', 'a line is not an address range');
    return { entries: ranges.length, ranges: new Map([[providerHint, ranges]]) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SetupError('published_data_invalid', 'not JSON', { cause: error });
  }
  const obj = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  switch (format) {
    case 'rdap-bootstrap': {
      const services = obj.services;
      if (!Array.isArray(services)) throw new SetupError('published_data_invalid', 'no services list');
      let entries = 0;
      for (const service of services) {
        if (!Array.isArray(service) || !Array.isArray(service[0]) || !Array.isArray(service[1]))
          throw new SetupError('published_data_invalid', 'a service is not [prefixes, urls]');
        entries += (service[0] as unknown[]).filter((p) => typeof p === 'string' && validCidr(p)).length;
      }
      return {
        entries,
        bootstrap: { ...(typeof obj.publication === 'string' ? { publication: obj.publication } : {}), services: services as [string[], string[]][] },
      };
    }
    case 'fastly': {
      const ranges = [...cidrs(obj.addresses, 'addresses'), ...cidrs(obj.ipv6_addresses ?? [], 'ipv6_addresses')];
      return { entries: ranges.length, ranges: new Map([[providerHint, ranges]]) };
    }
    case 'aws-cloudfront': {
      // AWS's own ip-ranges.json (every service), or the CloudFront-only extract bundled here.
      let ranges: string[];
      if (Array.isArray(obj.prefixes)) {
        const pick = (list: unknown, key: string) =>
          (Array.isArray(list) ? list : [])
            .filter((p: Record<string, unknown>) => p?.service === 'CLOUDFRONT')
            .map((p: Record<string, unknown>) => String(p[key]))
            .filter(validCidr);
        ranges = [...pick(obj.prefixes, 'ip_prefix'), ...pick(obj.ipv6_prefixes, 'ipv6_prefix')];
      } else {
        ranges = [...cidrs(obj.ipv4, 'ipv4'), ...cidrs(obj.ipv6 ?? [], 'ipv6')];
      }
      return { entries: ranges.length, ranges: new Map([[providerHint, ranges]]) };
    }
    case 'cdncheck': {
      const cdn = stringMap(obj.cdn, 'cdn', cidrs);
      const waf = stringMap(obj.waf ?? {}, 'waf', cidrs);
      const suffixes = stringMap(obj.cnameSuffixes ?? {}, 'cnameSuffixes', (v, w) => {
        if (!Array.isArray(v)) throw new SetupError('published_data_invalid', `${w}: not a list`);
        return v.filter((s): s is string => typeof s === 'string' && /^[a-z0-9.-]+$/i.test(s));
      });
      const ranges: ProviderRanges = new Map();
      for (const source of [cdn, waf]) for (const [name, list] of source) ranges.set(name, [...(ranges.get(name) ?? []), ...list]);
      return { entries: count(ranges) + count(suffixes), ranges, cnameSuffixes: suffixes };
    }
  }
}

/** Which copy of a source is in use, for the evidence: "<id> <date> (bundled|updated)". */
export interface DataVersion {
  id: string;
  path: string;
  origin: 'bundled' | 'updated';
  /** The data's own date when it states one, else the file's modification time. */
  date: string;
  mtimeMs: number;
}

/** The date a source states inside itself (bootstrap `publication`, AWS `createDate`). */
function statedDate(format: DataFormat, text: string): string | null {
  if (format !== 'rdap-bootstrap' && format !== 'aws-cloudfront') return null;
  const m = /"(?:publication|createDate)"\s*:\s*"(\d{4}-\d\d-\d\d)/.exec(text);
  return m ? m[1]! : null;
}

/**
 * Reads one source: the updated copy when present and valid, else the bundled one. Never
 * throws for a bad updated copy (the bundled one serves); throws when the bundled one is bad.
 */
export function readPublishedSource(source: DataSource, updatedDir: string | null, bundledDir = bundledDataDir()): { data: ParsedData; version: DataVersion } {
  const candidates: [string, 'updated' | 'bundled'][] = [];
  if (updatedDir) candidates.push([join(updatedDir, source.file), 'updated']);
  candidates.push([join(bundledDir, source.file), 'bundled']);
  let lastError: unknown;
  for (const [path, origin] of candidates) {
    try {
      const info = statSync(path);
      const text = readFileSync(path, 'utf8');
      const data = parsePublishedData(source.format, text, source.id);
      if (data.entries === 0) throw new SetupError('published_data_invalid', 'no entries');
      const date = statedDate(source.format, text) ?? new Date(info.mtimeMs).toISOString().slice(0, 10);
      return { data, version: { id: source.id, path, origin, date, mtimeMs: info.mtimeMs } };
    } catch (error) {
      lastError = error;
    }
  }
  throw new SetupError('published_data_invalid', `No usable copy of ${source.id}.`, { cause: lastError });
}

/** Modification times of the files a set of versions came from, and of the updated copies that may appear. */
export function dataFingerprint(sources: DataSource[], updatedDir: string | null): string {
  return sources
    .map((s) => {
      if (!updatedDir) return '-';
      try {
        const info = statSync(join(updatedDir, s.file));
        return `${info.mtimeMs}:${info.size}`;
      } catch {
        return '-';
      }
    })
    .join('|');
}
