import type { OutgoingHttpHeaders } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { createRequire } from 'node:module';
import { Exchange } from './exchange.js';
import { RPC_CODES } from './vertex-errors.js';

/**
 * Vertex AI over gRPC (the Node client's default transport), bridged to the REST handlers: the request message
 * is decoded and turned into its proto3 JSON form, the REST handler answers, and the answer is encoded back
 * into gRPC frames and trailers. The protos come from the caller's own @google-cloud/aiplatform (loaded on
 * first use), so the emulator keeps no protobuf dependency of its own.
 */

interface PbMessage {
  readonly $type?: unknown;
}
interface PbType {
  decode(bytes: Uint8Array): PbMessage;
  encode(message: PbMessage): { finish(): Uint8Array };
  fromObject(object: Record<string, unknown>): PbMessage;
}
interface Protos {
  lookup(name: string): PbType;
  toJson(message: PbMessage): unknown;
  fromJson(type: PbType, json: unknown): PbMessage | null;
}

let loaded: Protos | string | undefined;

function loadProtos(): Protos | string {
  if (loaded !== undefined) return loaded;
  try {
    const here = createRequire(import.meta.url);
    const aiplatform = createRequire(here.resolve('@google-cloud/aiplatform'));
    const gax = createRequire(aiplatform.resolve('google-gax'));
    const protobuf = gax('protobufjs') as {
      Root: {
        fromJSON(json: unknown): {
          lookupType(n: string): PbType;
          define(n: string): { add(t: unknown): void };
        };
      };
      Type: new (name: string) => { add(field: unknown): unknown };
      Field: new (name: string, id: number, type: string) => unknown;
    };
    const serializer = gax('proto3-json-serializer') as {
      toProto3JSON(message: PbMessage): unknown;
      fromProto3JSON(type: PbType, json: unknown): PbMessage | null;
    };
    const root = protobuf.Root.fromJSON(aiplatform('@google-cloud/aiplatform/build/protos/protos.json'));
    // google.rpc.RetryInfo is not in the aiplatform protos; the client decodes it from its own copy.
    const retryInfo = new protobuf.Type('RetryInfo');
    retryInfo.add(new protobuf.Field('retryDelay', 1, 'google.protobuf.Duration'));
    root.define('google.rpc').add(retryInfo);
    loaded = {
      lookup: (name) => root.lookupType(name),
      toJson: (m) => serializer.toProto3JSON(m),
      fromJson: (t, j) => serializer.fromProto3JSON(t, j),
    };
  } catch (error) {
    loaded = `Vertex AI over gRPC needs @google-cloud/aiplatform installed next to the emulator (its protos are loaded from there): ${error instanceof Error ? error.message : String(error)}. Or use the REST transport (fallback: true).`;
  }
  return loaded;
}

interface Method {
  readonly request: string;
  readonly response: string;
  readonly action: string;
  /** Field of the request holding the resource name. */
  readonly resource: 'model' | 'endpoint';
  readonly streaming?: boolean;
}

const METHODS: Readonly<Record<string, Method>> = {
  GenerateContent: {
    request: 'GenerateContentRequest',
    response: 'GenerateContentResponse',
    action: 'generateContent',
    resource: 'model',
  },
  StreamGenerateContent: {
    request: 'GenerateContentRequest',
    response: 'GenerateContentResponse',
    action: 'streamGenerateContent',
    resource: 'model',
    streaming: true,
  },
  Predict: {
    request: 'PredictRequest',
    response: 'PredictResponse',
    action: 'predict',
    resource: 'endpoint',
  },
  RawPredict: {
    request: 'RawPredictRequest',
    response: 'google.api.HttpBody',
    action: 'rawPredict',
    resource: 'endpoint',
  },
};

const GRPC_OF_HTTP: Readonly<Record<number, number>> = {
  400: 3,
  401: 16,
  403: 7,
  404: 12,
  409: 10,
  429: 8,
  499: 1,
  500: 13,
  501: 12,
  503: 14,
  504: 4,
};

const PATH = /^\/google\.cloud\.aiplatform\.(v1|v1beta1)\.PredictionService\/([A-Za-z]+)$/;

function frame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** "1.5s" → { seconds, nanos } */
function parseDuration(text: string): { seconds: number; nanos: number } {
  const value = Number.parseFloat(text);
  const seconds = Math.floor(value);
  return { seconds, nanos: Math.round((value - seconds) * 1e9) };
}

export function isGrpc(contentType: string | undefined): boolean {
  return contentType?.startsWith('application/grpc') === true;
}

/** A gRPC call on the HTTP/2 server, presented to the handlers as the equivalent Vertex REST request. */
export class GrpcExchange extends Exchange {
  private rpc: Method | undefined;
  private version = 'v1';
  private problem: string | undefined;
  private sse = '';

  override async readBody(limit?: number): Promise<void> {
    await super.readBody(limit);
    const match = PATH.exec(this.path);
    this.rpc = match ? METHODS[match[2]!] : undefined;
    this.version = match?.[1] ?? 'v1';
    const protos = loadProtos();
    if (!this.rpc || typeof protos === 'string') {
      this.problem =
        typeof protos === 'string'
          ? protos
          : `Method ${this.path} is not emulated; the emulator serves PredictionService GenerateContent, StreamGenerateContent, Predict and RawPredict.`;
      this.path = '/_grpc/unimplemented';
      return;
    }
    if (this.body.length < 5 || this.body.readUInt8(0) !== 0) {
      this.problem = 'Expected one uncompressed gRPC message.';
      this.path = '/_grpc/unimplemented';
      return;
    }
    const message = protos
      .lookup(this.rpc.request)
      .decode(this.body.subarray(5, 5 + this.body.readUInt32BE(1)));
    const json = protos.toJson(message) as Record<string, unknown>;
    const resource = typeof json[this.rpc.resource] === 'string' ? (json[this.rpc.resource] as string) : '';
    this.path = `/${this.version}/${resource}:${this.rpc.action}`;
    this.query = new URLSearchParams(this.rpc.streaming ? 'alt=sse' : '');
    this.body = Buffer.from(JSON.stringify(json));
    // grpc-js never sends call credentials over an insecure channel, so a local gRPC call carries no token.
    if (this.headers.authorization === undefined)
      this.headers = { ...this.headers, authorization: 'Bearer grpc-insecure' };
  }

  private get response(): Http2ServerResponse {
    return this.res as Http2ServerResponse;
  }

  private encode(json: unknown): Buffer {
    const protos = loadProtos() as Protos;
    const type = protos.lookup(this.rpc!.response);
    const message = protos.fromJson(type, json);
    if (!message) throw new Error(`cannot encode the answer as ${this.rpc!.response}`);
    return frame(type.encode(message).finish());
  }

  /** Ends the call with a non-OK status, in the trailers (and google.rpc.Status details when there are any). */
  private fail(httpStatus: number, body: unknown): void {
    const error = (
      body as {
        error?: { message?: string; status?: string; details?: { '@type': string; retryDelay?: string }[] };
      }
    )?.error;
    const code =
      (error?.status !== undefined ? RPC_CODES[error.status] : undefined) ?? GRPC_OF_HTTP[httpStatus] ?? 2;
    const message =
      this.problem ?? error?.message ?? (body as { message?: string })?.message ?? `HTTP ${httpStatus}`;
    const trailers: OutgoingHttpHeaders = {
      'grpc-status': String(code),
      'grpc-message': encodeURIComponent(message),
    };
    const protos = loadProtos();
    if (typeof protos !== 'string' && error?.details?.length) {
      const retryType = protos.lookup('google.rpc.RetryInfo');
      const details = error.details
        .filter((d) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo' && d.retryDelay)
        .map((d) => ({
          type_url: d['@type'],
          value: retryType
            .encode(retryType.fromObject({ retryDelay: parseDuration(d.retryDelay!) }))
            .finish(),
        }));
      const status = protos.lookup('google.rpc.Status');
      trailers['grpc-status-details-bin'] = Buffer.from(
        status.encode(status.fromObject({ code, message, details })).finish(),
      ).toString('base64');
    }
    if (!this.response.headersSent) this.response.writeHead(200, { 'content-type': 'application/grpc' });
    this.response.addTrailers(trailers);
    this.finished = true;
    this.response.end();
  }

  private ok(): void {
    this.response.addTrailers({ 'grpc-status': '0' });
    this.finished = true;
    this.response.end();
  }

  override send(status: number, _headers: OutgoingHttpHeaders, body: string | Buffer): void {
    if (this.gone || this.finished) return;
    let json: unknown;
    try {
      json = JSON.parse(body.toString());
    } catch {
      json = { message: body.toString() };
    }
    if (status < 200 || status >= 300 || this.problem) {
      this.fail(status, json);
      return;
    }
    this.response.writeHead(200, { 'content-type': 'application/grpc' });
    this.response.write(this.encode(json));
    this.ok();
  }

  override startStream(): void {
    if (this.gone) return;
    this.response.writeHead(200, { 'content-type': 'application/grpc' });
  }

  /** The REST handler writes server-sent events; each `data:` event becomes one gRPC message. */
  override async write(chunk: string | Uint8Array): Promise<void> {
    if (this.gone || this.finished) return;
    this.sse += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    let end = this.sse.indexOf('\r\n\r\n');
    while (end >= 0) {
      const event = this.sse.slice(0, end);
      this.sse = this.sse.slice(end + 4);
      if (event.startsWith('data: ')) {
        const json = JSON.parse(event.slice(6)) as { error?: unknown };
        if (json.error !== undefined) return this.fail(500, json);
        await super.write(this.encode(json));
      }
      end = this.sse.indexOf('\r\n\r\n');
    }
  }

  override end(): void {
    if (this.gone || this.finished) return;
    this.ok();
  }
}
