import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { ClientOptions } from '@genai-deploy/client';
import type { FrontConfig, FrontConfigInput } from '@genai-deploy/config';
import { FRONT_ENV, parseFrontConfig } from '@genai-deploy/config';
import { type ServerType, serve } from '@hono/node-server';
import type { Front, FrontOptions } from './app.js';
import { ApiKeys } from './auth.js';
import { createFrontFromEnv } from './runtime.js';
import { startTracing } from './tracing/setup.js';

export interface StartFrontOptions extends Partial<Omit<FrontOptions, 'config' | 'apiKeys'>> {
  /** The configuration, validated here when given as input. @default - from GENAI_CONFIG / GENAI_CONFIG_FILE */
  readonly config?: FrontConfig | FrontConfigInput;
  /** Accepted keys: an ApiKeys, or plaintext keys. @default - from GENAI_API_KEYS and the other key variables */
  readonly apiKeys?: ApiKeys | readonly string[];
  /** Options merged over the ones mapped from the configuration when the front builds its client (credentials, endpoints). */
  readonly clientOptions?: ClientOptions;
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Environment to read configuration and keys from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Start the OpenTelemetry SDK when the process's `OTEL_*` variables ask for an exporter (see README, Tracing);
   * false leaves tracing to the application (the server span still goes to any registered provider).
   * @default true
   */
  readonly tracing?: boolean;
}

export interface RunningFront {
  /** e.g. `http://127.0.0.1:8787` */
  readonly url: string;
  readonly port: number;
  readonly front: Front;
  readonly server: ServerType;
  /**
   * Stops accepting connections, lets in-flight requests finish for up to `drainMs`, then closes every
   * connection, the job workers (unfinished jobs go back to the queue), the client and Redis.
   */
  close(drainMs?: number): Promise<void>;
}

/** Starts the front on a Node HTTP server (tests, Cloud Run, Container Apps, `npm start`). */
export async function startFront(options: StartFrontOptions = {}): Promise<RunningFront> {
  const env = options.env ?? process.env;
  const config =
    options.config === undefined
      ? undefined
      : parseFrontConfig(options.config as unknown, 'front configuration');
  const apiKeys =
    options.apiKeys === undefined
      ? undefined
      : options.apiKeys instanceof ApiKeys
        ? options.apiKeys
        : ApiKeys.from({ keys: options.apiKeys as readonly string[] });
  const { port: _port, host: _host, config: _config, apiKeys: _keys, tracing: _tracing, ...rest } = options;
  // Before the front and its client exist, so their first spans are exported. The SDK reads process.env.
  const tracing = options.tracing === false ? undefined : await startTracing(process.env);
  let front: Front;
  try {
    front = await createFrontFromEnv({
      ...rest,
      env,
      ...(config ? { config } : {}),
      ...(apiKeys ? { apiKeys } : {}),
    });
  } catch (e) {
    await tracing?.release();
    throw e;
  }
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve(
      {
        fetch: front.app.fetch,
        port: options.port ?? 0,
        hostname: options.host ?? '127.0.0.1',
        serverOptions: receiveTimeouts(front.config),
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    front,
    server,
    close(drainMs = 0) {
      closing ??= (async () => {
        const deadline = Date.now() + drainMs;
        front.startDrain();
        let stopped = false;
        const serverClosed = new Promise<void>((r) =>
          server.close(() => {
            stopped = true;
            r();
          }),
        );
        const closeIdle = () => (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        closeIdle();
        await front.idle(drainMs);
        // The last bytes of a finished response may still be on their way out: let connections end by
        // themselves (closing idle ones as they become idle) until the deadline, then cut what is left.
        while (!stopped && Date.now() < deadline) {
          closeIdle();
          await Promise.race([serverClosed, new Promise((r) => setTimeout(r, 25))]);
        }
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        await serverClosed;
        await front.close(0);
        // Exports the spans of the last requests before the process exits.
        await tracing?.release();
      })();
      return closing;
    },
  };
}

/**
 * How long a caller may take to send a request: its headers within limits.headersTimeoutMs, the whole request
 * within limits.requestTimeoutMs, by default time for the largest allowed body at 16 KiB/s, so a body that
 * trickles in cannot hold a connection for ever (Node answers 408 and closes it). Node's requestTimeout
 * covers receiving the request only: a stream answered for minutes is not cut.
 */
export function receiveTimeouts(config: FrontConfig): {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
} {
  const { maxBodyBytes, headersTimeoutMs = 10_000 } = config.limits;
  const requestTimeout =
    config.limits.requestTimeoutMs ?? headersTimeoutMs + Math.ceil(maxBodyBytes / 16_384) * 1000;
  return {
    headersTimeout: headersTimeoutMs,
    // Node refuses a headers timeout above the request timeout.
    requestTimeout: Math.max(requestTimeout, headersTimeoutMs),
    // How often Node checks those timeouts (30 s by default, which would stretch short ones).
    connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeoutMs / 4)),
  };
}

/**
 * The container entry: listens on PORT (default 8080) on all interfaces; on SIGTERM or SIGINT stops taking
 * requests, drains in-flight ones for up to GENAI_DRAIN_MS (default 10000: Cloud Run's grace period), then exits.
 */
export async function main(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RunningFront> {
  const given = env[FRONT_ENV.port.name];
  const port = Number(given ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${FRONT_ENV.port.name} must be a TCP port number (0-65535); got "${given}"`);
  }
  const drainMs = Number(env[FRONT_ENV.drainMs.name] ?? 10_000);
  const running = await startFront({ env, port, host: env[FRONT_ENV.host.name] ?? '0.0.0.0' });
  running.front.logger.info({ url: running.url, port: running.port }, 'front listening');
  const stop = (signal: string) => {
    running.front.logger.info({ signal, inFlight: running.front.inFlight, drainMs }, 'draining');
    void running.close(drainMs).then(
      () => {
        running.front.logger.info('stopped');
        process.exit(0);
      },
      (e: unknown) => {
        running.front.logger.error({ err: { message: (e as Error).message } }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return running;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(
      JSON.stringify({ level: 'fatal', msg: 'front failed to start', err: (e as Error).message }),
    );
    process.exit(1);
  });
}
