import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Chromium and the replay servers are real processes: keep the 2-core machine from thrashing.
    maxWorkers: 2,
  },
});
