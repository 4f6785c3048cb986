import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT, type ClientEmulator, EMBED, PROVIDERS, startClientEmulator } from './client.test-utils.js';

// Every call adds abort listeners (its deadline, the batcher's per-text waits, the official clients' own).
// Node 20 prints MaxListenersExceededWarning when one signal gets more than 10; Node 24 no longer warns for an
// AbortSignal (its default maximum is 0, unlimited). So the probe counts for itself: every `abort` listener added
// to an AbortSignal is followed by a count of that signal's listeners, and the largest count is kept. Node's
// own warning is checked as well where it is still printed.
const MAX_LISTENERS = 10;
let mostOnOneSignal = 0;
const addEventListener = EventTarget.prototype.addEventListener;

describe('no listener build-up', () => {
  let env: ClientEmulator;
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);

  beforeAll(async () => {
    process.on('warning', onWarning);
    EventTarget.prototype.addEventListener = function (this: EventTarget, ...args) {
      addEventListener.apply(this, args);
      if (args[0] === 'abort' && this instanceof AbortSignal) {
        mostOnOneSignal = Math.max(mostOnOneSignal, getEventListeners(this, 'abort').length);
      }
    };
    // The default layers (cache, coalescing, micro-batching, retry, breaker) stay on.
    env = await startClientEmulator({ retry: {}, circuitBreaker: {}, cache: {} });
  });
  afterAll(async () => {
    EventTarget.prototype.addEventListener = addEventListener;
    process.off('warning', onWarning);
    await env?.close();
  });
  beforeEach(() => {
    mostOnOneSignal = 0;
  });

  /** Signals that got more than MAX_LISTENERS listeners in this test, as Node's warnings or the probe's count. */
  const listenerWarnings = () => [
    ...warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
    ...(mostOnOneSignal > MAX_LISTENERS ? [`one AbortSignal held ${mostOnOneSignal} abort listeners`] : []),
  ];

  it('1,000 concurrent calls (generate, stream, embed on the four providers) print no MaxListenersExceededWarning', async () => {
    const { client } = env;
    const calls = Array.from({ length: 1000 }, async (_, i) => {
      const provider = PROVIDERS[i % 4]!;
      const content = `call ${i}`;
      if (i % 3 === 0) {
        const r = await client.embed({ model: EMBED[provider], input: [content, `${content} b`] });
        return r.embeddings.length === 2;
      }
      if (i % 3 === 1) {
        let text = '';
        for await (const e of client.stream({
          model: CHAT[provider],
          messages: [{ role: 'user', content }],
        })) {
          if (e.type === 'delta') text += e.text;
        }
        return text.length > 0;
      }
      const r = await client.generate({ model: CHAT[provider], messages: [{ role: 'user', content }] });
      return r.text.length > 0;
    });
    const results = await Promise.all(calls);
    expect(results.filter(Boolean)).toHaveLength(1000);
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    expect(listenerWarnings()).toEqual([]);
  });

  it('1,000 concurrent calls sharing one caller signal print none, and that signal keeps no listener', async () => {
    const shared = new AbortController();
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        env.client.generate({
          model: CHAT[PROVIDERS[i % 4]!],
          messages: [{ role: 'user', content: `shared ${i}` }],
          signal: shared.signal,
        }),
      ),
    );
    expect(results).toHaveLength(1000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(listenerWarnings()).toEqual([]);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  it('aborting a shared caller signal aborts every call on it', async () => {
    const shared = new AbortController();
    env.emulator.setFaults([{ provider: 'azure', kind: 'hang' }]);
    try {
      const calls = Array.from({ length: 20 }, (_, i) =>
        env.client
          .generate({
            model: CHAT.azure,
            messages: [{ role: 'user', content: `hang ${i}` }],
            signal: shared.signal,
          })
          .then(
            () => 'answered',
            (e: { kind?: string }) => e.kind,
          ),
      );
      setTimeout(() => shared.abort(), 50);
      expect(new Set(await Promise.all(calls))).toEqual(new Set(['aborted']));
    } finally {
      env.emulator.setFaults([]);
    }
  });

  it('a 600-text embed (split and micro-batched) prints none either', async () => {
    const input = Array.from({ length: 600 }, (_, i) => `text number ${i}`);
    const r = await env.client.embed({ model: EMBED.vertex, input });
    expect(r.embeddings).toHaveLength(600);
    await new Promise((resolve) => setImmediate(resolve));
    expect(listenerWarnings()).toEqual([]);
  });

  it('the probe sees listeners build up (on every Node version)', async () => {
    const controller = new AbortController();
    for (let i = 0; i < MAX_LISTENERS; i++) controller.signal.addEventListener('abort', () => {});
    expect(listenerWarnings()).toEqual([]);
    controller.signal.addEventListener('abort', () => {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(listenerWarnings()).toContain(`one AbortSignal held ${MAX_LISTENERS + 1} abort listeners`);
  });
});
