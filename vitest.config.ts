import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fails the run if any test changed the machine's own /etc.
    globalSetup: ['test/etc-unchanged.ts'],
    // e2e files share fixed peers (netns names, the bridge address), so files run one at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
