/**
 * The local platform: the emulator of the four clouds and the front wired to it, on embedded defaults, with
 * your configuration file layered over them (local-config.ts). Providers on the emulator get fake AWS keys, a
 * static Vertex token and an Azure key, only ever sent to the local emulator; a provider your file makes real
 * gets none of them, so its cloud's default credential chain applies.
 */
import { randomBytes } from 'node:crypto';
import type { ClientOptions } from '@genai-deploy/client';
import type { FrontConfigInput, ProviderName } from '@genai-deploy/config';
import { type Emulator, type EmulatorOptions, startEmulator } from '@genai-deploy/emulator';
import { ApiKeys, type RunningFront, type StartFrontOptions, startFront } from '@genai-deploy/front';
import { OAuth2Client } from 'google-auth-library';
import { type LayeredConfig, layerConfig } from './local-config.js';

export const LOCAL_CHAT_MODELS = [
  'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
  'bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0',
  'sagemaker/llama-3-8b-tgi',
  'sagemaker/llama-3-8b-messages',
  'vertex/gemini-2.0-flash',
  'azure/gpt-4o-mini',
] as const;

export const LOCAL_EMBEDDING_MODELS = [
  'bedrock/amazon.titan-embed-text-v2:0',
  'sagemaker/bge-embed',
  'vertex/text-embedding-005',
  'azure/text-embedding-3-small',
] as const;

/**
 * The vector store of `npm start`: the emulator's OpenSearch data plane (SigV4 with the fake AWS keys), embedded by
 * one model (an index takes one model's vectors: no fallback route) whose emulated vectors are lexical, so texts
 * that share words are near.
 */
export const LOCAL_VECTOR_STORE = { embeddingModel: 'vertex/text-embedding-005', dimension: 768 } as const;

/**
 * The embedded configuration: models on all four providers at the emulator, routes with a fallback, and the
 * vector store API on the emulator's OpenSearch.
 */
export function localConfig(emulatorUrl: string): FrontConfigInput {
  return {
    models: [
      ...LOCAL_CHAT_MODELS.map((id) => ({
        id,
        maxOutputTokens: 1024,
        maxInputTokens: 32_000,
        // A TGI/vLLM container serving the Messages API: tools, JSON schemas and images go through it.
        ...(id.endsWith('-messages') && { adapter: 'messages' as const }),
      })),
      ...LOCAL_EMBEDDING_MODELS.map((id) => ({ id, kind: 'embedding' as const, maxInputTokens: 8000 })),
    ],
    routes: {
      // Bedrock first; Vertex answers when Bedrock is throttled, down or its circuit is open.
      chat: { targets: ['bedrock/anthropic.claude-3-5-haiku-20241022-v1:0', 'vertex/gemini-2.0-flash'] },
      embed: { targets: ['vertex/text-embedding-005', 'azure/text-embedding-3-small'] },
    },
    vectorStore: {
      engine: 'opensearch',
      endpoint: `${emulatorUrl}/opensearch`,
      region: 'us-east-1',
      index: 'genai-chunks',
      ...LOCAL_VECTOR_STORE,
    },
    providers: {
      bedrock: { region: 'us-east-1', endpoint: emulatorUrl },
      sagemaker: { region: 'us-east-1', endpoint: emulatorUrl },
      vertex: { project: 'local-project', location: 'us-central1', endpoint: emulatorUrl },
      azure: { endpoint: emulatorUrl },
    },
  };
}

/**
 * Credentials for the emulator only: they open nothing anywhere else. Providers in `real` get none, so their
 * cloud's default chain applies.
 */
export function localClientOptions(real: ReadonlySet<ProviderName> = new Set()): ClientOptions {
  const credentials = { accessKeyId: 'AKIALOCALEMULATOR', secretAccessKey: 'local-emulator-secret' };
  const authClient = new OAuth2Client();
  authClient.setCredentials({
    access_token: 'local-emulator-token',
    expiry_date: Date.now() + 365 * 86_400_000,
  });
  const providers: NonNullable<ClientOptions['providers']> = {
    bedrock: { credentials },
    sagemaker: { credentials },
    vertex: { project: 'local-project', location: 'us-central1', authClient },
    azure: { endpoint: 'http://placeholder.invalid', apiKey: 'local-emulator-key' },
  };
  for (const p of real) delete providers[p];
  return { providers };
}

export interface LocalPlatformOptions {
  /** Front port; 0 picks a free one. @default 8787 */
  readonly port?: number;
  /** Emulator port; 0 picks a free one. @default 4010 */
  readonly emulatorPort?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** API keys the front accepts: plaintext keys, or keys loaded by the front's loadApiKeys. @default - one generated key */
  readonly apiKeys?: readonly string[] | ApiKeys;
  /** Keys of the front's admin API (`/admin/*`), in the same forms. @default - one generated key */
  readonly adminKeys?: readonly string[] | ApiKeys;
  /**
   * Your configuration (a parsed file), layered over the defaults by the rules of local-config.ts.
   * @default - the defaults alone
   */
  readonly config?: Record<string, unknown>;
  /** What `config` came from, for error messages. @default 'the configuration file' */
  readonly configSource?: string;
  /** Emulator options (latency model, seed). */
  readonly emulator?: Omit<EmulatorOptions, 'port' | 'host'>;
  /** More front options (logger, Redis, metrics...). */
  readonly front?: Omit<StartFrontOptions, 'config' | 'apiKeys' | 'port' | 'host' | 'clientOptions'>;
  /** Client options merged over the local ones (e.g. `retry: false`). */
  readonly clientOptions?: ClientOptions;
}

export interface LocalPlatform {
  readonly emulator: Emulator;
  readonly front: RunningFront;
  /** The API keys as given or generated, in plaintext; empty when given as an ApiKeys. */
  readonly apiKeys: readonly string[];
  /** The admin keys likewise. */
  readonly adminKeys: readonly string[];
  /** The configuration the front runs, and which providers are emulated or real. */
  readonly layered: LayeredConfig;
  /** Stops the front (draining for up to `drainMs`), then the emulator. */
  close(drainMs?: number): Promise<void>;
}

/** Generates an API key in the usual `sk-...` form (`sk-local-...`, or `sk-<kind>-...`). */
export function generateApiKey(kind = 'local'): string {
  return `sk-${kind}-${randomBytes(24).toString('base64url')}`;
}

/** Keys as given (an ApiKeys, or plaintext keys kept for the banner), else one generated `sk-<kind>-...` key. */
function keysOrGenerated(given: readonly string[] | ApiKeys | undefined, kind: string) {
  if (given instanceof ApiKeys) return { keys: given, plain: [] as readonly string[] };
  const plain = given && given.length > 0 ? given : [generateApiKey(kind)];
  return { keys: ApiKeys.from({ keys: plain }), plain };
}

export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const host = options.host ?? '127.0.0.1';
  const emulator = await startEmulator({ ...options.emulator, port: options.emulatorPort ?? 4010, host });
  try {
    const layered = layerConfig(
      localConfig(emulator.url),
      options.config,
      emulator.url,
      options.configSource,
    );
    const real = new Set(layered.providers.filter((p) => !p.emulated).map((p) => p.provider));
    const apiKeys = keysOrGenerated(options.apiKeys, 'local');
    const adminKeys = keysOrGenerated(options.adminKeys, 'admin');
    const local = localClientOptions(real);
    const extra = options.clientOptions ?? {};
    const front = await startFront({
      ...options.front,
      config: layered.config,
      apiKeys: apiKeys.keys,
      adminKeys: adminKeys.keys,
      port: options.port ?? 8787,
      host,
      clientOptions: {
        ...local,
        ...extra,
        providers: {
          ...local.providers,
          ...extra.providers,
          ...(!real.has('azure') && {
            azure: { endpoint: emulator.url, apiKey: 'local-emulator-key', ...extra.providers?.azure },
          }),
        },
      },
    });
    return {
      emulator,
      front,
      apiKeys: apiKeys.plain,
      adminKeys: adminKeys.plain,
      layered,
      async close(drainMs = 0) {
        await front.close(drainMs);
        await emulator.close();
      },
    };
  } catch (e) {
    await emulator.close();
    throw e;
  }
}
