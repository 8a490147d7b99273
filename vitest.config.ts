import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real cluster for the whole suite: started (or reused) once, stopped at the end if we started it.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // 2-core machines: test files share the brokers' CPU, so run them two at a time.
    maxWorkers: 2,
  },
});
