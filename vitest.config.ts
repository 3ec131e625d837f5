import { defineConfig } from 'vitest/config';

// Tests live beside the code (`*.test.ts`); slower ones that start servers or child processes are
// `*.integration.test.ts`. Both run in `npm test`; each test makes its own temp dirs and ports so
// files can run in parallel.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
