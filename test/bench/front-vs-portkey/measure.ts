/** Measuring helpers of the front-vs-portkey benchmark: one request at a time over a keep-alive socket, and load. */
import { type Agent, request } from 'node:http';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import type { Child } from './processes.js';

/** A way to reach the upstream: directly, or through a gateway (with the headers it needs). */
export interface Path {
  readonly name: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The gateway's process (undefined for the direct path). */
  readonly gateway?: Child;
  readonly agent: Agent;
}

export interface Timing {
  /** ms to the first byte of the body. */
  readonly ttfb: number;
  /** ms to the end of the body. */
  readonly total: number;
  /** When the request was sent, its body's first byte came and its end, in `clock()` ms. */
  readonly sent: number;
  readonly firstData: number;
  readonly end: number;
}

/**
 * ms on the host's monotonic clock (CLOCK_MONOTONIC, through process.hrtime): the same clock in every process, so
 * a client's times line up with a server's (ttfb-marks.mjs).
 */
export const clock = (): number => Number(process.hrtime.bigint()) / 1e6;

export const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** One POST over the path's keep-alive socket; rejects on a status other than 200. */
export function post(path: Path, route: string, body: string, extra: Record<string, string> = {}) {
  const u = new URL(path.url);
  return new Promise<Timing>((resolve, reject) => {
    const sent = clock();
    let firstData = 0;
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: route,
        method: 'POST',
        agent: path.agent,
        headers: {
          ...path.headers,
          ...extra,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (firstData === 0) firstData = clock();
          chunks.push(c);
        });
        res.on('end', () => {
          const end = clock();
          if (res.statusCode !== 200) {
            reject(
              new Error(
                `${path.name} ${route}: HTTP ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`,
              ),
            );
          } else resolve({ ttfb: firstData - sent, total: end - sent, sent, firstData, end });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Interleaved sampling: in each iteration every path gets the same request in turn, so all of them see the
 * host in the same state. Returns each path's timings after `warmup` iterations and each gateway's CPU time
 * over the measured iterations (ms per request).
 */
export async function interleaved(
  paths: readonly Path[],
  iterations: number,
  warmup: number,
  send: (path: Path, i: number) => Promise<Timing>,
): Promise<Map<string, { timings: Timing[]; cpuPerRequestMs: number | undefined }>> {
  for (let i = 0; i < warmup; i++) for (const p of paths) await send(p, -1 - i);
  const cpu0 = paths.map((p) => p.gateway?.cpuMs());
  const timings = paths.map((): Timing[] => []);
  for (let i = 0; i < iterations; i++) {
    for (const [j, p] of paths.entries()) timings[j]!.push(await send(p, i));
  }
  return new Map(
    paths.map((p, j) => {
      const start = cpu0[j];
      const cpu = start === undefined ? undefined : (p.gateway!.cpuMs() - start) / iterations;
      return [p.name, { timings: timings[j]!, cpuPerRequestMs: cpu }];
    }),
  );
}

export interface LoadResult {
  readonly rps: number;
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
  /** Gateway CPU per answered request, ms. */
  readonly cpuPerRequestMs: number | undefined;
  /** [seconds into this run, RSS MB] samples of the gateway, once a second. */
  readonly rss: readonly (readonly [number, number])[];
}

/** autocannon at `connections` for `seconds` on one path, the gateway's CPU and RSS read around and during it. */
export async function load(
  path: Path,
  route: string,
  body: string,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const cpu0 = path.gateway?.cpuMs();
  const rss: [number, number][] = [];
  const started = Date.now();
  const sampler = path.gateway
    ? setInterval(() => rss.push([(Date.now() - started) / 1000, path.gateway!.rssMb()]), 1000)
    : undefined;
  const result = await autocannon({
    url: `${path.url}${route}`,
    method: 'POST',
    headers: { ...path.headers, 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
  });
  clearInterval(sampler);
  const requests = result.requests.total as number;
  const ok = requests - (result.non2xx as number);
  return {
    rps: result.requests.average as number,
    requests,
    p50: result.latency.p50 as number,
    p99: result.latency.p99 as number,
    failed: (result.non2xx as number) + (result.errors as number) + (result.timeouts as number),
    cpuPerRequestMs: cpu0 === undefined ? undefined : (path.gateway!.cpuMs() - cpu0) / Math.max(1, ok),
    rss,
  };
}

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}
