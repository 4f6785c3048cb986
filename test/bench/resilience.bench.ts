/**
 * Resilience under faults: @genai-deploy/client (one retry loop with budget, circuit breaker, fallback chain)
 * against the raw official Bedrock client at its default retry settings (standard mode, maxAttempts 3), on the
 * same emulator fault plans. Prints one Markdown section.
 *
 *   npx tsx --conditions=@genai-deploy/source test/bench/resilience.bench.ts
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { createClient } from '@genai-deploy/client';
import type { FaultRule, RequestCounts } from '@genai-deploy/emulator';

const PRIMARY = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const FALLBACK = 'meta.llama3-8b-instruct-v1:0';
const CALLS = 200;
const CONCURRENCY = 20;
const ROUNDS = 3;
const CREDENTIALS = { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'secret' };

interface Plan {
  readonly name: string;
  readonly faults: readonly FaultRule[];
}

const PLANS: readonly Plan[] = [
  { name: 'no faults', faults: [] },
  {
    name: '30% 429 on the primary',
    faults: [{ provider: 'bedrock', model: PRIMARY, status: 429, rate: 0.3 }],
  },
  {
    name: 'primary down (100% 503), fallback up',
    faults: [{ provider: 'bedrock', model: PRIMARY, status: 503 }],
  },
  { name: 'everything failing (100% 503)', faults: [{ provider: 'bedrock', status: 503 }] },
];

interface Run {
  readonly ok: number;
  readonly seconds: number;
  readonly latencies: number[];
  readonly attempts: number;
}

// The emulator runs in its own process (its own core on this 2-core machine), driven by its control API.
const child = spawn(
  process.execPath,
  [
    '--conditions=@genai-deploy/source',
    '--import',
    'tsx',
    'packages/emulator/src/cli.ts',
    '--port',
    '0',
    '--seed',
    '11',
    '--latency-base-ms',
    '20',
    '--latency-jitter',
    '0.2',
  ],
  { stdio: ['ignore', 'pipe', 'ignore'] },
);
const [url] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${url}/_emulator/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<unknown>;
};
const emulator = {
  url,
  reset: () => control('POST', 'reset'),
  setFaults: (rules: readonly FaultRule[]) => control('POST', 'faults', { rules }),
  requests: () => control('GET', 'requests') as Promise<RequestCounts>,
};

async function pool(
  call: () => Promise<unknown>,
): Promise<{ ok: number; latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let ok = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < CALLS) {
        const t = performance.now();
        try {
          await call();
          ok++;
        } catch {}
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { ok, latencies, seconds: (performance.now() - started) / 1000 };
}

const message = { role: 'user' as const, content: 'Name three uses of a GPU.' };

async function runOurs(plan: Plan): Promise<Run> {
  const client = createClient({
    providers: { bedrock: { region: 'us-east-1', endpoint: emulator.url, credentials: CREDENTIALS } },
    routes: { chat: { targets: [`bedrock/${PRIMARY}`, `bedrock/${FALLBACK}`] } },
  });
  // The first call loads the SDK; keep it out of the measurement.
  await emulator.reset();
  await client.generate({ model: `bedrock/${FALLBACK}`, messages: [message], maxTokens: 16 });
  await emulator.reset();
  await emulator.setFaults(plan.faults);
  const r = await pool(() => client.generate({ model: 'chat', messages: [message], maxTokens: 16 }));
  const attempts = (await emulator.requests()).total;
  await client.close();
  return { ...r, attempts };
}

async function runRaw(plan: Plan): Promise<Run> {
  const client = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: CREDENTIALS,
  });
  const send = (modelId: string) =>
    client.send(
      new ConverseCommand({
        modelId,
        messages: [{ role: 'user', content: [{ text: message.content }] }],
        inferenceConfig: { maxTokens: 16 },
      }),
    );
  await emulator.reset();
  await send(FALLBACK);
  await emulator.reset();
  await emulator.setFaults(plan.faults);
  // The raw client has no fallback chain: the caller sees the primary's error.
  const r = await pool(() => send(PRIMARY));
  const attempts = (await emulator.requests()).total;
  client.destroy();
  return { ...r, attempts };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
};

interface Row {
  readonly success: number;
  readonly goodput: number;
  readonly p50: number;
  readonly p99: number;
  readonly amplification: number;
}

function summarize(runs: readonly Run[]): Row {
  return {
    success: median(runs.map((r) => r.ok / CALLS)),
    goodput: median(runs.map((r) => r.ok / r.seconds)),
    p50: median(runs.map((r) => quantile(r.latencies, 0.5))),
    p99: median(runs.map((r) => quantile(r.latencies, 0.99))),
    amplification: median(runs.map((r) => r.attempts / CALLS)),
  };
}

// Warm both sides (JIT, HTTP/2 sessions, the emulator process) before anything is measured.
await runOurs(PLANS[0]!);
await runRaw(PLANS[0]!);

const lines: string[] = [];
for (const plan of PLANS) {
  const ours: Run[] = [];
  const raw: Run[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate who goes first so machine noise hits both sides alike.
    if (round % 2 === 0) {
      ours.push(await runOurs(plan));
      raw.push(await runRaw(plan));
    } else {
      raw.push(await runRaw(plan));
      ours.push(await runOurs(plan));
    }
  }
  const o = summarize(ours);
  const r = summarize(raw);
  const fmt = (who: string, x: Row) =>
    `| ${plan.name} | ${who} | ${(x.success * 100).toFixed(1)} % | ${x.goodput.toFixed(0)} | ${x.p50.toFixed(0)} | ${x.p99.toFixed(0)} | ${x.amplification.toFixed(2)} |`;
  lines.push(
    fmt('@genai-deploy/client (defaults)', o),
    fmt('raw BedrockRuntimeClient (standard, 3 attempts)', r),
  );
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : a > 0 ? '∞' : '–');
  lines.push(
    `| | ours ÷ raw | | ${ratio(o.goodput, r.goodput)} | ${ratio(o.p50, r.p50)} | ${ratio(o.p99, r.p99)} | ${ratio(o.amplification, r.amplification)} |`,
  );
}
child.kill('SIGTERM');

console.log(`## Client resilience under faults

| Fault plan | Client | Success | Goodput (calls/s) | p50 ms | p99 ms | Upstream attempts per call |
| --- | --- | --- | --- | --- | --- | --- |
${lines.join('\n')}

Measured: ${CALLS} Converse calls per run, ${CONCURRENCY} in flight, against the emulator in its own process (20 ms
±20 % base latency, seeded faults) over HTTP/2 with the official Bedrock client; each cell is the median of ${ROUNDS} runs per side, the
two sides alternating. Ours runs with its defaults (3 attempts, full-jitter backoff 100 ms / 500 ms throttled,
500-token retry budget, circuit breaker at 10 failures, route primary → fallback model); the raw client with its
defaults (standard mode: 3 attempts, same backoff and quota) and, having no fallback chain, calls the primary only.
Goodput counts successful calls per second of wall time; latencies include failed calls.`);
