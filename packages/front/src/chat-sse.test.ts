import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { sseStream } from './chat.js';
import type { StreamEvent } from './client.js';

const FINISH: StreamEvent = {
  type: 'finish',
  finishReason: 'stop',
  usage: { inputTokens: 3, outputTokens: 3 },
  provider: 'azure',
  model: 'gpt-4o-mini',
  cached: false,
  attempts: 1,
  latencyMs: 1,
};

/** The body's chunks as written, decoded. */
async function chunks(events: AsyncGenerator<StreamEvent>): Promise<string[]> {
  const iterator = events[Symbol.asyncIterator]();
  const body = sseStream({
    iterator,
    first: await iterator.next(),
    id: 'chatcmpl-1',
    created: 1,
    model: 'm',
    includeUsage: false,
    onCancel: () => {},
    onEnd: () => {},
    toError: () => ({ error: { message: 'failed' } }),
  });
  const out: string[] = [];
  for await (const c of body) out.push(new TextDecoder().decode(c));
  return out;
}

const contents = (text: string) =>
  [...text.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).filter((c) => c !== '');

describe('sseStream writes (issue 20)', () => {
  it('events ready in the same turn leave in one chunk, in order, ending with [DONE]', async () => {
    const out = await chunks(
      (async function* () {
        yield { type: 'delta', text: 'a' };
        yield { type: 'delta', text: 'b' };
        yield { type: 'delta', text: 'c' };
        yield FINISH;
      })(),
    );
    // The role chunk (written when the stream starts), then everything else at once.
    expect(out).toHaveLength(2);
    expect(contents(out.join(''))).toEqual(['a', 'b', 'c']);
    expect(out[1]).toMatch(/"finish_reason":"stop".*\n\ndata: \[DONE\]\n\n$/s);
  });

  it('events that arrive later are not held back for the batch: each goes out when it comes', async () => {
    const out = await chunks(
      (async function* () {
        yield { type: 'delta', text: 'a' };
        await sleep(20);
        yield { type: 'delta', text: 'b' };
        await sleep(20);
        yield FINISH;
      })(),
    );
    expect(out).toHaveLength(4);
    expect(out.map(contents)).toEqual([[], ['a'], ['b'], []]);
  });

  it('an error after some events sends the batched events, then the error event', async () => {
    const out = await chunks(
      (async function* () {
        yield { type: 'delta', text: 'a' };
        yield { type: 'delta', text: 'b' };
        throw new Error('cut');
      })(),
    );
    const text = out.join('');
    expect(contents(text)).toEqual(['a', 'b']);
    expect(text).toMatch(/data: \{"error":\{"message":"failed"\}\}\n\n$/);
  });
});
