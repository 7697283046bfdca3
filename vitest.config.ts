import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Child-process and PostgreSQL tests need more than the default 5 s on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/support/no-network.ts'],
    // The referral bin runs the compiled dist/: rebuilt from the current sources first.
    globalSetup: ['test/support/build-dist.ts'],
  },
});
