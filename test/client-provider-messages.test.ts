/**
 * Issue 19 item 1, the client's side: a provider's own error text is kept apart from the message. `message` is
 * the client's words (provider, error name, status), `providerMessage` the provider's text verbatim, for the
 * server's log. And a 4xx under a server-side name (SageMaker's InternalFailure answering 403) is the status's
 * kind, not `unavailable`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT, type ClientEmulator, failure, PROVIDERS, startClientEmulator } from './client.test-utils.js';

const SECRET = 'arn:aws:iam::123456789012:role/GatewayRole on internal-db.corp.example.com password=hunter2';

let env: ClientEmulator;
beforeAll(async () => {
  env = await startClientEmulator();
});
afterAll(() => env?.close());
beforeEach(() => env.emulator.reset());

describe('provider error text in GenAiError.providerMessage, never in message', () => {
  it.each(PROVIDERS)('%s: by status, with the kind the status says', async (provider) => {
    const expected: [number, string][] = [
      [400, 'invalid-request'],
      [401, 'auth'],
      [403, 'auth'],
      [404, 'not-found'],
      [429, 'throttled'],
      [503, 'unavailable'],
    ];
    for (const [status, kind] of expected) {
      env.emulator.setFaults([{ provider, status, message: `Refused: ${SECRET}`, count: 1 }]);
      const e = await failure(
        env.client.generate({
          model: CHAT[provider],
          messages: [{ role: 'user', content: 'x' }],
          maxTokens: 8,
        }),
      );
      const label = `${provider} ${status}`;
      expect(e.kind, label).toBe(kind);
      expect(e.message, label).not.toMatch(/Refused|123456789012|internal-db|hunter2/);
      expect(e.message, label).toContain(provider);
      expect(e.providerMessage, label).toContain(SECRET);
    }
  });

  it("keeps a SageMaker container's message out of message, and reads its 4xx as the request's", async () => {
    env.emulator.setFaults([
      { provider: 'sagemaker', errorType: 'ModelError', originalStatusCode: 422, message: SECRET, count: 1 },
    ]);
    const e = await failure(
      env.client.generate({
        model: CHAT.sagemaker,
        messages: [{ role: 'user', content: 'x' }],
        maxTokens: 8,
      }),
    );
    expect(e.kind).toBe('invalid-request');
    expect(e.message).toBe("sagemaker ModelError: the model's container answered 422");
    expect(e.providerMessage).toContain(SECRET);
  });
});
