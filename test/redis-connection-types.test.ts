import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { root, SECOND_NODE_SKIP, TempProject } from './temp-project.js';

// `npm install ioredis` gives a user the newest major, not the one the client depends on: a user's `new Redis()`
// must type-check wherever the client takes a connection (RedisConnection), from ioredis 5 and from the latest.
const connection = join(root, 'packages', 'client', 'src', 'redis-connection.js');
const user = TempProject.create('ioredis');
afterAll(() => user.remove());

const source = `import { Redis } from 'ioredis';
import type { RedisConnection } from ${JSON.stringify(connection)};
const redis = new Redis({ lazyConnect: true });
export const accepted: RedisConnection = redis;
`;

function typeCheck(project: TempProject): void {
  project.write('main.ts', source);
  const result = project.compile({ files: ['main.ts'], nodeTypes: true });
  if (result.status !== 0) {
    throw new Error(
      `a user's ioredis client is not accepted as a RedisConnection (tsc exit ${result.status}); ` +
        `RedisConnection must only name methods every supported ioredis major has, with loose signatures:\n${result.output}`,
    );
  }
}

it.skipIf(SECOND_NODE_SKIP)(
  `the latest ioredis from the registry (what \`npm install ioredis\` gives) is a RedisConnection${SECOND_NODE_SKIP ? ` (${SECOND_NODE_SKIP})` : ''}`,
  async () => {
    await user.install(['ioredis@latest']);
    typeCheck(user);
  },
  120_000,
);

it("the workspace's ioredis (the client's own dependency) is a RedisConnection", () => {
  // Inside the workspace, so that `ioredis` resolves to the client's own copy.
  const workspace = TempProject.in(join(root, 'test', '.ioredis-types'));
  try {
    typeCheck(workspace);
  } finally {
    workspace.remove();
  }
});

it('an object that is not a Redis connection is refused', () => {
  const refused = TempProject.create('ioredis-refused');
  try {
    refused.write(
      'main.ts',
      `import type { RedisConnection } from ${JSON.stringify(connection)};\nexport const bad: RedisConnection = { status: 'ready' };\n`,
    );
    const result = refused.compile({ files: ['main.ts'], nodeTypes: true });
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(
      /TS2740: Type '\{ status: string; \}' is missing .* from type 'RedisConnection'/,
    );
  } finally {
    refused.remove();
  }
});
