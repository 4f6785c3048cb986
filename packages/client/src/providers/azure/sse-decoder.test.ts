import { describe, expect, it } from 'vitest';
import { lines, sseEvents } from '../shared/sse.js';
import { SseDecoder } from './sse-decoder.js';

const BODY =
  ': keep-alive\r\n' +
  'data: {"a":1}\r\n\r\n' +
  'event: error\ndata: {"error":{"code":"x"}}\n\n' +
  'data: line one\ndata: line two\n\n' +
  'data:no-space\n\n' +
  '\n' +
  'data: é€\n\n' +
  'data: [DONE]\n\n' +
  'data: unterminated';

async function viaGenerators(chunks: Uint8Array[]) {
  const out = [];
  for await (const e of sseEvents(
    lines(
      (async function* () {
        yield* chunks;
      })(),
    ),
  ))
    out.push(e);
  return out;
}

function viaDecoder(chunks: Uint8Array[]) {
  const d = new SseDecoder();
  return [...chunks.flatMap((c) => d.push(c)), ...d.end()];
}

describe('SseDecoder', () => {
  it('decodes as sseEvents(lines(...)) does, however the body is cut (multi-byte characters included)', async () => {
    const bytes = new TextEncoder().encode(BODY);
    const expected = await viaGenerators([bytes]);
    expect(expected.map((e) => e.data)).toContain('line one\nline two');
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(viaDecoder(chunks)).toEqual(await viaGenerators(chunks));
    }
    expect(viaDecoder([bytes])).toEqual(expected);
  });
});
