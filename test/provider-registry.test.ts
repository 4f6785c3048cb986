import { PROVIDER_REGISTRY } from '@genai-deploy/client/internal';
import { PROVIDERS } from '@genai-deploy/config';
import { OPERATIONS } from '@genai-deploy/emulator';
import { describe, expect, it } from 'vitest';

// The provider names have one source, @genai-deploy/config. The client's registry is typed by it (a missing
// provider fails the type check); the emulator keeps its own list (it depends on no other package), so this
// checks that it emulates every provider the client can call.
describe('provider lists', () => {
  it("the client's registry has exactly the configuration's providers, in order", () => {
    expect(Object.keys(PROVIDER_REGISTRY)).toEqual([...PROVIDERS]);
  });

  it('the emulator answers at least one operation of every provider', () => {
    const emulated = new Set(OPERATIONS.map((op) => op.slice(0, op.indexOf('.'))));
    expect(PROVIDERS.filter((p) => !emulated.has(p))).toEqual([]);
  });
});
