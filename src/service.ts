/**
 * Starts and stops the whole service: store (migrated), locator, destinations, HTTP listener,
 * background jobs. Shutdown order: stop intake, let in-flight requests finish, stop jobs (each
 * waits for its run in progress), release clients, close the store.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createComponents, type ComponentOverrides, type Components, type LocatorFactory } from './components.js';
import type { Config } from './config/config.js';
import { createContext, type Context, type ContextOverrides } from './context.js';
import { createApp } from './http/app.js';
import { reconciliationJobs } from './jobs/reconciliation-jobs.js';

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
}

export async function startService(config: Config, options: ServiceOptions): Promise<RunningService> {
  const ctx = createContext(config, options.context);
  const log = ctx.logger.child({ component: 'service' });
  const applied = await ctx.store.migrate();
  if (applied.length) log.info('migrations applied', { migrations: applied });
  if (config.apiKeys.length === 0) {
    log.warn('no API keys configured: every /v1 call is refused with 401', {
      hint: 'create one with `npx referral keys create --role analyst --name NAME` and add the printed entry to API_KEYS',
    });
  }
  const components = await createComponents(ctx, options.locatorFactory, { extraJobs: reconciliationJobs, ...options.components });
  for (const d of ['police', 'inhope'] as const) {
    if (!components.adapters[d]) log.warn('destination not configured: its handovers wait in routed', { destination: d });
  }

  const app = createApp(ctx, { locator: components.locator, console: { adapters: components.adapters, breakers: components.breakers, jobs: components.jobs } });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.http.port, config.http.host, () => resolve(s));
    s.once('error', reject);
  });
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
