/**
 * Which registry holds an address: the IANA RDAP bootstrap files (RFC 9224), either the dated
 * snapshot in data/rdap-bootstrap/ or the files under RDAP_BOOTSTRAP_URL. Longest prefix wins.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import ipaddr from 'ipaddr.js';
import { SetupError } from '../domain/errors.js';
import { checkAddress } from './address-check.js';
import { parseReportedUrl } from './parse-reported-url.js';
import { loadDataSources, readPublishedSource } from './published-data.js';
import { boundsOfRange } from './registry-network.js';

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

/** The bootstrap files are a few kB each: bounded as registry answers are (rdap-client.ts). */
export const MAX_BOOTSTRAP_BYTES = 1024 * 1024;

/**
 * Whether a registry URL (a bootstrap base, RDAP_BOOTSTRAP_URL, RDAP_FALLBACK_URL) may be
 * asked: https, no credentials, and a host that is a public name or a publicly routable
 * address. A downloaded or tampered bootstrap must not send our queries to loopback, a private
 * network or a cloud metadata address. `localTestMode` (the tests' and the demo's local
 * stand-ins) also admits http and any address.
 */
export function registryUrlAllowed(url: string, localTestMode: boolean): boolean {
  if (localTestMode) return URL.canParse(url) && /^https?:$/.test(new URL(url).protocol);
  if (!URL.canParse(url) || new URL(url).protocol !== 'https:') return false;
  try {
    const { host, hostKind } = parseReportedUrl(url);
    if (hostKind === 'domain') return true;
    return (hostKind === 'ipv4' || hostKind === 'ipv6') && checkAddress(host)?.publiclyRoutable === true;
  } catch {
    return false;
  }
}

export function bundledBootstrapDir(): string {
  return fileURLToPath(new URL('../../data/rdap-bootstrap/', import.meta.url));
}

interface Entry {
  network: [ipaddr.IPv4 | ipaddr.IPv6, number];
  service: RegistryService;
}

/** A registry service and the bootstrap prefix it was chosen under (inclusive numeric bounds). */
export interface ServiceMatch {
  service: RegistryService;
  prefix: { start: bigint; end: bigint };
}

export interface BootstrapOptions {
  /** Admit http and non-public base URLs (local stand-ins): RDAP_LOCAL_TEST_MODE. */
  localTestMode?: boolean;
}

export class RdapBootstrap {
  private readonly entries: Entry[];

  /** `source` is recorded in evidence: the snapshot's date or the URL read. */
  /** The base URLs of services left out because none of them may be asked (see registryUrlAllowed). */
  readonly refusedBaseUrls: string[] = [];

  constructor(
    files: BootstrapFile[],
    readonly source: string,
    options: BootstrapOptions = {},
  ) {
    const entries: Entry[] = [];
    for (const file of files) {
      for (const [prefixes, urls] of file.services ?? []) {
        // RFC 9224: prefer an HTTPS URL when several are listed; only one we may ask is used.
        const allowed = (urls ?? []).filter((u) => typeof u === 'string' && registryUrlAllowed(u, options.localTestMode ?? false));
        // IANA lists an http alternate beside each https base: only a service left with no
        // usable base at all is worth a warning.
        if (allowed.length === 0) this.refusedBaseUrls.push(...(urls ?? []));
        const base = allowed.find((u) => u.startsWith('https:')) ?? allowed[0];
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
    return this.matchFor(address)?.service ?? null;
  }

  /** The registry service for a canonical address and the prefix it is listed under; null when no entry covers it. */
  matchFor(address: string): ServiceMatch | null {
    if (!ipaddr.isValid(address)) return null;
    const parsed = ipaddr.process(address);
    for (const entry of this.entries) {
      if (entry.network[0].kind() === parsed.kind() && parsed.match(entry.network as never))
        return { service: entry.service, prefix: boundsOfRange(`${entry.network[0].toString()}/${entry.network[1]}`)! };
    }
    return null;
  }
}

/** The bundled snapshot (data/rdap-bootstrap/): IANA's own files, every base https. */
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
export function loadPublishedBootstrap(updatedDir: string | null, sourcesPath?: string, options: BootstrapOptions = {}): RdapBootstrap {
  const sources = loadDataSources(sourcesPath).filter((s) => s.format === 'rdap-bootstrap');
  try {
    const read = sources.map((s) => readPublishedSource(s, updatedDir));
    const files = read.map((r) => r.data.bootstrap!);
    const dates = [...new Set(read.map((r) => r.version.date))].join('/');
    const origins = [...new Set(read.map((r) => r.version.origin))].join('+');
    return new RdapBootstrap(files, `iana-bootstrap ${dates} (${origins})`, options);
  } catch (error) {
    throw new SetupError('rdap_bootstrap_unavailable', 'The RDAP bootstrap files could not be read.', { cause: error });
  }
}

/**
 * `{base}ipv4.json` and `{base}ipv6.json` from a server (RDAP_BOOTSTRAP_URL): no redirect
 * followed (a redirect could point anywhere), at most MAX_BOOTSTRAP_BYTES each.
 */
export async function fetchBootstrap(baseUrl: string, timeoutMs: number, options: BootstrapOptions = {}): Promise<RdapBootstrap> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  if (!registryUrlAllowed(base, options.localTestMode ?? false)) {
    throw new SetupError('rdap_bootstrap_unavailable', 'RDAP_BOOTSTRAP_URL must be https on a public host (RDAP_LOCAL_TEST_MODE admits local stand-ins).');
  }
  try {
    const files = await Promise.all(
      ['ipv4.json', 'ipv6.json'].map(
        async (f) =>
          (
            await axios.get<BootstrapFile>(`${base}${f}`, {
              timeout: timeoutMs,
              maxRedirects: 0,
              maxContentLength: MAX_BOOTSTRAP_BYTES,
              responseType: 'json',
            })
          ).data,
      ),
    );
    return new RdapBootstrap(files, base, options);
  } catch (error) {
    throw new SetupError('rdap_bootstrap_unavailable', 'The RDAP bootstrap files could not be fetched.', { cause: error });
  }
}
