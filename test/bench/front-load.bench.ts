/**
 * The front under load on loopback: 500 concurrent connections for 30 s (autocannon, HTTP/1.1 keep-alive)
 * against the local platform (front + emulator in a child process, so the load generator does not share its
 * event loop). 20 API keys at the default 600 requests/min each: the front must answer every request, either
 * with a completion or with an intended 429 (rate limit) — no connection errors, timeouts or 5xx.
 * Requests rotate over the keys and over 8 deterministic prompts, so most completions are cache hits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@genai-deploy/front';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { startLocalPlatform } from '../../apps/local/src/platform.js';

const CONNECTIONS = 500;
const DURATION_S = 30;
const KEYS = Array.from({ length: 20 }, (_, i) => `sk-load-${i}`);
const PROMPTS = 8;

if (process.argv.includes('--serve')) {
  const platform = await startLocalPlatform({
    port: 0,
    emulatorPort: 0,
    apiKeys: KEYS,
    front: { logger: createLogger({ level: 'silent' }) },
  });
  console.log(JSON.stringify({ url: platform.front.url, emulator: platform.emulator.url }));
  process.on('SIGTERM', () => void platform.close().then(() => process.exit(0)));
} else {
  const here = dirname(fileURLToPath(import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@genai-deploy/source', '--import', 'tsx', join(here, 'front-load.bench.ts'), '--serve'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const { url, emulator } = JSON.parse(line) as { url: string; emulator: string };

  let n = 0;
  const result = await autocannon({
    url: `${url}/v1/chat/completions`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    // On this shared 2-core machine a few of the 500 connections opened at once are sometimes accepted seconds
    // late (seen with a bare hono app too): their first request waits. 20 s keeps that visible in max latency
    // instead of turning it into errors; anything slower still fails the run.
    timeout: 20,
    requests: [
      {
        method: 'POST',
        setupRequest: (req: Record<string, unknown>) => {
          n += 1;
          return {
            ...req,
            headers: { authorization: `Bearer ${KEYS[n % KEYS.length]}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'chat',
              messages: [{ role: 'user', content: `load prompt ${n % PROMPTS}` }],
              max_tokens: 16,
              temperature: 0,
            }),
          };
        },
      },
    ],
  });
  const upstream = ((await (await fetch(`${emulator}/_emulator/requests`)).json()) as { total: number })
    .total;
  child.kill('SIGTERM');
  await once(child, 'exit');

  const codes = result.statusCodeStats as Record<string, { count: number }>;
  const count = (code: string) => codes[code]?.count ?? 0;
  const other = Object.entries(codes)
    .filter(([code]) => code !== '200' && code !== '429')
    .map(([code, v]) => `${code}: ${v.count}`);
  const total = result.requests.total as number;
  const ok = count('200');
  const limited = count('429');
  // autocannon counts timeouts among errors too.
  const failures = result.errors as number;
  console.log(`## Front under load: ${CONNECTIONS} connections for ${DURATION_S} s

| Requests | req/s (mean) | 200 | 429 (intended) | other statuses | errors (timeouts incl.) | p50 ms | p99 ms | max ms | upstream requests |
| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |
| ${total} | ${Math.round(result.requests.average)} | ${ok} | ${limited} | ${other.join(', ') || 'none'} | ${failures} | ${result.latency.p50} | ${result.latency.p99} | ${result.latency.max} | ${upstream} |

Measured: autocannon (HTTP/1.1 keep-alive) on loopback against \`startLocalPlatform\` in a child process; ${KEYS.length}
API keys limited to 600 requests a minute each (a sliding window: a 30 s run that crosses a minute boundary may
get up to about two minutes' worth), everything above answered 429 with Retry-After; ${PROMPTS} deterministic prompts
through the \`chat\` route, so completions are cache hits after the first fills.
${failures === 0 && other.length === 0 ? 'Every request was answered with a completion or an intended 429.' : '**Some requests failed: see the columns above.**'}`);
  if (failures > 0 || other.length > 0 || ok === 0) process.exitCode = 1;
}
