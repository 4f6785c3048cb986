import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from './index.js';

/** What the emulator's tests share: one emulator per test file and AWS SDK clients pointed at it. */

/** AWS SDK client options against `emulator`: test keys (the emulator checks the form, not the secret) and no retries. */
export function awsClientConfig(emulator: Emulator) {
  return {
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'secret' },
    maxAttempts: 1,
  };
}

export interface AwsTestEnv<C> {
  readonly emulator: Emulator;
  readonly client: C;
}

/**
 * Starts an emulator and an AWS SDK client (default request handler, as users run it) before a file's tests,
 * resets the emulator before each test and closes both after the file. Read `env.emulator` and `env.client`
 * inside tests: they are set in beforeAll.
 */
export function useAwsEmulator<C extends { destroy(): void }>(
  Client: new (config: ReturnType<typeof awsClientConfig>) => C,
  options?: EmulatorOptions,
): AwsTestEnv<C> {
  const env = {} as { emulator: Emulator; client: C };
  beforeAll(async () => {
    env.emulator = await startEmulator(options);
    env.client = new Client(awsClientConfig(env.emulator));
  });
  afterAll(async () => {
    env.client.destroy();
    await env.emulator.close();
  });
  beforeEach(() => env.emulator.reset());
  return env;
}
