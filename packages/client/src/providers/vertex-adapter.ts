import { helpers, type protos, v1 } from '@google-cloud/aiplatform';
import { type AuthClient, GoogleAuth } from 'google-auth-library';
import { grpc } from 'google-gax';
import { GenAiError } from '../errors.js';
import { estimateTokens } from '../model-limits.js';
import type {
  FinishReason,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  ProviderAdapter,
  ProviderEmbedResult,
  ProviderGenerateResult,
  ProviderStreamEvent,
  Target,
} from '../types.js';
import { mapGoogleError } from './google-errors.js';
import { plainPromptTemplate } from './sagemaker-payloads.js';

// google-gax's types, reached through the client (google-gax is not a direct dependency).
type ClientOptions = NonNullable<ConstructorParameters<typeof v1.PredictionServiceClient>[0]>;
type CallOptions = NonNullable<Parameters<v1.PredictionServiceClient['streamGenerateContent']>[1]>;
type IGenerateContentRequest = protos.google.cloud.aiplatform.v1.IGenerateContentRequest;
type IGenerateContentResponse = protos.google.cloud.aiplatform.v1.IGenerateContentResponse;

export interface VertexProviderOptions {
  readonly project: string;
  /** Region such as us-central1, or 'global'. */
  readonly location: string;
  /**
   * Endpoint override: an http(s) URL (e.g. the emulator's `http://127.0.0.1:4010`) or a bare host
   * (`us-central1-aiplatform.googleapis.com`, optionally `:port`).
   * @default - `{location}-aiplatform.googleapis.com` (`aiplatform.googleapis.com` for 'global')
   */
  readonly endpoint?: string;
  /**
   * Wire protocol. `'grpc'`: the official client's default transport (HTTP/2; TLS, except to an `http://`
   * endpoint, which gets an insecure channel, e.g. the emulator). `'rest'`: JSON over HTTP/1.1 (gax's fallback).
   * @default - 'rest' when `endpoint` is an http(s) URL, else 'grpc'
   */
  readonly transport?: 'rest' | 'grpc';
  /** @default - Application Default Credentials (google-auth-library's GoogleAuth) */
  readonly authClient?: AuthClient;
}

const SERVICE = 'google.cloud.aiplatform.v1.PredictionService';

/** The client's own retries off: no retry codes for any method (the pipeline's retry layer owns retries). */
const NO_RETRY_CLIENT_CONFIG = {
  interfaces: {
    [SERVICE]: {
      retry_codes: { idempotent: [], non_idempotent: [] },
      retry_params: {},
      methods: {},
    },
  },
};

const FINISH: Readonly<Record<string, FinishReason>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content-filter',
  RECITATION: 'content-filter',
  BLOCKLIST: 'content-filter',
  PROHIBITED_CONTENT: 'content-filter',
  SPII: 'content-filter',
  IMAGE_SAFETY: 'content-filter',
  MALFORMED_FUNCTION_CALL: 'other',
};
const FINISH_BY_NUMBER = [
  'FINISH_REASON_UNSPECIFIED',
  'STOP',
  'MAX_TOKENS',
  'SAFETY',
  'RECITATION',
  'OTHER',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'MALFORMED_FUNCTION_CALL',
];

function finishOf(reason: unknown): FinishReason {
  const name = typeof reason === 'number' ? FINISH_BY_NUMBER[reason] : reason;
  return (
    (typeof name === 'string' && FINISH[name]) || (name === undefined || name === null ? 'stop' : 'other')
  );
}

/**
 * Decodes a google.protobuf.Value as the REST transport hands it over (with `kind` and default fields set,
 * which the package's `helpers.fromValue` rejects as malformed) or as gRPC does.
 */
export function fromValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const value = v as {
    kind?: string;
    stringValue?: string;
    numberValue?: number;
    boolValue?: boolean;
    nullValue?: unknown;
    structValue?: { fields?: Record<string, unknown> };
    listValue?: { values?: unknown[] };
  };
  const kind =
    value.kind ??
    (['structValue', 'listValue', 'stringValue', 'numberValue', 'boolValue', 'nullValue'] as const).find(
      (k) => value[k] !== undefined && value[k] !== null,
    );
  switch (kind) {
    case 'stringValue':
      return value.stringValue;
    case 'numberValue':
      return value.numberValue;
    case 'boolValue':
      return value.boolValue;
    case 'structValue':
      return Object.fromEntries(
        Object.entries(value.structValue?.fields ?? {}).map(([k, f]) => [k, fromValue(f)]),
      );
    case 'listValue':
      return (value.listValue?.values ?? []).map(fromValue);
    default:
      return null;
  }
}

/** The transport a Vertex provider uses: `transport`, else REST for an http(s) URL endpoint, else gRPC. */
export function vertexTransport(options: VertexProviderOptions): 'rest' | 'grpc' {
  return options.transport ?? (/^https?:\/\//.test(options.endpoint ?? '') ? 'rest' : 'grpc');
}

function isCustomEndpoint(target: Target): boolean {
  return /(?:^|\/)endpoints\/[^/]+$/.test(target.model);
}

interface Cancellable {
  cancel(): void;
}

/** Vertex AI PredictionService: generateContent / streamGenerateContent for chat, predict for embeddings. */
export class VertexAdapter implements ProviderAdapter {
  readonly name = 'vertex' as const;
  private readonly clients = new Map<string, v1.PredictionServiceClient>();

  /** REST transport (an http(s) endpoint override) rather than gRPC. */
  private readonly rest: boolean;

  constructor(private readonly options: VertexProviderOptions) {
    this.rest = vertexTransport(options) === 'rest';
  }

  client(location = this.options.location): v1.PredictionServiceClient {
    let client = this.clients.get(location);
    if (!client) {
      client = new v1.PredictionServiceClient(this.clientOptions(location));
      this.clients.set(location, client);
    }
    return client;
  }

  private clientOptions(location: string): ClientOptions {
    const base: ClientOptions = {
      clientConfig: NO_RETRY_CLIENT_CONFIG,
      ...(this.options.authClient ? { authClient: this.options.authClient as never } : {}),
    };
    const endpoint = this.options.endpoint;
    const url = endpoint && /^https?:\/\//.test(endpoint) ? new URL(endpoint) : undefined;
    const host =
      url?.hostname ??
      endpoint?.replace(/:\d+$/, '') ??
      (location === 'global' ? 'aiplatform.googleapis.com' : `${location}-aiplatform.googleapis.com`);
    const secure = url ? url.protocol === 'https:' : true;
    const explicitPort = url?.port || /:(\d+)$/.exec(endpoint ?? '')?.[1];
    const port = explicitPort ? Number(explicitPort) : secure ? 443 : 80;
    if (this.rest) {
      return {
        ...base,
        ...restAuth(this.options.authClient),
        apiEndpoint: host,
        port,
        protocol: secure ? 'https' : 'http',
        fallback: true,
      } as ClientOptions;
    }
    // gRPC: TLS with call credentials, or an insecure channel to an http:// endpoint (grpc-js sends no call
    // credentials over it, so no token leaves the process in clear text).
    return {
      ...base,
      apiEndpoint: host,
      ...(explicitPort ? { port } : {}),
      ...(secure ? {} : { sslCreds: grpc.credentials.createInsecure() }),
    };
  }

  /** Resource name of a model: publisher model id, `publishers/{p}/models/{m}`, or `endpoints/{id}`. */
  resource(target: Target): string {
    const location = target.region ?? this.options.location;
    const parent = `projects/${this.options.project}/locations/${location}`;
    const m = target.model;
    if (m.startsWith('projects/')) return m;
    if (m.startsWith('endpoints/') || m.startsWith('publishers/')) return `${parent}/${m}`;
    return `${parent}/publishers/google/models/${m}`;
  }

  private callOptions(): CallOptions {
    // Per call as well as in the client config: no gax retries, whatever the method's defaults say.
    return { retry: null as never, timeout: 600_000 };
  }

  private request(target: Target, req: NormalizedGenerateRequest): IGenerateContentRequest {
    const generationConfig = {
      ...(req.maxTokens !== undefined ? { maxOutputTokens: req.maxTokens } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.topP !== undefined ? { topP: req.topP } : {}),
      ...(req.stop ? { stopSequences: [...req.stop] } : {}),
    };
    return {
      model: this.resource(target),
      contents: req.messages.map((m) => ({
        role: m.role === 'assistant' ? 'model' : 'user',
        parts: [{ text: m.content }],
      })),
      ...(req.system ? { systemInstruction: { role: 'system', parts: [{ text: req.system }] } } : {}),
      ...(Object.keys(generationConfig).length > 0 ? { generationConfig } : {}),
      // generateContent fields such as safetySettings, labels, cachedContent.
      ...(req.providerOptions as Partial<IGenerateContentRequest> | undefined),
    };
  }

  async generate(
    target: Target,
    req: NormalizedGenerateRequest,
    signal: AbortSignal,
  ): Promise<ProviderGenerateResult> {
    if (isCustomEndpoint(target)) return this.generateOnEndpoint(target, req, signal);
    const client = this.client(target.region);
    try {
      const request = this.request(target, req);
      const [response] = await unary<IGenerateContentResponse>(
        client,
        'generateContent',
        request,
        { model: request.model ?? '' },
        this.callOptions(),
        signal,
      );
      return this.result(target, response);
    } catch (e) {
      throw mapGoogleError(e);
    }
  }

  private result(target: Target, response: IGenerateContentResponse): ProviderGenerateResult {
    const blocked = response.promptFeedback?.blockReason;
    const candidate = response.candidates?.[0];
    if (
      !candidate &&
      blocked !== undefined &&
      blocked !== null &&
      blocked !== 0 &&
      blocked !== 'BLOCKED_REASON_UNSPECIFIED'
    ) {
      throw new GenAiError(
        `vertex blocked the prompt (${String(blocked)}): ${response.promptFeedback?.blockReasonMessage ?? ''}`,
        {
          kind: 'content-filter',
          provider: 'vertex',
          code: String(blocked),
        },
      );
    }
    return {
      text: (candidate?.content?.parts ?? []).map((p) => p.text ?? '').join(''),
      finishReason: finishOf(candidate?.finishReason),
      usage: {
        inputTokens: Number(response.usageMetadata?.promptTokenCount ?? 0),
        outputTokens: Number(response.usageMetadata?.candidatesTokenCount ?? 0),
      },
      provider: 'vertex',
      model: response.modelVersion || target.model,
    };
  }

  /**
   * A custom endpoint (`vertex/endpoints/<id>`) serving a vLLM / Model Garden container: `predict` with
   * `{ instances: [{ prompt, max_tokens, temperature, top_p }] }` → `{ predictions: [text] }`. The container
   * reports no usage or finish reason: usage is estimated, and the finish reason is 'length' when the answer
   * used up max_tokens (estimated), else 'stop'. `providerOptions` are merged into the instance.
   */
  private async generateOnEndpoint(
    target: Target,
    req: NormalizedGenerateRequest,
    signal: AbortSignal,
  ): Promise<ProviderGenerateResult> {
    const client = this.client(target.region);
    const endpoint = this.resource(target);
    const instance = {
      prompt: plainPromptTemplate(req),
      ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.topP !== undefined ? { top_p: req.topP } : {}),
      ...(req.stop ? { stop: [...req.stop] } : {}),
      ...req.providerOptions,
    };
    try {
      const [response] = await unary<protos.google.cloud.aiplatform.v1.IPredictResponse>(
        client,
        'predict',
        { endpoint, instances: [helpers.toValue(instance) as protos.google.protobuf.IValue] },
        { endpoint },
        this.callOptions(),
        signal,
      );
      const first = response.predictions?.[0];
      const value = first ? fromValue(first) : '';
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      const inputTokens = estimateTokens(instance.prompt);
      const outputTokens = estimateTokens(text);
      return {
        text,
        finishReason: req.maxTokens !== undefined && outputTokens >= req.maxTokens ? 'length' : 'stop',
        usage: { inputTokens, outputTokens },
        provider: 'vertex',
        model: target.model,
      };
    } catch (e) {
      throw mapGoogleError(e);
    }
  }

  async *stream(
    target: Target,
    req: NormalizedGenerateRequest,
    signal: AbortSignal,
  ): AsyncGenerator<ProviderStreamEvent> {
    if (isCustomEndpoint(target)) {
      // predict has no streaming form: the whole answer arrives as one delta.
      const { text, ...rest } = await this.generateOnEndpoint(target, req, signal);
      if (text) yield { type: 'delta', text };
      yield { type: 'finish', ...rest };
      return;
    }
    const client = this.client(target.region);
    let finishReason: FinishReason | undefined;
    let usage = { inputTokens: 0, outputTokens: 0 };
    let model = target.model;
    const call = client.streamGenerateContent(this.request(target, req), this.callOptions());
    const onAbort = () => {
      if (this.rest) {
        // REST: gax's cancel() on a stream ends its parser without aborting the HTTP request (the request keeps
        // streaming); destroying the parser makes gax's pipeline destroy the response body, closing the request.
        (call as unknown as { stream?: { destroy(): void } }).stream?.destroy();
      } else {
        (call as unknown as Partial<Cancellable>).cancel?.();
      }
      call.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal.aborted) onAbort();
      for await (const chunk of call as AsyncIterable<IGenerateContentResponse>) {
        const blocked = chunk.promptFeedback?.blockReason;
        if (blocked && blocked !== 'BLOCKED_REASON_UNSPECIFIED' && !chunk.candidates?.length) {
          throw new GenAiError(`vertex blocked the prompt (${String(blocked)})`, {
            kind: 'content-filter',
            provider: 'vertex',
            code: String(blocked),
          });
        }
        const candidate = chunk.candidates?.[0];
        const text = (candidate?.content?.parts ?? []).map((p) => p.text ?? '').join('');
        if (text) yield { type: 'delta', text };
        if (
          candidate?.finishReason !== undefined &&
          candidate.finishReason !== null &&
          candidate.finishReason !== 0 &&
          candidate.finishReason !== 'FINISH_REASON_UNSPECIFIED'
        ) {
          finishReason = finishOf(candidate.finishReason);
        }
        if (chunk.usageMetadata) {
          usage = {
            inputTokens: Number(chunk.usageMetadata.promptTokenCount ?? 0),
            outputTokens: Number(chunk.usageMetadata.candidatesTokenCount ?? 0),
          };
        }
        if (chunk.modelVersion) model = chunk.modelVersion;
      }
    } catch (e) {
      throw mapGoogleError(e);
    } finally {
      signal.removeEventListener('abort', onAbort);
      // A consumer that stopped early leaves the HTTP response open: cancel it.
      if (finishReason === undefined) onAbort();
    }
    if (finishReason === undefined) return;
    yield { type: 'finish', finishReason, usage, provider: 'vertex', model };
  }

  async embed(
    target: Target,
    req: NormalizedEmbedRequest,
    signal: AbortSignal,
  ): Promise<ProviderEmbedResult> {
    const client = this.client(target.region);
    const taskType = req.inputType === 'query' ? 'RETRIEVAL_QUERY' : 'RETRIEVAL_DOCUMENT';
    try {
      const endpoint = this.resource(target);
      const [response] = await unary<protos.google.cloud.aiplatform.v1.IPredictResponse>(
        client,
        'predict',
        {
          endpoint,
          instances: req.input.map(
            (content) => helpers.toValue({ content, task_type: taskType }) as protos.google.protobuf.IValue,
          ),
          parameters: helpers.toValue({
            autoTruncate: false,
            ...(req.dimensions !== undefined ? { outputDimensionality: req.dimensions } : {}),
            ...req.providerOptions,
          }) as protos.google.protobuf.IValue,
        },
        { endpoint },
        this.callOptions(),
        signal,
      );
      let inputTokens = 0;
      const embeddings = (response.predictions ?? []).map((p) => {
        const value = fromValue(p) as {
          embeddings?: { values?: number[]; statistics?: { token_count?: number } };
          values?: number[];
        };
        inputTokens += Number(value.embeddings?.statistics?.token_count ?? 0);
        return value.embeddings?.values ?? value.values ?? [];
      });
      return { embeddings, usage: { inputTokens }, provider: 'vertex', model: target.model };
    } catch (e) {
      throw mapGoogleError(e);
    }
  }

  close(): void {
    for (const client of this.clients.values()) void client.close().catch(() => {});
    this.clients.clear();
  }
}

/**
 * The REST transport sends through the auth client's gaxios, which uses node-fetch v3 by default. node-fetch
 * destroys the request body stream of a request aborted before it is written, with no 'error' listener on it:
 * cancelling a call in that window (an abort or a lost hedge right after the call starts) crashed the process
 * (seen here: 1 in 5 aborts within 1 ms of starting). Node's own fetch has no such window, so REST calls use it.
 * A given auth client gets it as its transporter default (unless it already has a fetch of its own); without
 * one, we create the default-chain GoogleAuth ourselves with it.
 */
function restAuth(authClient: AuthClient | undefined): Partial<ClientOptions> {
  if (authClient) {
    const defaults = (authClient as { transporter?: { defaults?: { fetchImplementation?: unknown } } })
      .transporter?.defaults;
    if (defaults && defaults.fetchImplementation === undefined)
      defaults.fetchImplementation = globalThis.fetch;
    return {};
  }
  return {
    auth: new GoogleAuth({
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      clientOptions: { transporterOptions: { fetchImplementation: globalThis.fetch } },
    }) as never,
  };
}

/**
 * Runs a unary call through the client's `innerApiCalls`, which return gax's cancellable promise: the public
 * methods wrap it in `.then()` and lose `cancel()`, so an aborted call would keep its HTTP request (or gRPC
 * call) open. We add the routing header the public method adds.
 */
async function unary<T>(
  client: v1.PredictionServiceClient,
  method: 'generateContent' | 'predict',
  request: object,
  routing: Record<string, string>,
  options: CallOptions,
  signal: AbortSignal,
): Promise<[T]> {
  if (signal.aborted) throw signal.reason;
  await client.initialize();
  if (signal.aborted) throw signal.reason;
  const params = Object.entries(routing)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  const otherArgs = {
    ...options.otherArgs,
    headers: { ...options.otherArgs?.headers, 'x-goog-request-params': params },
  };
  const call = (
    client.innerApiCalls[method] as (r: object, o: CallOptions) => Promise<[T]> & Partial<Cancellable>
  )(request, { ...options, otherArgs });
  const cancel = () => call.cancel?.();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    return await call;
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}
