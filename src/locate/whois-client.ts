/**
 * WHOIS (RFC 3912) as the fallback when RDAP fails: one plain TCP query to the registry's
 * port-43 server, read until the server closes. Servers are configurable (host:port) so tests
 * point them at a local stand-in. The answer is free text; the RPSL keys (RIPE, APNIC, AFRINIC,
 * LACNIC) and ARIN's keys are read into the same NetworkFacts as RDAP.
 */
import net from 'node:net';
import type { Logger } from 'winston';
import type { Clock } from '../domain/clock.js';
import { RegistryQueryError } from '../domain/errors.js';
import type { RegistryObservation } from '../domain/evidence.js';
import { boundsOfRange, capText, cleanAbuseEmail, countryCode, formatBounds, type NetworkFacts } from './registry-network.js';

/** Registry → `host[:port]` of its WHOIS server. */
export type WhoisServers = Record<string, string>;

export const DEFAULT_WHOIS_SERVERS: WhoisServers = {
  arin: 'whois.arin.net:43',
  ripe: 'whois.ripe.net:43',
  apnic: 'whois.apnic.net:43',
  lacnic: 'whois.lacnic.net:43',
  afrinic: 'whois.afrinic.net:43',
};

function splitServer(server: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : 43 };
  const parts = server.split(':');
  // A bare IPv6 address has several colons and no port.
  if (parts.length === 2) return { host: parts[0]!, port: Number(parts[1]) };
  return { host: server, port: 43 };
}

/** Sends one query line and returns everything the server writes before closing. */
function queryWhois(server: string, query: string, timeoutMs: number, maxBytes = 512 * 1024): Promise<string> {
  const { host, port } = splitServer(server);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs);
    // A hard deadline too: setTimeout on the socket only measures idle time.
    const deadline = setTimeout(() => socket.destroy(new RegistryQueryError('whois_timeout', 'WHOIS query timed out')), timeoutMs);
    socket.on('connect', () => socket.write(`${query}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) socket.destroy(new RegistryQueryError('whois_too_long', 'WHOIS answer too long'));
      else chunks.push(chunk);
    });
    socket.on('timeout', () => socket.destroy(new RegistryQueryError('whois_timeout', 'WHOIS query timed out')));
    socket.on('error', (error) => {
      clearTimeout(deadline);
      reject(error instanceof RegistryQueryError ? error : new RegistryQueryError('whois_failed', 'WHOIS query failed', { cause: error }));
    });
    socket.on('close', (hadError) => {
      clearTimeout(deadline);
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** The query text each registry expects for an address. */
function whoisQueryFor(registry: string, address: string): string {
  // ARIN answers a bare address with a summary; "n + addr" asks for the full network record.
  return registry === 'arin' ? `n + ${address}` : address;
}

/**
 * Reads a WHOIS answer. ARIN lists the enclosing networks from broadest to most specific,
 * so the last value of a key wins there; RPSL answers start with the most specific
 * inetnum/inet6num object, so the first value wins.
 */
export function parseWhoisNetwork(text: string): NetworkFacts | null {
  const arinStyle = /^NetRange:/m.test(text);
  const values = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith('%') || raw.startsWith('#')) {
      // RIPE's "% Abuse contact for '...' is 'abuse@example.net'".
      const m = /abuse contact for .* is '([^']+)'/i.exec(raw);
      if (m && !values.has('abuse-comment')) values.set('abuse-comment', m[1]!);
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
    if (!m || m[2]!.trim() === '') continue;
    const key = m[1]!.toLowerCase();
    if (arinStyle || !values.has(key)) values.set(key, m[2]!.trim());
  }
  const range = values.get('netrange') ?? values.get('inetnum') ?? values.get('inet6num') ?? null;
  if (!range) return null;
  // LACNIC writes a CIDR as "200.160/19"-style abbreviations; CIDR is read as given when valid.
  const abuse =
    [values.get('orgabuseemail'), values.get('abuse-mailbox'), values.get('abuse-comment'), values.get('abuse-c-email')]
      .map(cleanAbuseEmail)
      .find((e) => e !== null) ?? null;
  let bounds = boundsOfRange(range);
  // A "range" of the single address asked about names no network: nothing to cache.
  if (bounds && bounds.start === bounds.end) bounds = null;
  return {
    handle: capText(values.get('nethandle') ?? values.get('ownerid') ?? values.get('aut-num') ?? null),
    networkName: capText(values.get('netname') ?? values.get('owner') ?? null),
    range: bounds ? formatBounds(bounds, bounds.family) : capText(range),
    country: countryCode(values.get('country') ?? null),
    abuseEmail: abuse,
    bounds,
  };
}

export interface WhoisClientOptions {
  servers: WhoisServers;
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
}

export class WhoisClient {
  constructor(private readonly options: WhoisClientOptions) {}

  /** Looks an address up at `registry`'s server; failures become outcomes, never exceptions. */
  async lookup(address: string, registry: string): Promise<RegistryObservation> {
    const observedAt = this.options.clock.now().toISOString();
    const server = this.options.servers[registry];
    const base = {
      protocol: 'whois' as const,
      registry,
      source: server ?? null,
      handle: null,
      networkName: null,
      range: null,
      country: null,
      abuseEmail: null,
      observedAt,
    };
    if (!server) return { ...base, protocol: null, outcome: 'unavailable', detail: 'no WHOIS server configured for this registry' };
    try {
      const text = await queryWhois(server, whoisQueryFor(registry, address), this.options.timeoutMs);
      const facts = parseWhoisNetwork(text);
      if (!facts) return { ...base, outcome: 'not_found', detail: 'no network object in the WHOIS answer' };
      return {
        ...base,
        outcome: 'ok',
        handle: facts.handle,
        networkName: facts.networkName,
        range: facts.range,
        country: facts.country,
        abuseEmail: facts.abuseEmail,
      };
    } catch (error) {
      const code = error instanceof RegistryQueryError ? error.code : 'whois_failed';
      this.options.logger.warn('whois query failed', { registry, code });
      return { ...base, protocol: null, outcome: code === 'whois_timeout' ? 'timeout' : 'error', detail: code };
    }
  }
}
