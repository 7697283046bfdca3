/**
 * A real composed service for tests (src/compose.ts): the real config parser, a SQLite file of
 * its own, a ManualClock, one API key per role, a locator that knows no host and no destination
 * unless a test gives them. Logs are captured in memory so tests can read them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { hashKeySecret } from '../../src/config/api-keys.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { compose, type Composed, type ComposeOverrides } from '../../src/compose.js';
import type { Context } from '../../src/context.js';
import { createApp, type AppParts } from '../../src/http/app.js';
import { ManualClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/logging/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { TableLocator } from './table-locator.js';

export const KEYS = {
  analyst: 'test-analyst-secret-0001',
  supervisor: 'test-supervisor-secret-0001',
  service: 'test-service-secret-0001',
} as const;

export function apiKeysEnv(): string {
  return Object.entries(KEYS)
    .map(([role, secret]) => `${role}-key:${role}:${hashKeySecret(secret).toString('hex')}`)
    .join(',');
}

export const bearer = (role: keyof typeof KEYS) => `Bearer ${KEYS[role]}`;

export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface TestService {
  /** The composed service's context and parts (replaced by recompose). */
  ctx: Context;
  parts: Composed;
  config: Config;
  clock: ManualClock;
  logs: LogCapture;
  dir: string;
  /** Composes again on the same store, clock, logs and ids, with a test's locator, adapters... */
  recompose(overrides: ComposeOverrides): Promise<Composed>;
  /** The HTTP app with this service's readiness checks (and whatever else a test passes). */
  app(parts?: AppParts): ReturnType<typeof createApp>;
  close(): Promise<void>;
}

export async function createTestService(env: Record<string, string> = {}, overrides: ComposeOverrides = {}): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-test-'));
  const config = loadConfig({
    DATABASE_URL: `sqlite:${join(dir, 'referrals.db')}`,
    API_KEYS: apiKeysEnv(),
    JOBS_ENABLED: 'false',
    AUDIT_SIGNING_KEY_FILE: join(dir, 'audit-signing.key'),
    AUDIT_CHECKPOINT_FILE: join(dir, 'audit-checkpoints.jsonl'),
    ...env,
  });
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const logs = new LogCapture();
  const base: ComposeOverrides = {
    clock,
    logger: createLogger({ level: 'debug', stream: logs }),
    metrics: createMetrics(),
    random: () => 0.5,
    locator: new TableLocator({}),
    ...overrides,
  };
  const parts = await compose(config, base);
  const svc: TestService = {
    ctx: parts.ctx,
    parts,
    config,
    clock,
    logs,
    dir,
    recompose: async (more) => {
      const { ctx } = svc.parts;
      svc.parts = await compose(config, {
        ...base,
        store: ctx.store,
        processId: ctx.processId,
        newId: ctx.newId,
        wakeups: ctx.wakeups,
        policy: ctx.policy,
        ...more,
      });
      svc.ctx = svc.parts.ctx;
      return svc.parts;
    },
    app: (more = {}) => createApp(svc.ctx, { readiness: svc.parts.readiness, ...more }),
    close: async () => {
      await svc.ctx.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return svc;
}

export const sampleReferral = (reportId = 'CF-2026-0001') => ({
  reportId,
  urls: [
    { url: 'https://images.be-host.test/gallery/1.jpg', contentType: 'image' },
    { url: 'https://video.nl-host.test/v/2', contentType: 'video' },
  ],
  classification: { category: 'baseline', ageGroup: 'prepubescent', gender: 'female', siteType: 'image-host', commercial: false },
  reportedAt: '2026-02-28T09:00:00Z',
});
