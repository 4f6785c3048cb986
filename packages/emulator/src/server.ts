import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { routeAzure } from './azure.js';
import { routeBedrock } from './bedrock.js';
import type { EmulatorContext, RoutedRequest } from './context.js';
import { handleControl } from './control.js';
import { Exchange } from './exchange.js';
import { FaultEngine } from './faults.js';
import { LatencyModel, pause } from './latency.js';
import { routeSageMaker } from './sagemaker.js';
import { Stats } from './stats.js';
import type { Emulator, EmulatorOptions, FaultRule, ProviderName } from './types.js';
import { routeAzureSearch } from './vector/azure-search.js';
import { routeOpenSearch } from './vector/opensearch.js';
import { routeVertexVectors } from './vector/vertex-vectors.js';
import { routeVertex } from './vertex.js';
import { GrpcExchange, isGrpc } from './vertex-grpc.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

type Router = (ex: Exchange) => RoutedRequest | undefined;

/** The routers of each emulated provider (a provider without its entry fails the type check). */
const PROVIDER_ROUTERS: { readonly [P in ProviderName]: readonly Router[] } = {
  bedrock: [routeBedrock],
  sagemaker: [routeSageMaker],
  vertex: [routeVertex, routeVertexVectors],
  azure: [routeAzure],
  opensearch: [routeOpenSearch],
  'azure-search': [routeAzureSearch],
};
const ROUTERS: readonly Router[] = Object.values(PROVIDER_ROUTERS).flat();

function checkOptions(options: EmulatorOptions): void {
  const { port, host, seed, sagemakerEndpoints } = options;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new RangeError(
      `startEmulator: port must be an integer from 0 to 65535 (0 picks a free port), received ${port}`,
    );
  if (host !== undefined && (typeof host !== 'string' || host === ''))
    throw new TypeError(
      `startEmulator: host must be a non-empty string such as '127.0.0.1', received ${JSON.stringify(host)}`,
    );
  if (seed !== undefined && !Number.isFinite(seed))
    throw new TypeError(`startEmulator: seed must be a finite number, received ${seed}`);
  for (const [name, kind] of Object.entries(sagemakerEndpoints ?? {}))
    if (kind !== 'tgi' && kind !== 'embeddings')
      throw new TypeError(
        `startEmulator: sagemakerEndpoints.${name} must be 'tgi' or 'embeddings', received ${JSON.stringify(kind)}`,
      );
}

/** Answers a request nobody routes, naming the routes that exist. */
function notFound(ex: Exchange): void {
  ex.json(404, {
    message: `No emulated operation at ${ex.method} ${ex.path}. Bedrock: POST /model/{modelId}/converse|converse-stream|invoke|invoke-with-response-stream; SageMaker: POST /endpoints/{name}/invocations|invocations-response-stream; Vertex: POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent|streamGenerateContent|predict, /v1/projects/{p}/locations/{l}/endpoints/{e}:predict|rawPredict; Azure: POST /chat/completions, POST /embeddings, GET /info; OpenSearch Serverless: /opensearch/{index}[/_bulk|/_search|/_doc/{id}]; Vertex Vector Search: POST /v1/projects/{p}/locations/{l}/indexes/{i}:upsertDatapoints|removeDatapoints, /v1/projects/{p}/locations/{l}/indexEndpoints/{e}:findNeighbors|readIndexDatapoints; Azure AI Search: PUT|GET|DELETE /indexes('{name}'), POST /indexes('{name}')/docs/search.index|search.post.search, GET /indexes('{name}')/docs/$count; control: /_emulator/*`,
  });
}

async function serve(ex: Exchange, ctx: EmulatorContext): Promise<void> {
  await ex.readBody();
  if (handleControl(ex, ctx.faults, ctx.stats)) return;
  let route: RoutedRequest | undefined;
  for (const router of ROUTERS) {
    route = router(ex);
    if (route) break;
  }
  if (!route) return notFound(ex);
  if (!route.uncounted) ctx.stats.request(route.operation);
  // In-flight count: lets clients' tests check that an aborted call really closed its request/stream.
  ctx.stats.opened();
  ex.onClose(() => ctx.stats.closed());
  if (!route.authenticate(ex)) return;
  const fault = ctx.faults.match(route);
  const kind = fault?.kind ?? 'error';
  if (fault && kind === 'error') return route.sendFault(ex, fault);
  if (fault && kind === 'reset') return ex.reset();
  if (fault && kind === 'hang') {
    await new Promise<void>((resolve) => {
      if (fault.hangMs !== undefined) {
        const stall = pause(fault.hangMs, ex);
        if (stall) void stall.then(resolve);
        else resolve();
      }
      ex.onClose(resolve);
    });
    if (ex.gone) return;
  }
  await route.handle(
    ex,
    ctx,
    fault && (kind === 'stream-cut' || kind === 'stream-error') ? fault : undefined,
  );
}

/**
 * Starts the emulator: one port serving HTTP/1.1 and cleartext HTTP/2 with prior knowledge (the first bytes
 * of each connection decide), the four providers' routes and the control API.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  checkOptions(options);
  const seed = options.seed ?? 0;
  const faults = new FaultEngine(seed);
  const stats = new Stats();
  const ctx: EmulatorContext = {
    faults,
    stats,
    latency: new LatencyModel(options.latency, seed),
    sagemakerEndpoints: { ...(options.sagemakerEndpoints ?? {}) },
  };
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const rawSocketOf = new WeakMap<http2.ServerHttp2Session, net.Socket>();
  let connecting: net.Socket | undefined;

  const onRequest = (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
    raw: net.Socket | undefined,
  ) => {
    const ex = isGrpc(req.headers['content-type'])
      ? new GrpcExchange(req, res, raw)
      : new Exchange(req, res, raw);
    serve(ex, ctx).catch((error: unknown) => {
      if (!ex.gone)
        ex.json(500, {
          message: `Emulator error: ${error instanceof Error ? error.message : String(error)}`,
        });
    });
  };

  const h1 = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => onRequest(req, res, req.socket));
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: 1000 } }, (req, res) =>
    onRequest(req, res, rawSocketOf.get(req.stream.session as http2.ServerHttp2Session)),
  );
  h2.on('session', (session) => {
    sessions.add(session);
    if (connecting) rawSocketOf.set(session, connecting);
    session.on('close', () => sessions.delete(session));
    // A broken peer must not take the emulator down.
    session.on('error', () => {});
  });
  h1.on('clientError', (_err, socket) => socket.destroy());

  // No Nagle: small HTTP/2 frames and event-stream messages would otherwise wait for delayed ACKs (~40 ms).
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      const isH2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isH2 && head.length < PREFACE.length) return;
      socket.off('data', onData);
      socket.pause();
      socket.unshift(head);
      if (isH2) {
        // The HTTP/2 session reads what is buffered on the next tick (socket.read()), so the socket stays paused.
        connecting = socket;
        h2.emit('connection', socket);
        connecting = undefined;
      } else {
        h1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
        h1.close();
        h2.close();
      });
      return closed;
    },
    reset() {
      faults.clear();
      stats.reset();
    },
    setFaults(rules: readonly FaultRule[]) {
      faults.set(rules);
    },
    requests() {
      return stats.snapshot();
    },
  };
}
