/**
 * What tracing costs the front. Tracing is per process (one tracer provider), so the two fronts run in two child
 * processes started from this file: one without OTEL_* (the SDK never loads, the server-span middleware only
 * calls next()), one exporting every span (sampler always_on) over OTLP/HTTP to a receiver in this process. Both
 * reach one zero-latency emulator here; the calls alternate one by one between the two fronts, so both see the
 * same machine state. The receiver counts the spans, to show the traced front did the work measured.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const MODEL = 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0';
const KEY = 'sk-bench';
const WARMUP = 100;
const N = 700;

if (process.argv[2] === '--front') {
  // Child: one front on the emulator at argv[3], printing its URL.
  const { parseFrontConfig } = await import('@genai-deploy/config');
  const { createLogger, startFront } = await import('@genai-deploy/front');
  const { localClientOptions, localConfig } = await import('../../apps/local/src/platform.js');
  const config = parseFrontConfig({
    ...localConfig(process.argv[3] as string),
    limits: { requestsPerMinute: 1e9, tokensPerMinute: 1e12 },
  });
  const front = await startFront({
    config,
    apiKeys: [KEY],
    clientOptions: localClientOptions(),
    logger: createLogger({ level: 'silent' }),
    jobs: { workers: false },
  });
  process.stdout.write(`${JSON.stringify({ url: front.url })}\n`);
  process.once('SIGTERM', () => void front.close().then(() => process.exit(0)));
} else {
  await main();
}

async function main() {
  const { startEmulator } = await import('@genai-deploy/emulator');
  const emulator = await startEmulator();
  let spans = 0;
  let exports = 0;
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c;
    });
    req.on('end', () => {
      exports += 1;
      for (const rs of JSON.parse(body).resourceSpans ?? [])
        for (const ss of rs.scopeSpans ?? []) spans += (ss.spans ?? []).length;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  const off = await child(env, emulator.url);
  const on = await child(
    {
      ...env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'always_on',
    },
    emulator.url,
  );

  let n = 0;
  const chat = (url: string) => async () => {
    // A different prompt each time: non-deterministic requests are not cached anyway, this keeps it obvious.
    const body = JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: `GPU use #${n++}` }],
      max_tokens: 16,
    });
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`,
      },
      body,
    });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    await res.arrayBuffer();
  };
  const health = (url: string) => async () => {
    await (await fetch(`${url}/health`)).arrayBuffer();
  };
  const paths: Record<string, () => Promise<void>> = {
    'chat, tracing off (no SDK)': chat(off.url),
    'chat, tracing on (OTLP/HTTP, always_on)': chat(on.url),
    'GET /health, tracing off': health(off.url),
    'GET /health, tracing on': health(on.url),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
  const names = Object.keys(paths);
  for (let i = 0; i < WARMUP + N; i++) {
    // Alternate which front goes first, so neither always follows the other.
    const order = i % 2 === 0 ? names : [names[1], names[0], names[3], names[2]];
    for (const name of order as string[]) {
      const t = performance.now();
      await (paths[name] as () => Promise<void>)();
      if (i >= WARMUP) samples[name]?.push((performance.now() - t) * 1000);
    }
  }
  // Let the batch processor's last export (5 s schedule) land before counting.
  await new Promise((r) => setTimeout(r, 6000));
  for (const c of [off.process, on.process]) c.kill('SIGTERM');
  await emulator.close();
  receiver.close();

  const quantile = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  };
  const median = (xs: number[]) => quantile(xs, 0.5);
  const fmt = (us: number) => (us / 1000).toFixed(2);
  const row = (name: string, base: string) => {
    const xs = samples[name] ?? [];
    const ref = median(samples[base] ?? []);
    const m = median(xs);
    const added = name === base ? '—' : `${m - ref >= 0 ? '+' : ''}${fmt(m - ref)}`;
    return `| ${name} | ${fmt(m)} | ${fmt(quantile(xs, 0.99))} | ${(m / ref).toFixed(2)}× | ${added} |`;
  };
  console.log(`## Front: cost of tracing

| Path (non-cached Bedrock Converse, zero-latency emulator; fetch keep-alive) | p50 ms | p99 ms | p50 ratio | p50 added ms |
| --- | ---: | ---: | ---: | ---: |
${row(names[0] as string, names[0] as string)}
${row(names[1] as string, names[0] as string)}
${row(names[2] as string, names[2] as string)}
${row(names[3] as string, names[2] as string)}

Measured: ${N} calls per path after ${WARMUP} warm-up calls each, alternating one by one between two front
processes (one without OTEL_*, one exporting with the SDK's batch processor to a receiver in the bench process).
The receiver got ${spans} spans in ${exports} OTLP requests, ${(spans / (WARMUP + N)).toFixed(2)} per iteration
(expected 3: a traced chat's server and client spans, a traced /health's server span).`);
}

async function child(
  env: NodeJS.ProcessEnv,
  emulatorUrl: string,
): Promise<{ url: string; process: ChildProcess }> {
  const file = fileURLToPath(import.meta.url);
  const proc = spawn(
    process.execPath,
    ['--conditions=@genai-deploy/source', '--import', 'tsx', file, '--front', emulatorUrl],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (c: Buffer) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line).url);
    });
    proc.once('exit', (code) => reject(new Error(`front exited (${code}) before listening`)));
  });
  return { url, process: proc };
}
