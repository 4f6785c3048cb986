/**
 * `npm start`: the emulator of the four clouds and the OpenAI-compatible front wired to it, with no cloud
 * credentials. PORT (front, default 8787) and EMULATOR_PORT (default 4010) choose the ports;
 * GENAI_API_KEYS (comma-separated) sets the accepted keys, else one is generated and printed. Ctrl-C stops both.
 */
import { parseKeyList } from '@genai-deploy/front';
import {
  LOCAL_CHAT_MODELS,
  LOCAL_EMBEDDING_MODELS,
  LOCAL_VECTOR_STORE,
  startLocalPlatform,
} from './platform.js';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    console.error(`${name} must be a TCP port number (0-65535); got "${raw}"`);
    process.exit(2);
  }
  return n;
}

const keysFromEnv = process.env.GENAI_API_KEYS ? parseKeyList(process.env.GENAI_API_KEYS) : [];
const platform = await startLocalPlatform({
  port: port('PORT', 8787),
  emulatorPort: port('EMULATOR_PORT', 4010),
  apiKeys: keysFromEnv,
}).catch((e: unknown) => {
  const err = e as NodeJS.ErrnoException;
  console.error(
    err.code === 'EADDRINUSE'
      ? `a port is already in use (${err.message}); set PORT and/or EMULATOR_PORT to free ports`
      : `could not start the local platform: ${err.message}`,
  );
  process.exit(1);
});

const key = platform.apiKeys[0]!;
const url = platform.front.url;
console.log(`
genai-deploy local platform

  front (OpenAI-compatible)  ${url}/v1
  emulator (4 clouds)        ${platform.emulator.url}
  API key                    ${keysFromEnv.length > 0 ? '(from GENAI_API_KEYS)' : key}

  chat models       ${LOCAL_CHAT_MODELS.join(', ')}, route "chat" (Bedrock, falls back to Vertex)
  embedding models  ${LOCAL_EMBEDDING_MODELS.join(', ')}, route "embed"
  vector stores     /v1/files, /v1/vector_stores on the emulator's OpenSearch (embedded by ${LOCAL_VECTOR_STORE.embeddingModel})

Try it:

  curl ${url}/v1/chat/completions \\
    -H "Authorization: Bearer ${keysFromEnv.length > 0 ? '$KEY' : key}" \\
    -H "content-type: application/json" \\
    -d '{"model":"chat","messages":[{"role":"user","content":"Hello!"}]}'

Ctrl-C stops both.
`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the front and the emulator...`);
  platform.close(5000).then(
    () => {
      console.log('stopped');
      process.exit(0);
    },
    (e: unknown) => {
      console.error(`shutdown failed: ${(e as Error).message}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
