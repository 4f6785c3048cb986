import { once } from 'node:events';
import { request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '@hono/node-server';
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

/** The chat SSE body of `events`, as the chat route builds it. */
async function streamOf(events: AsyncGenerator<StreamEvent>) {
  const iterator = events[Symbol.asyncIterator]();
  return sseStream({
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
}

/** The body's chunks as written, decoded. */
async function chunks(events: AsyncGenerator<StreamEvent>): Promise<string[]> {
  const body = await streamOf(events);
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
    // The role chunk with the first event (at once, when the stream starts), then everything else at once.
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^data: \{.*"role":"assistant".*\n\ndata: \{.*"content":"a".*\n\n$/s);
    expect(out.map(contents)).toEqual([['a'], ['b', 'c']]);
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
    // The first event goes out with the role chunk.
    expect(out).toHaveLength(3);
    expect(out.map(contents)).toEqual([['a'], ['b'], []]);
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

  it('the first event reaches the socket before a burst that follows it is read (not held with the burst)', async () => {
    // GIVEN a stream whose first event is followed by 200 events ready at once (one upstream read), served by
    // the runtime the front runs on, which writes each chunk of the body to the connection
    let socket: Socket | undefined;
    /** Bytes of the response still waiting in the process (not handed to the kernel) when the burst was read. */
    const waiting: number[] = [];
    const iterator = (async function* (): AsyncGenerator<StreamEvent> {
      yield { type: 'delta', text: 'first' };
      for (let i = 0; i < 200; i++) {
        waiting.push(socket?.writableLength ?? -1);
        yield { type: 'delta', text: `t${i}` };
      }
      yield FINISH;
    })();
    const server = serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: async () =>
        new Response(await streamOf(iterator), { headers: { 'content-type': 'text/event-stream' } }),
    });
    server.on('connection', (s: Socket) => {
      socket = s;
    });
    try {
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      // WHEN a client reads it
      const text = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port, method: 'POST' }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve(body));
        })
          .on('error', reject)
          .end();
      });
      // THEN it is whole, and the first chunk (role and first event) had left before the burst was read: a
      // response's writes wait in the process until the microtask queue is done, which gathering a burst that
      // is ready at once keeps busy (the first byte then left with the last)
      expect(contents(text)).toEqual(['first', ...Array.from({ length: 200 }, (_, i) => `t${i}`)]);
      expect(waiting).toHaveLength(200);
      expect(waiting.filter((bytes) => bytes !== 0)).toEqual([]);
    } finally {
      server.close();
    }
  });
});
