/**
 * What the emulator sustains on this machine: non-streaming Bedrock Converse, zero latency, 50 concurrent
 * connections. The emulator runs in its own process (its CLI), the load generators in this one:
 * - autocannon, HTTP/1.1, 50 keep-alive connections, a SigV4-shaped Authorization header;
 * - the official Bedrock client, 50 calls in flight: with its default handler (HTTP/2, but
 *   `disableConcurrentStreams: true`, so one new connection and session per call), and with an HTTP/2 handler
 *   that shares one session.
 * Each is run in 3 rounds of ROUND_S seconds; the table shows the medians of the rounds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';

const ROUND_S = 4;
const ROUNDS = 3;
const CONNECTIONS = 50;
const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Round {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Emulator process CPU per answered request, ms. */
  serverCpuMs: number;
}

/** utime + stime of a process in ms, from /proc (Linux). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function measured(
  pid: number,
  round: () => Promise<Omit<Round, 'serverCpuMs'> & { count: number }>,
): Promise<Round> {
  const before = cpuMsOf(pid);
  const { count, ...rest } = await round();
  return { ...rest, serverCpuMs: (cpuMsOf(pid) - before) / Math.max(1, count) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

async function startCli(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@genai-deploy/source',
      '--import',
      'tsx',
      join(root, 'packages/emulator/src/cli.ts'),
      '--port',
      '0',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, url: chunk.toString().trim() };
}

const body = JSON.stringify({
  messages: [{ role: 'user', content: [{ text: 'How many requests per second can you take?' }] }],
  inferenceConfig: { maxTokens: 256 },
});

async function autocannonRound(url: string): Promise<Omit<Round, 'serverCpuMs'> & { count: number }> {
  const date = new Date().toISOString().replace(/[-:]/g, '').slice(0, 8);
  const result = await autocannon({
    url: `${url}/model/${encodeURIComponent(MODEL)}/converse`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: ROUND_S,
    headers: {
      'content-type': 'application/json',
      'x-amz-date': `${date}T000000Z`,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDBENCH/${date}/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${'0'.repeat(64)}`,
    },
    body,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    count: result.requests.total,
  };
}

async function sdkRound(
  client: BedrockRuntimeClient,
): Promise<Omit<Round, 'serverCpuMs'> & { count: number; clientCpuMs: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + ROUND_S * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const started = performance.now();
      try {
        await client.send(
          new ConverseCommand({
            modelId: MODEL,
            messages: [{ role: 'user', content: [{ text: 'How many requests per second can you take?' }] }],
            inferenceConfig: { maxTokens: 256 },
          }),
        );
        latencies.push(performance.now() - started);
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    errors,
    count: latencies.length,
    clientCpuMs: (used.user + used.system) / 1000 / Math.max(1, latencies.length),
  };
}

const { child, url } = await startCli();
try {
  const config = {
    region: 'us-east-1',
    endpoint: url,
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
    maxAttempts: 1,
  };
  const client = new BedrockRuntimeClient(config);
  const shared = new BedrockRuntimeClient({
    ...config,
    requestHandler: new NodeHttp2Handler({ disableConcurrentStreams: false }),
  });
  await sdkRound(client).catch(() => undefined); // warm-up (JIT)
  await sdkRound(shared).catch(() => undefined);
  const pid = child.pid!;
  const rows: [string, Round[]][] = [
    ['autocannon, HTTP/1.1, 50 connections', []],
    ['Bedrock client, default handler (new h2 session per call), 50 in flight', []],
    ['Bedrock client, one shared h2 session, 50 in flight', []],
  ];
  const sdkClientCpu: number[] = [];
  // Interleaved rounds, so both see the same machine state.
  for (let i = 0; i < ROUNDS; i++) {
    rows[0]![1].push(await measured(pid, () => autocannonRound(url)));
    rows[1]![1].push(
      await measured(pid, async () => {
        const r = await sdkRound(client);
        sdkClientCpu.push(r.clientCpuMs);
        return r;
      }),
    );
    rows[2]![1].push(await measured(pid, () => sdkRound(shared)));
  }
  client.destroy();
  shared.destroy();
  const fmt = (n: number, d = 1) => n.toFixed(d);
  const lines = [
    '## Emulator throughput (Bedrock Converse, zero latency)',
    '',
    '| load generator | req/s (median) | p50 ms | p99 ms | emulator CPU ms/req | errors |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(([name, rounds]) => {
      const rps = median(rounds.map((r) => r.rps));
      return `| ${name} | ${fmt(rps, 0)} | ${fmt(median(rounds.map((r) => r.p50)))} | ${fmt(median(rounds.map((r) => r.p99)))} | ${fmt(median(rounds.map((r) => r.serverCpuMs)), 3)} | ${rounds.reduce((s, r) => s + r.errors, 0)} |`;
    }),
    '',
    `Ratios of req/s: autocannon / default Bedrock client ${fmt(median(rows[0]![1].map((r) => r.rps)) / median(rows[1]![1].map((r) => r.rps)), 1)}, shared session / default ${fmt(median(rows[2]![1].map((r) => r.rps)) / median(rows[1]![1].map((r) => r.rps)), 1)}. The Bedrock client spends ${fmt(median(sdkClientCpu), 2)} ms of its own CPU per call (signing, serde, connection setup); the emulator's CPU per request is the column above, so the client, not the emulator, sets the SDK rows.`,
    '',
    `Measured: non-streaming \`bedrock.converse\` against \`genai-emulator\` (its own process, no latency model), ${ROUNDS} interleaved rounds of ${ROUND_S} s per load generator, medians of the rounds; load generators share the machine with the emulator (1-minute load average at the end: ${fmt(os.loadavg()[0] ?? 0)} on ${os.cpus().length} CPUs). Emulator CPU per request is the figure that holds on a busy machine: 1 / that is the request rate one core sustains.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  child.kill('SIGTERM');
}
