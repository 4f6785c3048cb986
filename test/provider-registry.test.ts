import { PROVIDER_REGISTRY } from '@genai-deploy/client/internal';
import { PROVIDERS } from '@genai-deploy/config';
import { PROVIDERS as EMULATED, PROVIDER_OPERATIONS } from '@genai-deploy/emulator';
import { describe, expect, it } from 'vitest';

// The provider names have one source, @genai-deploy/config. The client's registry is typed by it (a missing
// provider fails the type check); the emulator keeps its own record (it depends on no other package, and also
// emulates vector engines), so this checks that it emulates every provider the client can call.
describe('provider lists', () => {
  it("the client's registry has exactly the configuration's providers, in order", () => {
    expect(Object.keys(PROVIDER_REGISTRY)).toEqual([...PROVIDERS]);
  });

  it('the emulator answers every provider of the configuration, with operations', () => {
    expect(PROVIDERS.filter((p) => !(EMULATED as readonly string[]).includes(p))).toEqual([]);
    for (const p of PROVIDERS) expect(PROVIDER_OPERATIONS[p].length, p).toBeGreaterThan(0);
  });
});
