/**
 * An HTTP listener that can really refuse connections for a while: `refuse()` closes the
 * listening socket (the kernel then answers new connections with RST, the client sees
 * ECONNREFUSED before it could send a byte) and ends idle keep-alive connections, so a client's
 * next call needs a new connection and is refused too. Connections with a request in progress
 * are left to finish. `accept()` listens again on the same port.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export class RefusableServer {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  private reopenTimer: NodeJS.Timeout | null = null;
  private listening = false;
  private closed = false;

  constructor(
    handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
    private readonly host: string,
  ) {
    this.server = http.createServer(handler);
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  get refusing(): boolean {
    return !this.listening && !this.closed;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.listening = true;
  }

  /** Stop listening now; listen again after `forMs` (wall clock) when given. */
  refuse(forMs?: number): void {
    if (this.closed) return;
    if (this.listening) {
      this.listening = false;
      this.server.close();
      this.server.closeIdleConnections();
    }
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    this.reopenTimer = null;
    if (forMs !== undefined) {
      this.reopenTimer = setTimeout(() => {
        this.reopenTimer = null;
        void this.accept();
      }, forMs);
      this.reopenTimer.unref();
    }
  }

  async accept(): Promise<void> {
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    this.reopenTimer = null;
    if (this.listening || this.closed) return;
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    for (const socket of this.sockets) socket.destroy();
    if (!this.listening) return;
    this.listening = false;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
