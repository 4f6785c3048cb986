/**
 * Overhead of the SDK's `generate` over the raw official Bedrock client (`ConverseCommand`), against the
 * zero-latency emulator in this process. Calls run one at a time; the variants are interleaved in batches
 * (A, B, C, then C, B, A, ...) so that drift of the machine hits them alike. Reported: p50/p99 per call, the
 * p50 ratio to the raw client, and the absolute p50 difference in microseconds.
 */
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { createClient } from '@genai-deploy/client';
import { startEmulator } from '@genai-deploy/emulator';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const WARMUP = 300;
const BATCH = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const messages = [{ role: 'user' as const, content: 'Summarise the benefits of unit tests.' }];

const emulator = await startEmulator({ port: 0 });
const bedrock = { region: 'us-east-1', endpoint: emulator.url, credentials: CREDENTIALS };
const raw = new BedrockRuntimeClient({ ...bedrock, maxAttempts: 1 });
const sdk = createClient({ providers: { bedrock } });
const bare = createClient({ providers: { bedrock }, retry: false, circuitBreaker: false, hedging: false });
const core = createClient({
  providers: { bedrock },
  retry: false,
  circuitBreaker: false,
  hedging: false,
  cache: false,
  coalesce: false,
  batch: false,
});

type Call = () => Promise<unknown>;
const variants: { name: string; call: Call; samples: number[] }[] = [
  {
    name: 'raw client: `BedrockRuntimeClient.send(ConverseCommand)`',
    call: () =>
      raw.send(
        new ConverseCommand({
          modelId: MODEL,
          messages: messages.map((m) => ({ role: m.role, content: [{ text: m.content }] })),
          inferenceConfig: { maxTokens: 64 },
        }),
      ),
    samples: [],
  },
  {
    name: 'SDK `generate`, default options (cache, coalesce, batch, fallback, retry, breaker)',
    call: () => sdk.generate({ model: `bedrock/${MODEL}`, messages, maxTokens: 64 }),
    samples: [],
  },
  {
    name: 'SDK `generate`, retry and breaker off',
    call: () => bare.generate({ model: `bedrock/${MODEL}`, messages, maxTokens: 64 }),
    samples: [],
  },
  {
    name: 'SDK `generate`, every optional layer off (cache, coalesce, batch, retry, breaker)',
    call: () => core.generate({ model: `bedrock/${MODEL}`, messages, maxTokens: 64 }),
    samples: [],
  },
];

async function batch(v: (typeof variants)[number], n: number, record: boolean): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await v.call();
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    if (record) v.samples.push(us);
  }
}

for (const v of variants) await batch(v, WARMUP, false);
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) await batch(v, BATCH, true);
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const base = quantile(variants[0]!.samples, 0.5);
const lines = [
  '## Client SDK overhead (Bedrock generate vs the raw official client)',
  '',
  '| variant | calls | p50 (µs) | p99 (µs) | p50 ratio to raw | p50 overhead (µs) |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...variants.map((v) => {
    const p50 = quantile(v.samples, 0.5);
    return `| ${v.name} | ${v.samples.length} | ${p50.toFixed(0)} | ${quantile(v.samples, 0.99).toFixed(0)} | ${(p50 / base).toFixed(3)} | ${(p50 - base).toFixed(0)} |`;
  }),
  '',
  `Measured: sequential calls (one in flight) to the zero-latency emulator in the same process, ${ROUNDS} interleaved rounds of ${BATCH} calls per variant after ${WARMUP} warm-up calls each; both clients use the Bedrock client's default HTTP/2 handler. Goal: p50 ratio of the SDK with default options at most 1.10.`,
];
console.log(lines.join('\n'));

await sdk.close();
await bare.close();
await core.close();
raw.destroy();
await emulator.close();
