/**
 * A real service context for tests: the real config parser, a SQLite file of its own, a
 * ManualClock, and one API key per role. Logs are captured in memory so tests can read them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { hashKeySecret } from '../../src/config/api-keys.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createContext, type Context, type ContextOverrides } from '../../src/context.js';
import { ManualClock } from '../../src/domain/clock.js';
import { createLogger } from '../../src/logging/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';

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
  ctx: Context;
  config: Config;
  clock: ManualClock;
  logs: LogCapture;
  dir: string;
  close(): Promise<void>;
}

export async function createTestService(env: Record<string, string> = {}, overrides: ContextOverrides = {}): Promise<TestService> {
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
  const ctx = createContext(config, {
    clock,
    logger: createLogger({ level: 'debug', stream: logs }),
    metrics: createMetrics(),
    random: () => 0.5,
    ...overrides,
  });
  await ctx.store.migrate();
  return {
    ctx,
    config,
    clock,
    logs,
    dir,
    close: async () => {
      await ctx.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
