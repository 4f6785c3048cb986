import type { GenAiClient } from '@genai-deploy/client';
import { type Emulator, type EmulatorOptions, startEmulator } from '@genai-deploy/emulator';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { emulatorClient, resetEmulator } from './client-cache-helpers.js';

/**
 * The setup of a test file that counts upstream requests: one emulator for the file, and `client()` for
 * emulator clients that are closed after each test, when the emulator's counters are reset too. Kept apart
 * from client-cache-helpers.ts, which benchmarks import outside vitest.
 */
export function emulatorSuite(options: EmulatorOptions): {
  /** The running emulator's URL. */
  readonly url: string;
  client(options?: Parameters<typeof emulatorClient>[1]): GenAiClient;
} {
  let emulator: Emulator | undefined;
  const clients: GenAiClient[] = [];
  const started = (): Emulator => {
    if (!emulator) throw new Error('emulatorSuite: the emulator starts in beforeAll; use it inside a test');
    return emulator;
  };
  beforeAll(async () => {
    emulator = await startEmulator(options);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await resetEmulator(started().url);
  });
  afterAll(async () => {
    await emulator?.close();
  });
  return {
    get url() {
      return started().url;
    },
    client(clientOptions = {}) {
      const c = emulatorClient(started().url, clientOptions);
      clients.push(c);
      return c;
    },
  };
}
