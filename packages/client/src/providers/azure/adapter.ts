import { AzureKeyCredential, type KeyCredential, type TokenCredential } from '@azure/core-auth';
import createModelClient, { isUnexpected, type ModelClient } from '@azure-rest/ai-inference';
import { GenAiError } from '../../errors.js';
import type {
  FinishReason,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  Target,
  Usage,
} from '../../types.js';
import type {
  ProviderAdapter,
  ProviderEmbedResult,
  ProviderGenerateResult,
  ProviderStreamEvent,
} from '../provider-definition.js';
import {
  openAiFields,
  openAiMessages,
  openAiToolCallDeltas,
  openAiToolCalls,
  ToolCallCollector,
} from '../shared/openai-chat.js';
import type { SseEvent } from '../shared/sse.js';
import { azureResponseError, mapAzureError } from './errors.js';
import type { AzureProviderOptions } from './options.js';
import { SseDecoder } from './sse-decoder.js';

/** The pipeline policies that trace requests: @azure-rest/ai-inference's own and @azure/core-rest-pipeline's. */
export const AZURE_TRACING_POLICIES = ['InferenceTracingPolicy', 'tracingPolicy'] as const;

/** Entra ID scope of Azure AI Foundry / AI services and Azure OpenAI endpoints. */
export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

/** The scopes a token is asked for: `scopes`, else by endpoint host (undefined: the client library's default). */
export function azureScopes(options: AzureProviderOptions): readonly string[] | undefined {
  if (options.scopes) return options.scopes;
  let host: string;
  try {
    host = new URL(options.endpoint).hostname;
  } catch {
    return undefined;
  }
  return /\.(?:services\.ai\.azure\.com|cognitiveservices\.azure\.com|openai\.azure\.com)$/i.test(host)
    ? [COGNITIVE_SERVICES_SCOPE]
    : undefined;
}

const FINISH: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content-filter',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
};

function finishOf(reason: unknown): FinishReason {
  return (typeof reason === 'string' && FINISH[reason]) || 'other';
}

function usageOf(u: { prompt_tokens?: number; completion_tokens?: number } | undefined | null): Usage {
  return { inputTokens: u?.prompt_tokens ?? 0, outputTokens: u?.completion_tokens ?? 0 };
}

/** Azure AI inference (ModelClient from @azure-rest/ai-inference): chat completions and embeddings. */
export class AzureAdapter implements ProviderAdapter {
  readonly name = 'azure' as const;
  private clientPromise: Promise<ModelClient> | undefined;
  /** `https://<endpoint>.<region>.inference.ml.azure.com`: an Azure ML managed online endpoint. */
  private readonly managedOnlineEndpoint: boolean;

  constructor(private readonly options: AzureProviderOptions) {
    this.managedOnlineEndpoint = /\.inference\.ml\.azure\.com(?:[:/]|$)/i.test(options.endpoint);
  }

  client(): Promise<ModelClient> {
    this.clientPromise ??= (async () => {
      const credential = await resolveCredential(this.options);
      const scopes = azureScopes(this.options);
      const client = createModelClient(this.options.endpoint, credential, {
        ...(scopes ? { credentials: { scopes: [...scopes] } } : {}),
        // The pipeline's retry layer owns retries: none here.
        retryOptions: { maxRetries: 0 },
        // The Azure pipeline refuses plain http unless told; only local endpoints (the emulator) use it.
        allowInsecureConnection: this.options.endpoint.startsWith('http://'),
        ...(this.options.apiVersion ? { apiVersion: this.options.apiVersion } : {}),
      });
      client.pipeline.removePolicy({ phase: 'Retry' });
      // Our own span covers each call (telemetry.ts, with gen_ai attributes). The SDK's two tracing policies
      // only make spans through @azure/core-tracing's instrumenter, which nothing registers here, yet cost tens of
      // microseconds a request (a tracing client, URL parsing and the body read again per request; issue 20).
      for (const name of AZURE_TRACING_POLICIES) client.pipeline.removePolicy({ name });
      return client;
    })();
    return this.clientPromise;
  }

  private chatBody(target: Target, req: NormalizedGenerateRequest, stream: boolean) {
    return {
      messages: openAiMessages(req) as never[],
      ...openAiFields(req),
      model: target.model,
      ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.topP !== undefined ? { top_p: req.topP } : {}),
      ...(req.stop ? { stop: [...req.stop] } : {}),
      ...(stream ? { stream: true } : {}),
      ...req.providerOptions,
    };
  }

  private headers(
    target: Target,
    req: { providerOptions?: Readonly<Record<string, unknown>> },
  ): Record<string, string> {
    return {
      // Fields the API does not know are rejected unless passed through to the model on purpose.
      ...(req.providerOptions && Object.keys(req.providerOptions).length > 0
        ? { 'extra-parameters': 'pass-through' }
        : {}),
      // An Azure ML managed online endpoint picks the deployment from this header, not from `model`.
      ...(this.managedOnlineEndpoint ? { 'azureml-model-deployment': target.model } : {}),
    };
  }

  async generate(
    target: Target,
    req: NormalizedGenerateRequest,
    signal: AbortSignal,
  ): Promise<ProviderGenerateResult> {
    try {
      const client = await this.client();
      const response = await client.path('/chat/completions').post({
        body: this.chatBody(target, req, false),
        headers: this.headers(target, req),
        abortSignal: signal,
      });
      if (isUnexpected(response))
        throw azureResponseError(Number(response.status), response.headers, response.body);
      const choice = response.body.choices[0];
      const toolCalls = openAiToolCalls(choice?.message as Parameters<typeof openAiToolCalls>[0]);
      if (choice?.finish_reason === 'content_filter' && !choice.message?.content) {
        throw new GenAiError('azure content filter blocked the completion', {
          kind: 'content-filter',
          provider: 'azure',
          code: 'content_filter',
        });
      }
      return {
        text: choice?.message?.content ?? '',
        ...(toolCalls.length > 0 && { toolCalls }),
        finishReason: finishOf(choice?.finish_reason),
        usage: usageOf(response.body.usage),
        provider: 'azure',
        model: target.model,
      };
    } catch (e) {
      throw mapAzureError(e);
    }
  }

  async *stream(
    target: Target,
    req: NormalizedGenerateRequest,
    signal: AbortSignal,
  ): AsyncGenerator<ProviderStreamEvent> {
    let finishReason: FinishReason | undefined;
    const calls = new ToolCallCollector();
    let usage: Usage = { inputTokens: 0, outputTokens: 0 };
    let body: NodeJS.ReadableStream | undefined;
    try {
      const client = await this.client();
      const response = await client
        .path('/chat/completions')
        .post({
          body: this.chatBody(target, req, true),
          headers: this.headers(target, req),
          abortSignal: signal,
        })
        .asNodeStream();
      body = response.body;
      if (!body)
        throw new GenAiError('azure answered a stream request without a body', {
          kind: 'unavailable',
          provider: 'azure',
        });
      const status = Number(response.status);
      if (status !== 200) {
        let text = '';
        for await (const chunk of body as AsyncIterable<Buffer>) text += chunk.toString('utf8');
        let json: unknown = text;
        try {
          json = JSON.parse(text);
        } catch {}
        throw azureResponseError(status, response.headers, json);
      }
      /** An event's stream events, or undefined for `[DONE]`. */
      const handle = (event: SseEvent): ProviderStreamEvent[] | undefined => {
        if (event.data === '[DONE]') return undefined;
        const chunk = JSON.parse(event.data) as {
          error?: { code?: string; message?: string; status?: number };
          choices?: {
            delta?: { content?: string | null; tool_calls?: Parameters<typeof openAiToolCallDeltas>[1] };
            finish_reason?: string | null;
          }[];
          usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
        };
        if (chunk.error) throw azureResponseError(Number(chunk.error.status ?? 500), undefined, chunk);
        const choice = chunk.choices?.[0];
        const out: ProviderStreamEvent[] = [];
        if (choice?.delta?.content) out.push({ type: 'delta', text: choice.delta.content });
        if (choice?.delta?.tool_calls) out.push(...openAiToolCallDeltas(calls, choice.delta.tool_calls));
        if (choice?.finish_reason) finishReason = finishOf(choice.finish_reason);
        if (chunk.usage) usage = usageOf(chunk.usage);
        return out;
      };
      // Decoded per body chunk, synchronously (sse-decoder.ts): one read often carries many events.
      const decoder = new SseDecoder();
      let done = false;
      read: for await (const bytes of body as AsyncIterable<Buffer>) {
        if (done) continue; // what follows [DONE] in a body that has all arrived (see below)
        for (const event of decoder.push(bytes)) {
          const events = handle(event);
          if (!events) {
            done = true;
            // Leaving the loop destroys the body, and the keep-alive connection with it: the next call would
            // connect again. When the body has all arrived (an upstream ends it right after [DONE]), reading it
            // to its end takes a tick and keeps the connection; one still open after [DONE] is not waited for.
            if ((body as { complete?: boolean }).complete !== true) break read;
            break;
          }
          for (const e of events) yield e;
        }
      }
      if (!done) {
        for (const event of decoder.end()) {
          const events = handle(event);
          if (!events) {
            done = true;
            break;
          }
          for (const e of events) yield e;
        }
      }
      if (!done) finishReason = undefined; // cut before [DONE]: truncated
    } catch (e) {
      throw mapAzureError(e);
    } finally {
      // Stopping early must release the socket: destroy the body (the abort signal also tears it down).
      const stream = body as
        | (NodeJS.ReadableStream & { destroy?: () => void; readableEnded?: boolean })
        | undefined;
      if (stream && !stream.readableEnded) stream.destroy?.();
    }
    if (finishReason === undefined) return;
    yield calls.finish({ finishReason, usage, provider: 'azure' as const, model: target.model });
  }

  async embed(
    target: Target,
    req: NormalizedEmbedRequest,
    signal: AbortSignal,
  ): Promise<ProviderEmbedResult> {
    try {
      const client = await this.client();
      const response = await client.path('/embeddings').post({
        body: {
          input: [...req.input],
          model: target.model,
          ...(req.dimensions !== undefined ? { dimensions: req.dimensions } : {}),
          ...(req.inputType ? { input_type: req.inputType } : {}),
          ...req.providerOptions,
        },
        headers: this.headers(target, req),
        abortSignal: signal,
      });
      if (isUnexpected(response))
        throw azureResponseError(Number(response.status), response.headers, response.body);
      const data = [...response.body.data].sort((a, b) => a.index - b.index);
      return {
        embeddings: data.map((d) => d.embedding as unknown as number[]),
        usage: { inputTokens: response.body.usage?.prompt_tokens ?? 0 },
        provider: 'azure',
        model: target.model,
      };
    } catch (e) {
      throw mapAzureError(e);
    }
  }

  close(): void {
    // The Azure pipeline's HTTP agent has no close(); in-flight requests end through their abort signals.
    this.clientPromise = undefined;
  }
}

async function resolveCredential(options: AzureProviderOptions): Promise<KeyCredential | TokenCredential> {
  if (options.apiKey) return new AzureKeyCredential(options.apiKey);
  if (options.credential) return options.credential;
  const fromEnv = process.env.AZURE_INFERENCE_CREDENTIAL;
  if (fromEnv) return new AzureKeyCredential(fromEnv);
  if (options.endpoint.startsWith('http://')) {
    // DefaultAzureCredential's tokens are never sent over plain http (the Azure pipeline refuses): say so.
    throw new GenAiError(
      `azure: no key for the http endpoint ${options.endpoint}. Pass providers.azure.apiKey or .credential, set AZURE_INFERENCE_CREDENTIAL; Entra ID tokens (DefaultAzureCredential) are only sent over https`,
      { kind: 'auth', provider: 'azure', retryable: false },
    );
  }
  try {
    const identity = (await import(/* optional peer dependency */ '@azure/identity' as string)) as {
      DefaultAzureCredential: new () => TokenCredential;
    };
    return new identity.DefaultAzureCredential();
  } catch {
    throw new GenAiError(
      'azure: no credential. Pass providers.azure.apiKey or .credential, set AZURE_INFERENCE_CREDENTIAL, or install @azure/identity to use DefaultAzureCredential',
      { kind: 'auth', provider: 'azure', retryable: false },
    );
  }
}
