/**
 * Evidence for issue 22 item 4: missing credentials are a configuration error, not an outage. Each provider's
 * official client runs its real default credential chain with nothing to find (AWS: no keys, a profile that
 * does not exist, empty ini files, no instance metadata; Google: no ADC file and metadata detection off; Azure:
 * DefaultAzureCredential's production chain with no identity). The client answers kind `auth` naming the chain
 * and the fix, the emulator is never reached, nothing is retried, no circuit opens; the front answers 502
 * `upstream_auth_error` in its own words.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ClientEvent,
  createClient,
  type GenAiClient,
  type ProviderName,
  type ProvidersOptions,
} from '@genai-deploy/client';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { createLogger, type RunningFront, startFront } from '@genai-deploy/front';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT, failure } from './client.test-utils.js';

const saved = { ...process.env };
let emulator: Emulator;
let empty: string;

/**
 * Every variable a credential chain reads, cleared; then the chains pointed at nothing, fast: an empty ini
 * file and a missing profile for AWS with IMDS off, no ADC file and no metadata probe for Google (it would wait
 * for a timeout off Google Cloud), and the Azure chain's production credentials only (no developer's `az login`).
 */
function withoutCredentials(): void {
  for (const name of Object.keys(process.env)) {
    if (/^(AWS_|AMAZON_|GOOGLE_|GCE_|GCLOUD_|CLOUDSDK_|AZURE_|MSI_|IDENTITY_)/.test(name))
      delete process.env[name];
  }
  const dir = mkdtempSync(join(tmpdir(), 'genai-no-credentials-'));
  empty = join(dir, 'empty.ini');
  writeFileSync(empty, '');
  Object.assign(process.env, {
    AWS_PROFILE: 'genai-test-missing-profile',
    AWS_SHARED_CREDENTIALS_FILE: empty,
    AWS_CONFIG_FILE: empty,
    AWS_EC2_METADATA_DISABLED: 'true',
    CLOUDSDK_CONFIG: dir,
    METADATA_SERVER_DETECTION: 'none',
    AZURE_TOKEN_CREDENTIALS: 'prod',
  });
}

/** Endpoints on the emulator and no credentials at all (Azure over https: Entra ID tokens are never sent over http). */
function providersWithoutCredentials(url: string): ProvidersOptions {
  return {
    bedrock: { region: 'us-east-1', endpoint: url },
    sagemaker: { region: 'us-east-1', endpoint: url },
    vertex: { project: 'test-project', location: 'us-central1', endpoint: url, transport: 'rest' },
    azure: { endpoint: url.replace('http://', 'https://') },
  };
}

beforeAll(async () => {
  withoutCredentials();
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator?.close();
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

const CHAINS: Record<ProviderName, readonly string[]> = {
  bedrock: ['AWS default credential chain', 'AWS_PROFILE', 'providers.bedrock.credentials'],
  sagemaker: ['AWS default credential chain', 'EC2 instance metadata', 'providers.sagemaker.credentials'],
  vertex: [
    'Application Default Credentials',
    'gcloud auth application-default login',
    'providers.vertex.authClient',
  ],
  azure: ['DefaultAzureCredential', 'providers.azure.apiKey', 'AZURE_INFERENCE_CREDENTIAL'],
};

describe('the client without credentials', () => {
  let client: GenAiClient;
  const events: ClientEvent[] = [];
  beforeAll(() => {
    // The production defaults for retries and breakers, with a breaker that would open at the third failure.
    client = createClient({
      providers: providersWithoutCredentials(emulator.url),
      cache: false,
      circuitBreaker: { consecutiveFailures: 3 },
      onEvent: (e) => events.push(e),
    });
  });
  afterAll(() => client?.close());

  it.each(Object.keys(CHAT) as ProviderName[])(
    '%s fails with kind auth naming the chain tried and the fix, without reaching the provider',
    async (provider) => {
      emulator.reset();
      events.length = 0;
      const err = await failure(
        client.generate({ model: CHAT[provider], messages: [{ role: 'user', content: 'hi' }] }),
      );
      expect(err).toMatchObject({ kind: 'auth', retryable: false, provider });
      expect(err.message).toMatch(new RegExp(`^${provider}: no usable credentials from `));
      for (const words of CHAINS[provider]) expect(err.message).toContain(words);
      // The library's own text is kept for the operator's log, out of the message.
      expect(err.providerMessage?.length).toBeGreaterThan(0);
      expect(err.message).not.toContain(err.providerMessage);
      expect(emulator.requests().total).toBe(0);
      expect(events.filter((e) => e.type === 'retry')).toHaveLength(0);
    },
  );

  it('is never retried and never opens a circuit: the fifth call fails the same way', async () => {
    events.length = 0;
    for (let i = 0; i < 5; i++) {
      const err = await failure(
        client.generate({ model: CHAT.bedrock, messages: [{ role: 'user', content: 'hi' }] }),
      );
      expect(err.kind).toBe('auth');
    }
    expect(events.filter((e) => e.type === 'breaker-state')).toHaveLength(0);
    expect(events.filter((e) => e.type === 'attempt')).toHaveLength(5);
  });

  it('Vertex: GOOGLE_APPLICATION_CREDENTIALS naming a missing file is auth too', async () => {
    process.env.GOOGLE_APPLICATION_CREDENTIALS = join(tmpdir(), 'genai-no-such-key.json');
    const fresh = createClient({ providers: providersWithoutCredentials(emulator.url), cache: false });
    try {
      const err = await failure(
        fresh.generate({ model: CHAT.vertex, messages: [{ role: 'user', content: 'hi' }] }),
      );
      expect(err).toMatchObject({ kind: 'auth', code: 'CredentialsUnavailable' });
      expect(err.providerMessage).toContain('genai-no-such-key.json');
    } finally {
      delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      await fresh.close();
    }
  });

  it('a route does not fall back on auth: a misconfigured target is reported, not hidden', async () => {
    const routed = createClient({
      providers: {
        ...providersWithoutCredentials(emulator.url),
        azure: { endpoint: emulator.url, apiKey: 'k' },
      },
      routes: { chat: { targets: [CHAT.bedrock, CHAT.azure] } },
      cache: false,
    });
    try {
      emulator.reset();
      const err = await failure(
        routed.generate({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
      );
      expect(err).toMatchObject({ kind: 'auth', provider: 'bedrock' });
      expect(emulator.requests().total).toBe(0);
    } finally {
      await routed.close();
    }
  });
});

describe('the front without credentials', () => {
  let front: RunningFront;
  let openai: OpenAI;
  const KEY = 'sk-credentials-test';
  beforeAll(async () => {
    front = await startFront({
      config: {
        models: Object.values(CHAT).map((id) => ({ id })),
        providers: {
          bedrock: { region: 'us-east-1' },
          sagemaker: { region: 'us-east-1' },
          vertex: { project: 'test-project', location: 'us-central1' },
          azure: { endpoint: emulator.url.replace('http://', 'https://') },
        },
      },
      apiKeys: [KEY],
      clientOptions: { providers: providersWithoutCredentials(emulator.url) },
      logger: createLogger({ level: 'silent' }),
    });
    openai = new OpenAI({ apiKey: KEY, baseURL: `${front.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => front?.close());

  it.each(Object.keys(CHAT) as ProviderName[])(
    '%s: 502 upstream_auth_error in our words, not 503 "retry later"',
    async (provider) => {
      emulator.reset();
      const error = await openai.chat.completions
        .create({ model: CHAT[provider], messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      const apiError = error as InstanceType<typeof OpenAI.APIError>;
      expect(apiError.status).toBe(502);
      expect(apiError.code).toBe('upstream_auth_error');
      expect(apiError.headers?.get('retry-after')).toBeNull();
      expect(apiError.message).toContain(`could not authenticate to the provider (${provider})`);
      // Neither the library's text nor the chain's details (files, profiles) reach the caller.
      expect(apiError.message).not.toMatch(
        /credential chain|Could not load|AWS_PROFILE|ChainedTokenCredential/,
      );
      expect(emulator.requests().total).toBe(0);
    },
  );
});
