/**
 * Which registry holds an address: the IANA RDAP bootstrap files (RFC 9224), either the dated
 * snapshot in data/rdap-bootstrap/ or the files under RDAP_BOOTSTRAP_URL. Longest prefix wins.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import ipaddr from 'ipaddr.js';
import { SetupError } from '../domain/errors.js';
import { loadDataSources, readPublishedSource } from './published-data.js';

export interface BootstrapFile {
  publication?: string;
  services: [string[], string[]][];
}

export interface RegistryService {
  /** 'arin' | 'ripe' | 'apnic' | 'lacnic' | 'afrinic', or the service's host name. */
  registry: string;
  /** RDAP base URL ending in '/'. */
  baseUrl: string;
}

const KNOWN_REGISTRIES: [RegExp, string][] = [
  [/(^|\.)arin\.net$/, 'arin'],
  [/(^|\.)ripe\.net$/, 'ripe'],
  [/(^|\.)apnic\.net$/, 'apnic'],
  [/(^|\.)lacnic\.net$/, 'lacnic'],
  [/(^|\.)afrinic\.net$/, 'afrinic'],
];

/** A registry's short name from an RDAP or WHOIS host name; the host itself when unknown. */
export function registryOfHost(host: string): string {
  const h = host.toLowerCase();
  return KNOWN_REGISTRIES.find(([re]) => re.test(h))?.[1] ?? h;
}

/**
 * A registry's short name from an RDAP URL: by host, or else by a path segment naming one
 * (local stand-ins serve every registry from one host as `/ripe/`, `/arin/`...).
 */
export function registryOfUrl(url: string): string {
  const parsed = new URL(url);
  const byHost = registryOfHost(parsed.hostname);
  if (byHost !== parsed.hostname.toLowerCase()) return byHost;
  const names = new Set(KNOWN_REGISTRIES.map(([, name]) => name));
  return parsed.pathname.split('/').find((segment) => names.has(segment)) ?? byHost;
}

export function bundledBootstrapDir(): string {
  return fileURLToPath(new URL('../../data/rdap-bootstrap/', import.meta.url));
}

interface Entry {
  network: [ipaddr.IPv4 | ipaddr.IPv6, number];
  service: RegistryService;
}

export class RdapBootstrap {
  private readonly entries: Entry[];

  /** `source` is recorded in evidence: the snapshot's date or the URL read. */
  constructor(
    files: BootstrapFile[],
    readonly source: string,
  ) {
    const entries: Entry[] = [];
    for (const file of files) {
      for (const [prefixes, urls] of file.services ?? []) {
        // RFC 9224: prefer an HTTPS URL when several are listed.
        const base = urls.find((u) => u.startsWith('https:')) ?? urls[0];
        if (!base) continue;
        const baseUrl = base.endsWith('/') ? base : `${base}/`;
        const service = { registry: registryOfUrl(baseUrl), baseUrl };
        for (const prefix of prefixes) {
          try {
            entries.push({ network: ipaddr.parseCIDR(prefix), service });
          } catch {
            // A malformed entry in a downloaded file is skipped, not fatal.
          }
        }
      }
    }
    // Longest prefix first, so the first match is the most specific.
    this.entries = entries.sort((a, b) => b.network[1] - a.network[1]);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Every RDAP base URL the bootstrap names (the one chosen per service). */
  get baseUrls(): string[] {
    return [...new Set(this.entries.map((e) => e.service.baseUrl))];
  }

  /**
   * Whether a registry may send us to `url`: only to a service this bootstrap names, by the
   * same scheme, host, port and base path (so https stays https, and no redirect can point
   * the client at a loopback or any other host).
   */
  allowsRedirectTo(url: string): boolean {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return false;
    }
    return this.baseUrls.some((base) => {
      const b = new URL(base);
      return target.protocol === b.protocol && target.host === b.host && target.pathname.startsWith(b.pathname);
    });
  }

  /** The registry service for a canonical address; null when no entry covers it. */
  serviceFor(address: string): RegistryService | null {
    if (!ipaddr.isValid(address)) return null;
    const parsed = ipaddr.process(address);
    for (const entry of this.entries) {
      if (entry.network[0].kind() === parsed.kind() && parsed.match(entry.network as never)) return entry.service;
    }
    return null;
  }
}

/** The bundled snapshot (data/rdap-bootstrap/). */
export async function loadBundledBootstrap(dir = bundledBootstrapDir()): Promise<RdapBootstrap> {
  try {
    const files = await Promise.all(['ipv4.json', 'ipv6.json'].map(async (f) => JSON.parse(await readFile(`${dir}/${f}`, 'utf8')) as BootstrapFile));
    return new RdapBootstrap(files, `iana-bootstrap-snapshot ${files[0]?.publication?.slice(0, 10) ?? 'undated'}`);
  } catch (error) {
    throw new SetupError('rdap_bootstrap_unavailable', 'The bundled RDAP bootstrap files could not be read.', { cause: error });
  }
}

/**
 * The bootstrap from the published data: the copies `referral data update` wrote to
 * `updatedDir` when they parse, else the bundled IANA files. The source names the date and
 * which copy, e.g. "iana-bootstrap 2025-11-25 (bundled)".
 */
export function loadPublishedBootstrap(updatedDir: string | null, sourcesPath?: string): RdapBootstrap {
  const sources = loadDataSources(sourcesPath).filter((s) => s.format === 'rdap-bootstrap');
  try {
    const read = sources.map((s) => readPublishedSource(s, updatedDir));
    const files = read.map((r) => r.data.bootstrap!);
    const dates = [...new Set(read.map((r) => r.version.date))].join('/');
    const origins = [...new Set(read.map((r) => r.version.origin))].join('+');
    return new RdapBootstrap(files, `iana-bootstrap ${dates} (${origins})`);
  } catch (error) {
    throw new SetupError('rdap_bootstrap_unavailable', 'The RDAP bootstrap files could not be read.', { cause: error });
  }
}

/** `{base}ipv4.json` and `{base}ipv6.json` from a server (RDAP_BOOTSTRAP_URL). */
export async function fetchBootstrap(baseUrl: string, timeoutMs: number): Promise<RdapBootstrap> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  try {
    const files = await Promise.all(
      ['ipv4.json', 'ipv6.json'].map(
        async (f) => (await axios.get<BootstrapFile>(`${base}${f}`, { timeout: timeoutMs, maxRedirects: 3, responseType: 'json' })).data,
      ),
    );
    return new RdapBootstrap(files, base);
  } catch (error) {
    throw new SetupError('rdap_bootstrap_unavailable', 'The RDAP bootstrap files could not be fetched.', { cause: error });
  }
}
