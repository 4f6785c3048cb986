import {
  type ClientOptions,
  createClient,
  type GenAiClient,
  type GenAiError,
  type ProviderName,
  type ProvidersOptions,
} from '@genai-deploy/client';
import { type Emulator, type EmulatorOptions, startEmulator } from '@genai-deploy/emulator';
import { OAuth2Client } from 'google-auth-library';

/** Test helpers for the client e2e tests: the emulator on a random port and a client pointed at it. */

export const AWS_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

/**
 * Every provider pointed at the emulator; `vertex` adds Vertex options (e.g. `embedTransport`). Typed per
 * provider name, like CHAT and EMBED: a new provider fails the type check here until the tests cover it.
 */
export function emulatorProviders(
  url: string,
  vertex: Partial<NonNullable<ProvidersOptions['vertex']>> = {},
): ProvidersOptions {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'test-token' });
  return {
    bedrock: { region: 'us-east-1', endpoint: url, credentials: AWS_CREDENTIALS },
    // `llama-messages` serves the Messages API (tools, JSON, images); other endpoints the defaults.
    sagemaker: {
      region: 'us-east-1',
      endpoint: url,
      credentials: AWS_CREDENTIALS,
      adapters: { 'llama-messages': 'messages' },
    },
    vertex: { project: 'test-project', location: 'us-central1', endpoint: url, authClient, ...vertex },
    azure: { endpoint: url, apiKey: 'test-key' },
  } satisfies Required<ProvidersOptions>;
}

/** Chat models, one per provider. */
export const CHAT = {
  bedrock: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
  sagemaker: 'sagemaker/llama-tgi',
  vertex: 'vertex/gemini-2.0-flash',
  azure: 'azure/gpt-4o-mini',
} as const satisfies Record<ProviderName, string>;

/** Chat models that serve tools, JSON schemas and images, one per provider (SageMaker through the Messages API). */
export const TOOL_CHAT = {
  ...CHAT,
  sagemaker: 'sagemaker/llama-messages',
} as const satisfies Record<ProviderName, string>;

/** Embedding models, one per provider (Bedrock: Cohere; Titan is tested on its own). */
export const EMBED = {
  bedrock: 'bedrock/cohere.embed-english-v3',
  sagemaker: 'sagemaker/bge-embed',
  vertex: 'vertex/text-embedding-005',
  azure: 'azure/text-embedding-3-small',
} as const satisfies Record<ProviderName, string>;

export { PROVIDERS } from '@genai-deploy/config';

export interface ClientEmulator {
  readonly emulator: Emulator;
  readonly client: GenAiClient;
  /** Another client on the same emulator (closed by close()). */
  newClient(options?: Omit<ClientOptions, 'providers'>): GenAiClient;
  close(): Promise<void>;
}

/** Starts the emulator and a client on it. Retries and breakers are off unless `options` turn them on. */
export async function startClientEmulator(
  options: Omit<ClientOptions, 'providers'> = {},
  emulatorOptions: EmulatorOptions = {},
): Promise<ClientEmulator> {
  const emulator = await startEmulator({ port: 0, ...emulatorOptions });
  const clients: GenAiClient[] = [];
  const newClient = (o: Omit<ClientOptions, 'providers'> = {}) => {
    const c = createClient({
      retry: false,
      circuitBreaker: false,
      cache: false, // the cache is on by default (issue 6); provider tests count every upstream request
      ...o,
      providers: emulatorProviders(emulator.url),
    });
    clients.push(c);
    return c;
  };
  const client = newClient(options);
  return {
    emulator,
    client,
    newClient,
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await emulator.close();
    },
  };
}

/** Waits until `check` is true (polling), or fails after `ms`. For state that settles asynchronously. */
export async function eventually(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The GenAiError a call fails with; fails the test if the call succeeds. */
export const failure = (p: Promise<unknown>): Promise<GenAiError> =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as GenAiError,
  );
