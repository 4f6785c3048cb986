/**
 * The adapter's tests run the real client against the emulator of the four clouds over real sockets; the
 * credentials are fake and only ever sent to the emulator.
 */
import { type ClientOptions, createClient, type GenAiClient } from '@genai-deploy/client';
import { type Emulator, type EmulatorOptions, startEmulator } from '@genai-deploy/emulator';
import { OAuth2Client } from 'google-auth-library';

export type { Emulator };

/** One chat model per provider; SageMaker through the Messages API adapter (tools and JSON need it). */
export const CHAT = {
  bedrock: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
  sagemaker: 'sagemaker/llama-messages',
  vertex: 'vertex/gemini-2.0-flash',
  azure: 'azure/gpt-4o-mini',
} as const;

export const EMBED = {
  bedrock: 'bedrock/cohere.embed-english-v3',
  sagemaker: 'sagemaker/bge-embed',
  vertex: 'vertex/text-embedding-005',
  azure: 'azure/text-embedding-3-small',
} as const;

export interface TestPlatform {
  readonly emulator: Emulator;
  readonly client: GenAiClient;
  newClient(options?: Omit<ClientOptions, 'providers'>): GenAiClient;
  close(): Promise<void>;
}

/** The emulator and a client on it; retries, breakers and the cache off unless `options` turn them on. */
export async function startTestPlatform(
  options: Omit<ClientOptions, 'providers'> = {},
  emulatorOptions: EmulatorOptions = {},
): Promise<TestPlatform> {
  const emulator = await startEmulator({ ...emulatorOptions, port: 0 });
  const clients: GenAiClient[] = [];
  const newClient = (o: Omit<ClientOptions, 'providers'> = {}) => {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: 'test-token' });
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
    const client = createClient({
      retry: false,
      circuitBreaker: false,
      cache: false,
      ...o,
      providers: {
        bedrock: { region: 'us-east-1', endpoint: emulator.url, credentials },
        sagemaker: {
          region: 'us-east-1',
          endpoint: emulator.url,
          credentials,
          adapters: { 'llama-messages': 'messages' },
        },
        vertex: { project: 'test-project', location: 'us-central1', endpoint: emulator.url, authClient },
        azure: { endpoint: emulator.url, apiKey: 'test-key' },
      },
    });
    clients.push(client);
    return client;
  };
  return {
    emulator,
    client: newClient(options),
    newClient,
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await emulator.close();
    },
  };
}
