/**
 * A tiny authoritative-and-recursive-looking DNS server for tests and demos: dns-packet over
 * node:dgram on 127.0.0.1, answering from a zone given as data. For a name behind a CNAME it
 * answers as a recursive resolver would (the whole chain plus the final records), which is
 * what c-ares expects. Per-name behaviours simulate NXDOMAIN, SERVFAIL, REFUSED and a server
 * that never answers (the client's timeout).
 *
 * Run by hand: node --import tsx scripts/sandbox/dns-standin.ts --zone zone.json --port 5353
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import { isEntryPoint, readFlags } from './standin-kit.js';

export interface DnsZoneEntry {
  a?: string[];
  aaaa?: string[];
  cname?: string;
  /** TTL of this name's records (seconds); default 300. */
  ttl?: number;
  behaviour?: 'nxdomain' | 'servfail' | 'refused' | 'timeout';
}

/** Lower-case names without trailing dot → entry. Names not in the zone are NXDOMAIN. */
export type DnsZone = Record<string, DnsZoneEntry>;

export interface DnsStandin {
  port: number;
  /** `127.0.0.1:port`, ready for DNS_SERVERS / Resolver.setServers. */
  server: string;
  /** The live zone: tests may change it while the server runs. */
  zone: DnsZone;
  /** Every question received, in order ('A example.test'). */
  queries: string[];
  close(): Promise<void>;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const FLAGS = dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE;

type Answer = dnsPacket.Answer;

/** The answer records and rcode for one question; null means "stay silent". */
export function answerQuestion(zone: DnsZone, qname: string, qtype: string): { rcode: number; answers: Answer[] } | null {
  const answers: Answer[] = [];
  let current = qname.toLowerCase().replace(/\.$/, '');
  for (let hop = 0; hop < 16; hop += 1) {
    const entry = zone[current];
    if (!entry) return { rcode: RCODE.NXDOMAIN, answers };
    if (entry.behaviour === 'timeout') return answers.length === 0 ? null : { rcode: RCODE.SERVFAIL, answers };
    if (entry.behaviour === 'servfail') return { rcode: RCODE.SERVFAIL, answers };
    if (entry.behaviour === 'refused') return { rcode: RCODE.REFUSED, answers };
    if (entry.behaviour === 'nxdomain') return { rcode: RCODE.NXDOMAIN, answers };
    const ttl = entry.ttl ?? 300;
    if (entry.cname) {
      answers.push({ type: 'CNAME', name: current, ttl, class: 'IN', data: entry.cname });
      if (qtype === 'CNAME') return { rcode: RCODE.NOERROR, answers };
      current = entry.cname.toLowerCase().replace(/\.$/, '');
      continue;
    }
    if (qtype === 'A') for (const a of entry.a ?? []) answers.push({ type: 'A', name: current, ttl, class: 'IN', data: a });
    if (qtype === 'AAAA') for (const a of entry.aaaa ?? []) answers.push({ type: 'AAAA', name: current, ttl, class: 'IN', data: a });
    return { rcode: RCODE.NOERROR, answers };
  }
  return { rcode: RCODE.SERVFAIL, answers };
}

export async function startDnsStandin(zone: DnsZone, options: { port?: number; host?: string } = {}): Promise<DnsStandin> {
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  const standin = { zone, queries } as DnsStandin;
  socket.on('message', (message, peer) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    queries.push(`${question.type} ${question.name.toLowerCase()}`);
    const result = answerQuestion(standin.zone, question.name, question.type);
    if (!result) return;
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: FLAGS | result.rcode,
      questions: [question],
      answers: result.answers,
    });
    socket.send(response, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = socket.address().port;
  standin.port = port;
  standin.server = `${options.host ?? '127.0.0.1'}:${port}`;
  standin.close = () => new Promise<void>((resolve) => socket.close(() => resolve()));
  return standin;
}

if (isEntryPoint(import.meta.url)) {
  const flags = readFlags(process.argv.slice(2));
  const zoneFile = flags.get('zone');
  const zone: DnsZone = zoneFile ? (JSON.parse(readFileSync(zoneFile, 'utf8')) as DnsZone) : { 'www.hosting.example': { a: ['193.190.198.10'] } };
  const standin = await startDnsStandin(zone, { port: Number(flags.get('port') ?? 5353) });
  console.log(`dns stand-in listening on ${standin.server}`);
}
