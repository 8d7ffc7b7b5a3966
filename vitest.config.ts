import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One test file at a time: the interop tests run real Go and Node processes with sub-second
    // protocol timeouts, and on a 2-core machine a parallel fuzz run next to them can delay acks
    // enough to cause suspicions that are about the machine, not the protocol. It costs no time.
    maxWorkers: 1,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
