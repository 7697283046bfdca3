import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { createIccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { SetupError } from '../../src/domain/errors.js';
import { createPoliceAdapter } from '../../src/delivery/destinations/police-export.js';
import { deliveryRequest, policeRequest } from './delivery-request-fixture.js';

const tls = (name: string) => fileURLToPath(new URL(`./tls/${name}`, import.meta.url));
const clock = new ManualClock('2026-01-01T00:00:00Z');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An HTTPS server on 127.0.0.1 signed by the test CA; `requireClientCert` makes it mutual TLS. */
async function httpsServer(requireClientCert: boolean): Promise<{ url: string; clientSubjects: string[] }> {
  const clientSubjects: string[] = [];
  const server = https.createServer(
    {
      key: readFileSync(tls('server.key')),
      cert: readFileSync(tls('server.pem')),
      ca: readFileSync(tls('ca.pem')),
      requestCert: requireClientCert,
      rejectUnauthorized: requireClientCert,
    },
    (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      if (peer?.subject) clientSubjects.push(String(peer.subject.CN));
      req.resume();
      req.on('end', () => {
        // The police export's receipt, or ICCAM v3's answers (login, a bare-number report id, the report).
        const answer =
          req.url === '/Authentication'
            ? { bearerToken: 't', refreshToken: 'r', bearerTokenExpiresIn: 600 }
            : req.url === '/rest/Reports'
              ? 4711
              : req.url === '/rest/Reports/4711'
                ? { reportContents: [{ contentId: 9001, urlString: 'https://files.hosting.example/a/1.jpg' }] }
                : { receiptId: 'R-TLS' };
        res.writeHead(req.url === '/Authentication' || req.url?.startsWith('/rest/') ? 200 : 201, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, clientSubjects };
}

describe('destination TLS', () => {
  it('trusts a destination signed by the configured CA', async () => {
    const { url } = await httpsServer(false);
    const police = createPoliceAdapter({ baseUrl: url, token: 't', timeoutMs: 2_000, caFile: tls('ca.pem'), clock });
    cleanups.push(() => police.close());
    expect(await police.deliver(policeRequest())).toMatchObject({ kind: 'delivered', reference: 'R-TLS' });
  });

  it('without the CA the certificate is not trusted, and the attempt is kept for later', async () => {
    const { url } = await httpsServer(false);
    const police = createPoliceAdapter({ baseUrl: url, token: 't', timeoutMs: 2_000, clock });
    cleanups.push(() => police.close());
    expect(await police.deliver(policeRequest())).toMatchObject({ kind: 'retry', errorClass: 'tls' });
  });

  it('presents the client certificate for mutual TLS (ICCAM)', async () => {
    const server = await httpsServer(true);
    const iccam = createIccamAdapter({
      baseUrl: server.url,
      username: 'u',
      password: 'p',
      timeoutMs: 2_000,
      clock,
      caFile: tls('ca.pem'),
      clientCertFile: tls('client.pem'),
      clientKeyFile: tls('client.key'),
      loginPauseMs: 0,
    });
    cleanups.push(() => iccam.close());
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'delivered', reference: '4711', secondaryReference: '9001' });
    expect(server.clientSubjects).toContain('client.test');
  });

  it('without a client certificate mutual TLS refuses the connection', async () => {
    const { url } = await httpsServer(true);
    const iccam = createIccamAdapter({ baseUrl: url, username: 'u', password: 'p', timeoutMs: 2_000, clock, caFile: tls('ca.pem') });
    cleanups.push(() => iccam.close());
    const outcome = await iccam.deliver(deliveryRequest());
    expect(outcome.kind).toBe('retry');
  });

  it('a TLS handshake that never completes is a connect timeout, well before the response deadline', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => {
      sockets.push(socket); // accepts TCP, never speaks TLS
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const police = createPoliceAdapter({ baseUrl: url, token: 't', timeoutMs: 5_000, connectTimeoutMs: 150, caFile: tls('ca.pem'), clock });
    cleanups.push(() => police.close());
    const outcome = await police.deliver(policeRequest());
    expect(outcome).toMatchObject({ kind: 'retry', errorClass: 'connect_timeout' });
    expect(outcome.durationMs).toBeLessThan(2_000);
  });

  it('an unreadable certificate file stops construction with a clear error', () => {
    expect(() =>
      createIccamAdapter({
        baseUrl: 'https://iccam.example',
        username: 'u',
        password: 'p',
        timeoutMs: 1_000,
        clock,
        clientCertFile: '/nonexistent/client.pem',
      }),
    ).toThrow(SetupError);
  });
});
