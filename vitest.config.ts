import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through this export condition, so tests never
// need a build first. Published packages ignore it and use dist/.
// 'module' is left out: with it, packages such as @aws-sdk/core resolve to dist-es (extensionless ESM that Node
// cannot load) instead of their "node" entry.
const conditions = ['@genai-deploy/source', ...defaultServerConditions.filter((c) => c !== 'module')];

const packages = ['config', 'emulator', 'client', 'front', 'aws', 'gcp', 'azure', 'ai-sdk', 'langchain'];

export default defineConfig({
  test: {
    projects: [
      ...packages.map((name) => ({
        resolve: { conditions },
        ssr: { resolve: { conditions, externalConditions: ['@genai-deploy/source'] } },
        test: {
          name,
          root: `packages/${name}`,
          include: ['src/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      })),
      {
        resolve: { conditions },
        ssr: { resolve: { conditions, externalConditions: ['@genai-deploy/source'] } },
        test: {
          name: 'e2e',
          root: 'test',
          include: ['**/*.test.ts'],
          exclude: ['bench/**', '**/node_modules/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
