/**
 * Starts and stops the service that compose() built: the HTTP listener and the background
 * jobs. Shutdown order: stop intake, let in-flight requests finish, stop jobs (each waits for
 * its run in progress), wait for the dispatcher's sends, release the destination adapters and
 * the locator, close the store.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bindCheckpointFile } from './audit/checkpoint-binding.js';
import { loadOrCreateSigningKey, publicKeyFileFor } from './audit/signing-key-file.js';
import type { Composed } from './compose.js';
import { suggestSetting } from './config/config.js';
import { listenRefusal } from './config/startup-refusals.js';
import { createApp, type AppParts } from './http/app.js';

const DESTINATION_SETTINGS: Record<'police' | 'inhope', readonly string[]> = {
  police: ['POLICE_EXPORT_URL', 'POLICE_EXPORT_TOKEN'],
  inhope: ['ICCAM_URL', 'ICCAM_USERNAME', 'ICCAM_PASSWORD'],
};

export interface RunningService {
  readonly service: Composed;
  readonly server: Server;
  /** The port actually bound (PORT=0 picks a free one). */
  readonly port: number;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** Settings given but not read (typos): named in the destination warnings with what they meant. */
  unknownSettings?: readonly string[];
}

/** What the HTTP app serves from a composed service: locate, the console, readiness. */
export function appParts(service: Composed): AppParts {
  return { locator: service.locator, readiness: service.readiness, console: { adapters: service.adapters, breakers: service.breakers, jobs: service.jobs } };
}

/** Listens and starts the jobs (when JOBS_ENABLED); a refused listen releases what compose built. */
export async function startService(service: Composed, options: ServiceOptions = {}): Promise<RunningService> {
  const { ctx } = service;
  const config = ctx.config;
  const log = ctx.logger.child({ component: 'service' });
  if (service.migrationsApplied.length) log.info('migrations applied', { migrations: service.migrationsApplied });
  // The checkpoint signing key exists from the first start on (mode 0600, never in the database).
  const signingKey = loadOrCreateSigningKey(config.audit.signingKeyFile);
  if (signingKey.created)
    log.info('audit signing key created', { file: config.audit.signingKeyFile, publicKeyFile: publicKeyFileFor(config.audit.signingKeyFile) });
  // The checkpoint file must be this ledger's: one that belongs to another database is refused
  // here, in one line, rather than left to disagree with this one in silence.
  try {
    const binding = await bindCheckpointFile(ctx.store, config.audit.checkpointFile, { newLedgerId: ctx.newId(), now: ctx.clock.now().getTime() });
    if (binding === 'created') log.info('audit checkpoint file started', { file: config.audit.checkpointFile });
  } catch (error) {
    await service.close();
    throw error;
  }
  if (config.apiKeys.length === 0) {
    log.warn('no API keys configured: every /v1 call is refused with 401', {
      hint: 'create one with `npx referral keys create --role analyst --name NAME` and add the printed entry to API_KEYS',
    });
  }
  for (const d of ['police', 'inhope'] as const) {
    if (service.adapters[d]) continue;
    // POLICE_EXPORT_ULR given, POLICE_EXPORT_URL meant: say so where the operator looks.
    const meant = (options.unknownSettings ?? [])
      .map((given) => ({ given, meant: suggestSetting(given) }))
      .filter((s) => s.meant && DESTINATION_SETTINGS[d].includes(s.meant));
    log.warn('destination not configured: its handovers wait in routed', {
      destination: d,
      ...(meant.length ? { probablyMeant: meant.map((s) => `${s.given} → ${s.meant}`) } : {}),
    });
  }

  const app = createApp(ctx, appParts(service));
  // Slow clients are cut off in seconds, not Node's five minutes: headers within
  // HTTP_HEADERS_TIMEOUT_MS, the whole request within HTTP_REQUEST_TIMEOUT_MS (answered 408).
  // Node enforces both only as often as connectionsCheckingInterval, hence one second.
  const server: Server = createServer(
    {
      headersTimeout: Math.min(config.http.headersTimeoutMs, config.http.requestTimeoutMs),
      requestTimeout: config.http.requestTimeoutMs,
      connectionsCheckingInterval: 1_000,
      // Idle keep-alive connections must not hold shutdown open.
      keepAliveTimeout: 5_000,
    },
    app,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.http.port, config.http.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await service.close();
    throw listenRefusal(config.http.host, config.http.port, error);
  }
  const port = (server.address() as AddressInfo).port;
  if (config.schedules.enabled) service.jobs.start();
  log.info('listening', { bind: `${config.http.host}:${port}`, store: ctx.store.dialect, jobs: config.schedules.enabled });

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      log.info('shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), config.http.shutdownGraceMs);
      await closed;
      clearTimeout(grace);
      await service.jobs.stop();
      await service.dispatcher.drain();
      await service.close();
      log.info('stopped');
    })();
    return stopping;
  };
  return { service, server, port, stop };
}
