/**
 * Starts and stops the whole service: store (migrated), locator, destinations, HTTP listener,
 * background jobs. Shutdown order: stop intake, let in-flight requests finish, stop jobs (each
 * waits for its run in progress), release clients, close the store.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadOrCreateSigningKey, publicKeyFileFor } from './audit/signing-key-file.js';
import { createComponents, type ComponentOverrides, type Components, type LocatorFactory } from './components.js';
import { suggestSetting, type Config } from './config/config.js';
import { checkConfiguredFiles, listenRefusal, storeRefusal } from './config/startup-refusals.js';
import { createContext, type Context, type ContextOverrides } from './context.js';
import { createApp } from './http/app.js';
import { reconciliationJobs } from './jobs/reconciliation-jobs.js';

const DESTINATION_SETTINGS: Record<'police' | 'inhope', readonly string[]> = {
  police: ['POLICE_EXPORT_URL', 'POLICE_EXPORT_TOKEN'],
  inhope: ['ICCAM_URL', 'ICCAM_USERNAME', 'ICCAM_PASSWORD'],
};

export interface RunningService {
  ctx: Context;
  components: Components;
  server: Server;
  /** The port actually bound (PORT=0 picks a free one). */
  port: number;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  context?: ContextOverrides;
  components?: ComponentOverrides;
  locatorFactory: LocatorFactory;
  /** Settings given but not read (typos): named in the destination warnings with what they meant. */
  unknownSettings?: readonly string[];
}

export async function startService(config: Config, options: ServiceOptions): Promise<RunningService> {
  checkConfiguredFiles(config);
  let ctx: Context;
  try {
    ctx = createContext(config, options.context);
  } catch (error) {
    throw storeRefusal(config.database.url, error) ?? error;
  }
  const log = ctx.logger.child({ component: 'service' });
  let applied: string[];
  try {
    applied = await ctx.store.migrate();
  } catch (error) {
    const refusal = storeRefusal(config.database.url, error);
    if (!refusal) throw error;
    await ctx.store.close().catch(() => undefined);
    throw refusal;
  }
  if (applied.length) log.info('migrations applied', { migrations: applied });
  // The checkpoint signing key exists from the first start on (mode 0600, never in the database).
  const signingKey = loadOrCreateSigningKey(config.audit.signingKeyFile);
  if (signingKey.created) log.info('audit signing key created', { file: config.audit.signingKeyFile, publicKeyFile: publicKeyFileFor(config.audit.signingKeyFile) });
  if (config.apiKeys.length === 0) {
    log.warn('no API keys configured: every /v1 call is refused with 401', {
      hint: 'create one with `npx referral keys create --role analyst --name NAME` and add the printed entry to API_KEYS',
    });
  }
  const components = await createComponents(ctx, options.locatorFactory, { extraJobs: reconciliationJobs, ...options.components });
  for (const d of ['police', 'inhope'] as const) {
    if (components.adapters[d]) continue;
    // POLICE_EXPORT_ULR given, POLICE_EXPORT_URL meant: say so where the operator looks.
    const meant = (options.unknownSettings ?? []).map((given) => ({ given, meant: suggestSetting(given) })).filter((s) => s.meant && DESTINATION_SETTINGS[d].includes(s.meant));
    log.warn('destination not configured: its handovers wait in routed', {
      destination: d,
      ...(meant.length ? { probablyMeant: meant.map((s) => `${s.given} → ${s.meant}`) } : {}),
    });
  }

  const app = createApp(ctx, { locator: components.locator, console: { adapters: components.adapters, breakers: components.breakers, jobs: components.jobs } });
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      // Express 5 hands a listen error to this callback (and the server is not listening).
      const s = app.listen(config.http.port, config.http.host, (error?: Error) => (error ? reject(error) : resolve(s)));
    });
  } catch (error) {
    for (const adapter of Object.values(components.adapters)) adapter.close();
    await components.locator.close();
    await ctx.store.close();
    throw listenRefusal(config.http.host, config.http.port, error);
  }
  // Idle keep-alive connections must not hold shutdown open.
  server.keepAliveTimeout = 5_000;
  const port = (server.address() as AddressInfo).port;
  if (config.schedules.enabled) components.jobs.start();
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
      await components.jobs.stop();
      await components.dispatcher.drain();
      for (const adapter of Object.values(components.adapters)) adapter.close();
      await components.locator.close();
      await ctx.store.close();
      log.info('stopped');
    })();
    return stopping;
  };
  return { ctx, components, server, port, stop };
}
