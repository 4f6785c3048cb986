import {
  InvokeEndpointCommand,
  InvokeEndpointWithResponseStreamCommand,
  SageMakerRuntimeClient,
} from '@aws-sdk/client-sagemaker-runtime';
import { GenAiError } from '../../errors.js';
import { estimateInputTokens, estimateTokens } from '../../tokens.js';
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
import { regionalClient } from '../shared/aws-config.js';
import { mapAwsError } from '../shared/aws-errors.js';
import { openAiToolCallDeltas, ToolCallCollector } from '../shared/openai-chat.js';
import { lines } from '../shared/sse.js';
import type { SageMakerProviderOptions } from './options.js';
import {
  BUILT_IN_SAGEMAKER_ADAPTERS,
  type BuiltInSageMakerAdapter,
  type SageMakerAdapter,
} from './payloads.js';

const decoder = new TextDecoder();

/** SageMaker Runtime: InvokeEndpoint / InvokeEndpointWithResponseStream with a pluggable payload adapter. */
export class SageMakerAdapterProvider implements ProviderAdapter {
  readonly name = 'sagemaker' as const;
  private readonly clients = new Map<string, SageMakerRuntimeClient>();

  constructor(private readonly options: SageMakerProviderOptions = {}) {}

  client(region?: string): SageMakerRuntimeClient {
    return regionalClient(this.clients, this.options, region, (config) => new SageMakerRuntimeClient(config));
  }

  private adapter(endpoint: string, fallback: BuiltInSageMakerAdapter): SageMakerAdapter {
    const chosen = this.options.adapters?.[endpoint] ?? fallback;
    return typeof chosen === 'string' ? BUILT_IN_SAGEMAKER_ADAPTERS[chosen] : chosen;
  }

  /** The request both InvokeEndpoint commands send: the JSON body, the adapter's content types and the
   * endpoint's `InferenceComponentName`, when one is configured. */
  private invokeInput(endpoint: string, adapter: SageMakerAdapter, body: unknown) {
    const component = this.options.inferenceComponents?.[endpoint];
    return {
      EndpointName: endpoint,
      ...(component ? { InferenceComponentName: component } : {}),
      ContentType: adapter.contentType ?? 'application/json',
      Accept: adapter.accept ?? 'application/json',
      Body: new TextEncoder().encode(JSON.stringify(body)),
    };
  }

  private missing(adapter: SageMakerAdapter, hook: string, endpoint: string): GenAiError {
    return new GenAiError(
      `sagemaker endpoint "${endpoint}" uses the "${adapter.name}" payload adapter, which has no ${hook}; set providers.sagemaker.adapters["${endpoint}"] to an adapter that does`,
      { kind: 'invalid-request', provider: 'sagemaker' },
    );
  }

  async generate(
    target: Target,
    req: NormalizedGenerateRequest,
    signal: AbortSignal,
  ): Promise<ProviderGenerateResult> {
    const adapter = this.adapter(target.model, 'tgi');
    if (!adapter.generateBody || !adapter.parseGenerate)
      throw this.missing(adapter, 'generateBody/parseGenerate', target.model);
    try {
      const out = await this.client(target.region).send(
        new InvokeEndpointCommand(this.invokeInput(target.model, adapter, adapter.generateBody(req, false))),
        { abortSignal: signal },
      );
      const parsed = adapter.parseGenerate(JSON.parse(decoder.decode(out.Body)));
      return {
        text: parsed.text,
        ...(parsed.toolCalls && parsed.toolCalls.length > 0 ? { toolCalls: parsed.toolCalls } : {}),
        finishReason: parsed.finishReason,
        usage: parsed.usage ?? estimateUsage(req, parsed.text, parsed.outputTokens),
        provider: 'sagemaker',
        model: target.model,
      };
    } catch (e) {
      throw mapAwsError(e, 'sagemaker');
    }
  }

  async *stream(
    target: Target,
    req: NormalizedGenerateRequest,
    signal: AbortSignal,
  ): AsyncGenerator<ProviderStreamEvent> {
    const adapter = this.adapter(target.model, 'tgi');
    if (!adapter.generateBody || !adapter.parseStreamLine)
      throw this.missing(adapter, 'generateBody/parseStreamLine', target.model);
    let finishReason: FinishReason | undefined;
    let usage: Usage | undefined;
    let outputTokens: number | undefined;
    let text = '';
    const calls = new ToolCallCollector();
    try {
      const out = await this.client(target.region).send(
        new InvokeEndpointWithResponseStreamCommand(
          this.invokeInput(target.model, adapter, adapter.generateBody(req, true)),
        ),
        { abortSignal: signal },
      );
      if (!out.Body) throw new GenAiError('sagemaker answered without a stream', { kind: 'unavailable' });
      const parts = (async function* () {
        for await (const event of out.Body!) {
          if (event.PayloadPart?.Bytes) yield event.PayloadPart.Bytes;
          else if (event.ModelStreamError) {
            throw Object.assign(new Error(event.ModelStreamError.Message ?? 'model stream error'), {
              ...event.ModelStreamError,
              name: 'ModelStreamError',
            });
          } else if (event.InternalStreamFailure) {
            throw Object.assign(new Error(event.InternalStreamFailure.Message ?? 'internal stream failure'), {
              name: 'InternalStreamFailure',
            });
          }
        }
      })();
      for await (const line of lines(parts)) {
        const part = adapter.parseStreamLine(line);
        if (!part) continue;
        if (part.text) {
          text += part.text;
          yield { type: 'delta', text: part.text };
        }
        if (part.toolCalls) yield* openAiToolCallDeltas(calls, part.toolCalls);
        if (part.finishReason) finishReason = part.finishReason;
        if (part.usage) usage = part.usage;
        if (part.outputTokens !== undefined) outputTokens = part.outputTokens;
        if (part.done) break;
      }
    } catch (e) {
      throw mapAwsError(e, 'sagemaker');
    }
    if (finishReason === undefined) return; // truncated: the terminal reports it
    yield calls.finish({
      finishReason,
      usage: usage ?? estimateUsage(req, text, outputTokens),
      provider: 'sagemaker' as const,
      model: target.model,
    });
  }

  async embed(
    target: Target,
    req: NormalizedEmbedRequest,
    signal: AbortSignal,
  ): Promise<ProviderEmbedResult> {
    const adapter = this.adapter(target.model, 'embeddings');
    if (!adapter.embedBody || !adapter.parseEmbed)
      throw this.missing(adapter, 'embedBody/parseEmbed', target.model);
    try {
      const out = await this.client(target.region).send(
        new InvokeEndpointCommand(this.invokeInput(target.model, adapter, adapter.embedBody(req.input, req))),
        { abortSignal: signal },
      );
      const parsed = adapter.parseEmbed(JSON.parse(decoder.decode(out.Body)), req.input);
      return {
        embeddings: parsed.embeddings,
        usage: { inputTokens: parsed.inputTokens ?? req.input.reduce((n, t) => n + estimateTokens(t), 0) },
        provider: 'sagemaker',
        model: target.model,
      };
    } catch (e) {
      throw mapAwsError(e, 'sagemaker');
    }
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}

/** Containers that report no usage get an estimate (documented): better than zeros for cost tracking. */
function estimateUsage(req: NormalizedGenerateRequest, text: string, outputTokens?: number): Usage {
  return { inputTokens: estimateInputTokens(req), outputTokens: outputTokens ?? estimateTokens(text) };
}
