/**
 * A WHOIS (port 43) stand-in: a node:net server that reads one query line and answers with
 * the text given for it, then closes, as RFC 3912 servers do. nock cannot see raw TCP, so
 * WHOIS tests run against this. `hang` queries are never answered.
 */
import net from 'node:net';
import { isEntryPoint, readFlags } from './standin-kit.js';

export interface WhoisStandin {
  port: number;
  /** `127.0.0.1:port`, ready for a whoisServers map. */
  server: string;
  /** Query lines received, in order. */
  queries: string[];
  close(): Promise<void>;
}

/** Query line (e.g. "n + 12.0.0.1" or "193.190.198.10") → answer text, or 'hang'. */
export type WhoisAnswers = Record<string, string | 'hang'>;

export async function startWhoisStandin(answers: WhoisAnswers, options: { port?: number } = {}): Promise<WhoisStandin> {
  const queries: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\n');
      if (end < 0) return;
      const query = buffer.slice(0, end).trim();
      queries.push(query);
      const answer = answers[query];
      if (answer === 'hang') return;
      socket.end(answer ?? `% No entries found for ${query}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    server: `127.0.0.1:${port}`,
    queries,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

if (isEntryPoint(import.meta.url)) {
  const flags = readFlags(process.argv.slice(2));
  const standin = await startWhoisStandin({}, { port: Number(flags.get('port') ?? 4343) });
  console.log(`whois stand-in on ${standin.server}`);
}
