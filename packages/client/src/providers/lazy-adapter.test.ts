import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const src = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

// A fresh Node process (the test runner's module graph is shared by every test file): which official SDKs does
// importing the client, creating it and using only Bedrock load? The official clients are CommonJS, so each one
// loaded shows up in the shared require cache.
const script = `
import { createRequire } from 'node:module';
const { createClient } = await import(${JSON.stringify(src('index.ts'))});
const { lazyAdapter } = await import(${JSON.stringify(src('providers/lazy-adapter.ts'))});
const loaded = () => {
  const files = Object.keys(createRequire(import.meta.url).cache);
  const has = (name) => files.some((f) => f.includes('/node_modules/' + name + '/'));
  return {
    bedrock: has('@aws-sdk/client-bedrock-runtime'),
    sagemaker: has('@aws-sdk/client-sagemaker-runtime'),
    vertex: has('@google-cloud/aiplatform') || has('google-gax'),
    azure: has('@azure-rest/ai-inference'),
  };
};
const providers = {
  bedrock: { region: 'us-east-1' },
  vertex: { project: 'p', location: 'us-central1' },
  azure: { endpoint: 'https://example.invalid', apiKey: 'k' },
};
const client = createClient({ providers });
const afterCreate = loaded();
const bedrock = lazyAdapter('bedrock', providers);
const target = { provider: 'bedrock', model: 'm', id: 'bedrock/m' };
const error = await bedrock
  .generate(target, { model: 'm', targets: [target], messages: [{ role: 'user', content: 'hi' }] }, AbortSignal.abort())
  .catch((e) => e.name);
const afterBedrock = loaded();
await import(${JSON.stringify(src('providers/vertex/adapter.ts'))});
const afterVertexImport = loaded();
await client.close();
bedrock.close();
console.log(JSON.stringify({ afterCreate, afterBedrock, afterVertexImport, error }));
`;

describe('lazy provider loading', () => {
  it('loads an official client only when its provider is first used', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--conditions=@genai-deploy/source', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 60_000 },
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    const none = { bedrock: false, sagemaker: false, vertex: false, azure: false };
    expect(result.afterCreate).toEqual(none);
    // The aborted call loaded Bedrock's client and sent nothing.
    expect(result.error).toBe('AbortError');
    expect(result.afterBedrock).toEqual({ ...none, bedrock: true });
    // The probe can see the Vertex SDK when it is loaded.
    expect(result.afterVertexImport).toEqual({ ...none, bedrock: true, vertex: true });
  });
});
