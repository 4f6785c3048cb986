/**
 * A minimal fixed upstream for the gateway benchmarks: node:http answering OpenAI's wire format with fixed
 * bodies, so what is measured is the gateway in front of it. Any path ending in `/chat/completions` answers a
 * 334-byte `chat.completion` (or, with `"stream": true`, an SSE stream of `x-chunks` chunks, default 10, written
 * at once); any path ending in `/embeddings` answers one vector per input. Run as a child process
 * (`--serve`, prints `{ "url" }`), or in-process with `startUpstream()`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Dimensions of each fixed embedding (OpenAI's text-embedding-3-small). */
export const EMBEDDING_DIMENSIONS = 1536;

const completionOf = (content: string) =>
  JSON.stringify({
    id: 'chatcmpl-bench0000000000000000000000',
    object: 'chat.completion',
    created: 1764806400,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
  });

/** The fixed answer, padded to exactly 334 bytes (the size the table was measured with). */
export const CHAT_COMPLETION = (() => {
  const base = 'GPUs train models.';
  const short = completionOf(base);
  const body = completionOf(base + ' '.repeat(Math.max(0, 334 - Buffer.byteLength(short))));
  if (Buffer.byteLength(body) !== 334) throw new Error(`fixed completion is ${body.length} bytes`);
  return Buffer.from(body);
})();

const chunkOf = (delta: object, finish: string | null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-bench0000000000000000000000',
    object: 'chat.completion.chunk',
    created: 1764806400,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;

const streams = new Map<number, Buffer>();
/** An SSE answer of `n` content chunks (plus the role, finish and usage chunks and [DONE]), built once. */
function streamOf(n: number): Buffer {
  let s = streams.get(n);
  if (!s) {
    const parts = [chunkOf({ role: 'assistant', content: '' }, null)];
    for (let i = 0; i < n; i++) parts.push(chunkOf({ content: `tok${i} ` }, null));
    parts.push(chunkOf({}, 'stop'));
    parts.push(
      `data: ${JSON.stringify({
        id: 'chatcmpl-bench0000000000000000000000',
        object: 'chat.completion.chunk',
        created: 1764806400,
        model: 'gpt-4o-mini',
        choices: [],
        usage: { prompt_tokens: 12, completion_tokens: n, total_tokens: 12 + n },
      })}\n\n`,
    );
    parts.push('data: [DONE]\n\n');
    s = Buffer.from(parts.join(''));
    streams.set(n, s);
  }
  return s;
}

/** One fixed vector as JSON text, shared by every input (the JSON around it is what changes). */
const VECTOR = JSON.stringify(
  Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => Math.round(Math.sin(i) * 1e6) / 1e7),
);

function embeddingsOf(inputs: number): Buffer {
  const data = Array.from(
    { length: inputs },
    (_, i) => `{"object":"embedding","index":${i},"embedding":${VECTOR}}`,
  ).join(',');
  return Buffer.from(
    `{"object":"list","data":[${data}],"model":"text-embedding-3-small","usage":{"prompt_tokens":${inputs * 4},"total_tokens":${inputs * 4}}}`,
  );
}

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (req.method === 'POST' && path.endsWith('/chat/completions')) {
    // The body is not parsed: the upstream's own work stays the same whatever JSON a gateway sends.
    if (body.includes('"stream":true')) {
      const n = Number(/"max_tokens":(\d+)/.exec(body)?.[1] ?? 10);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end(streamOf(n));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': CHAT_COMPLETION.length });
    res.end(CHAT_COMPLETION);
    return;
  }
  if (req.method === 'POST' && path.endsWith('/embeddings')) {
    const input = (JSON.parse(body) as { input: unknown }).input;
    const out = embeddingsOf(Array.isArray(input) ? input.length : 1);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.length });
    res.end(out);
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":null}}');
}

export async function startUpstream(port = 0): Promise<{ url: string; server: Server }> {
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

if (process.argv.includes('--serve')) {
  const { url } = await startUpstream();
  console.log(JSON.stringify({ url }));
}
