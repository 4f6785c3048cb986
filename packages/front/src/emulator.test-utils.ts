/**
 * The front's unit tests run on the real client (`createGatewayClient`, the mapping production uses) against
 * the emulator of the four clouds, over real sockets. Credentials are fake and only ever sent to the emulator.
 */
import type { ClientOptions } from '@genai-deploy/client';
import type { FrontConfigInput } from '@genai-deploy/config';
import { parseFrontConfig } from '@genai-deploy/config';
import { OAuth2Client } from 'google-auth-library';
import type { GatewayClient } from './client.js';
import { createGatewayClient } from './runtime.js';

export { type Emulator, type FaultRule, startEmulator } from '@genai-deploy/emulator';

/** The providers of a front configuration, pointed at the emulator. */
export function emulatorProviders(url: string): NonNullable<FrontConfigInput['providers']> {
  return {
    bedrock: { region: 'us-east-1', endpoint: url },
    sagemaker: { region: 'us-east-1', endpoint: url },
    vertex: { project: 'test-project', location: 'us-central1', endpoint: url },
    azure: { endpoint: url },
  };
}

/** Fake credentials in the form each provider expects; the emulator checks the form, not the secret. */
function emulatorCredentials(): ClientOptions['providers'] {
  const credentials = { accessKeyId: 'AKIAFRONTTEST', secretAccessKey: 'front-test-secret' };
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'front-test-token', expiry_date: Date.now() + 86_400_000 });
  return {
    bedrock: { credentials },
    sagemaker: { credentials },
    vertex: { project: 'test-project', location: 'us-central1', authClient },
    azure: { endpoint: 'http://placeholder.invalid', apiKey: 'front-test-key' },
  };
}

/**
 * The real client for a front configuration whose providers point at the emulator, built as production
 * builds it (`toClientOptions` via `createGatewayClient`), plus fake credentials and `overrides`
 * (e.g. `retry: false`, `cache: false`, `circuitBreaker`).
 */
export function emulatorClient(config: FrontConfigInput, overrides: ClientOptions = {}): GatewayClient {
  const parsed = parseFrontConfig(config);
  const azureEndpoint = parsed.providers.azure?.endpoint;
  const creds = emulatorCredentials();
  return createGatewayClient(
    parsed,
    {
      ...overrides,
      providers: {
        ...creds,
        ...(azureEndpoint ? { azure: { ...creds?.azure, endpoint: azureEndpoint } } : {}),
        ...overrides.providers,
      },
    },
    {},
  );
}
