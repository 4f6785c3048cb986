import { helpers, type protos, v1 } from '@google-cloud/aiplatform';
import { type AuthClient, GoogleAuth } from 'google-auth-library';
import { grpc } from 'google-gax';
import { GenAiError } from '../../errors.js';
import { estimateTokens } from '../../tokens.js';
import { ToolCallCollector } from '../../tools/tool-calls.js';
import type { FinishReason, NormalizedEmbedRequest, NormalizedGenerateRequest, Target } from '../../types.js';
import type {
  ProviderAdapter,
  ProviderEmbedResult,
  ProviderGenerateResult,
  ProviderStreamEvent,
} from '../provider-definition.js';
import { plainPromptTemplate } from '../shared/prompt-template.js';
import { mapGoogleError } from './errors.js';
import { geminiAnswer, geminiContents, geminiResponseFormat, geminiTools } from './gemini-mapping.js';
import type { VertexProviderOptions } from './options.js';
import {
  type DecodedPredictions,
  decodePredict,
  predictionsToEmbeddings,
  withDecodedErrorBody,
} from './predict-decoder.js';
import { fromValue } from './proto-value.js';

export { fromValue };

// google-gax's types, reached through the client (google-gax is not a direct dependency).
type ClientOptions = NonNullable<ConstructorParameters<typeof v1.PredictionServiceClient>[0]>;
type CallOptions = NonNullable<Parameters<v1.PredictionServiceClient['streamGenerateContent']>[1]>;
type IGenerateContentRequest = protos.google.cloud.aiplatform.v1.IGenerateContentRequest;
type IGenerateContentResponse = protos.google.cloud.aiplatform.v1.IGenerateContentResponse;

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
  private defaultAuth: GoogleAuth | undefined;

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

  /** Where the API is for a location: the endpoint override, else the regional (or global) host, TLS on. */
  private address(location: string) {
    const endpoint = this.options.endpoint;
    const url = endpoint && /^https?:\/\//.test(endpoint) ? new URL(endpoint) : undefined;
    const host =
      url?.hostname ??
      endpoint?.replace(/:\d+$/, '') ??
      (location === 'global' ? 'aiplatform.googleapis.com' : `${location}-aiplatform.googleapis.com`);
    const secure = url ? url.protocol === 'https:' : true;
    const explicitPort = url?.port || /:(\d+)$/.exec(endpoint ?? '')?.[1];
    const port = explicitPort ? Number(explicitPort) : secure ? 443 : 80;
    return { host, secure, explicitPort, port };
  }

  /**
   * The credentials of REST calls: the given auth client, else one Application Default Credentials GoogleAuth
   * shared by the client's REST transport and `rest-json` embeddings. Both send with Node's fetch (see useNodeFetch).
   */
  private restAuth(): AuthClient | GoogleAuth {
    if (this.options.authClient) return useNodeFetch(this.options.authClient);
    this.defaultAuth ??= new GoogleAuth({
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      clientOptions: { transporterOptions: { fetchImplementation: globalThis.fetch } },
    });
    return this.defaultAuth;
  }

  private clientOptions(location: string): ClientOptions {
    const base: ClientOptions = {
      clientConfig: NO_RETRY_CLIENT_CONFIG,
      ...(this.options.authClient ? { authClient: this.options.authClient as never } : {}),
    };
    const { host, secure, explicitPort, port } = this.address(location);
    if (this.rest) {
      const auth = this.restAuth();
      return {
        ...base,
        ...(auth instanceof GoogleAuth ? { auth: auth as never } : {}),
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
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
      ...(req.topK !== undefined ? { topK: req.topK } : {}),
      ...(req.presencePenalty !== undefined ? { presencePenalty: req.presencePenalty } : {}),
      ...(req.frequencyPenalty !== undefined ? { frequencyPenalty: req.frequencyPenalty } : {}),
      ...geminiResponseFormat(req),
    };
    return {
      model: this.resource(target),
      contents: geminiContents(req.messages),
      ...(req.system ? { systemInstruction: { role: 'system', parts: [{ text: req.system }] } } : {}),
      ...(Object.keys(generationConfig).length > 0 ? { generationConfig } : {}),
      ...geminiTools(req),
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
    const { text, toolCalls } = geminiAnswer(candidate?.content?.parts);
    return {
      text,
      ...(toolCalls.length > 0 && { toolCalls }),
      // Gemini ends a turn of function calls with STOP.
      finishReason: toolCalls.length > 0 ? 'tool-calls' : finishOf(candidate?.finishReason),
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
    const calls = new ToolCallCollector();
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
        // Gemini sends each function call whole, in one chunk: one delta carries it all.
        const { text, toolCalls } = geminiAnswer(candidate?.content?.parts, calls.size);
        if (text) yield { type: 'delta', text };
        for (const c of toolCalls) yield calls.start(calls.size, c.id, c.name, c.argumentsText);
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
    // Gemini ends a turn of function calls with STOP.
    yield calls.finish({ finishReason, usage, provider: 'vertex' as const, model }, true);
  }

  async embed(
    target: Target,
    req: NormalizedEmbedRequest,
    signal: AbortSignal,
  ): Promise<ProviderEmbedResult> {
    const endpoint = this.resource(target);
    const { instances, parameters } = predictBody(req);
    try {
      if (this.options.embedTransport === 'rest-json') {
        const decoded = await this.predictJson(target, endpoint, { instances, parameters }, signal);
        return embedResult(target, decoded);
      }
      const [response] = await unary<protos.google.cloud.aiplatform.v1.IPredictResponse>(
        this.client(target.region),
        'predict',
        {
          endpoint,
          instances: instances.map((i) => helpers.toValue(i) as protos.google.protobuf.IValue),
          parameters: helpers.toValue(parameters) as protos.google.protobuf.IValue,
        },
        { endpoint },
        this.callOptions(),
        signal,
      );
      return embedResult(
        target,
        predictionsToEmbeddings(target.model, { predictions: (response.predictions ?? []).map(fromValue) }),
      );
    } catch (e) {
      throw mapGoogleError(e);
    }
  }

  /**
   * `predict` as the REST API documents it (POST /v1/{endpoint}:predict, `{ instances, parameters }`), sent with
   * the provider's credentials through google-auth-library and decoded as plain JSON. Errors are the same
   * `{ error: google.rpc.Status }` body the client's REST transport surfaces (a GaxiosError), mapped alike.
   */
  private async predictJson(
    target: Target,
    endpoint: string,
    body: object,
    signal: AbortSignal,
  ): Promise<DecodedPredictions> {
    const { host, secure, port } = this.address(target.region ?? this.options.location);
    const origin = `${secure ? 'https' : 'http'}://${host}${port === (secure ? 443 : 80) ? '' : `:${port}`}`;
    let data: unknown;
    try {
      // Read as bytes: a large answer is parsed off the event loop (predict-decoder.ts).
      const res = await this.restAuth().request<unknown>({
        url: `${origin}/v1/${endpoint}:predict`,
        method: 'POST',
        data: body,
        headers: { 'x-goog-request-params': `endpoint=${encodeURIComponent(endpoint)}` },
        responseType: 'arraybuffer',
        retry: false,
        signal,
      });
      data = res.data;
    } catch (e) {
      throw withDecodedErrorBody(e);
    }
    return decodePredict(target.model, data);
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
 * (seen here: 1 in 5 aborts within 1 ms of starting). Node's own fetch has no such window, so REST calls use it:
 * a given auth client gets it as its transporter default (unless it already has a fetch of its own).
 */
function useNodeFetch(authClient: AuthClient): AuthClient {
  const defaults = (authClient as { transporter?: { defaults?: { fetchImplementation?: unknown } } })
    .transporter?.defaults;
  if (defaults && defaults.fetchImplementation === undefined) defaults.fetchImplementation = globalThis.fetch;
  return authClient;
}

/** The JSON of a text-embedding `predict`: one instance per text, the task type from `inputType`. */
function predictBody(req: NormalizedEmbedRequest) {
  const taskType = req.inputType === 'query' ? 'RETRIEVAL_QUERY' : 'RETRIEVAL_DOCUMENT';
  return {
    instances: req.input.map((content) => ({ content, task_type: taskType })),
    parameters: {
      autoTruncate: false,
      ...(req.dimensions !== undefined ? { outputDimensionality: req.dimensions } : {}),
      ...req.providerOptions,
    },
  };
}

/** Vectors and token counts of text-embedding predictions (`{ embeddings: { values, statistics } }` each). */
function embedResult(target: Target, decoded: DecodedPredictions): ProviderEmbedResult {
  return {
    embeddings: decoded.embeddings,
    usage: { inputTokens: decoded.inputTokens },
    provider: 'vertex',
    model: target.model,
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
