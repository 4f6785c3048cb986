import {
  BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  ConverseStreamCommand,
  InvokeModelCommand,
  type StopReason,
} from '@aws-sdk/client-bedrock-runtime';
import { GenAiError } from '../../errors.js';
import { estimateTokens } from '../../tokens.js';
import type { FinishReason, NormalizedEmbedRequest, NormalizedGenerateRequest, Target } from '../../types.js';
import type {
  ProviderAdapter,
  ProviderEmbedResult,
  ProviderGenerateResult,
  ProviderStreamEvent,
} from '../provider-definition.js';
import { regionalClient } from '../shared/aws-config.js';
import { mapAwsError } from '../shared/aws-errors.js';
import type { BedrockProviderOptions } from './options.js';

const FINISH: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  guardrail_intervened: 'content-filter',
  content_filtered: 'content-filter',
};

function finishOf(reason: StopReason | string | undefined): FinishReason {
  return (reason && FINISH[reason]) || 'other';
}

/** Bedrock Runtime: Converse / ConverseStream for chat, InvokeModel for Titan and Cohere embeddings. */
export class BedrockAdapter implements ProviderAdapter {
  readonly name = 'bedrock' as const;
  private readonly clients = new Map<string, BedrockRuntimeClient>();

  constructor(private readonly options: BedrockProviderOptions = {}) {}

  /** One official client per region (a target may pin a region). */
  client(region?: string): BedrockRuntimeClient {
    return regionalClient(this.clients, this.options, region, (config) => new BedrockRuntimeClient(config));
  }

  private converseInput(target: Target, req: NormalizedGenerateRequest): ConverseCommandInput {
    const inferenceConfig = {
      ...(req.maxTokens !== undefined ? { maxTokens: req.maxTokens } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.topP !== undefined ? { topP: req.topP } : {}),
      ...(req.stop ? { stopSequences: [...req.stop] } : {}),
    };
    return {
      modelId: target.model,
      messages: req.messages.map((m) => ({ role: m.role, content: [{ text: m.content }] })),
      ...(req.system ? { system: [{ text: req.system }] } : {}),
      ...(Object.keys(inferenceConfig).length > 0 ? { inferenceConfig } : {}),
      // Converse fields such as additionalModelRequestFields, guardrailConfig, performanceConfig.
      ...(req.providerOptions as Partial<ConverseCommandInput> | undefined),
    };
  }

  async generate(
    target: Target,
    req: NormalizedGenerateRequest,
    signal: AbortSignal,
  ): Promise<ProviderGenerateResult> {
    try {
      const out = await this.client(target.region).send(
        new ConverseCommand(this.converseInput(target, req)),
        {
          abortSignal: signal,
        },
      );
      const blocks: ContentBlock[] = out.output?.message?.content ?? [];
      return {
        text: blocks.map((b) => b.text ?? '').join(''),
        finishReason: finishOf(out.stopReason),
        usage: { inputTokens: out.usage?.inputTokens ?? 0, outputTokens: out.usage?.outputTokens ?? 0 },
        provider: 'bedrock',
        model: target.model,
      };
    } catch (e) {
      throw mapAwsError(e, 'bedrock');
    }
  }

  async *stream(
    target: Target,
    req: NormalizedGenerateRequest,
    signal: AbortSignal,
  ): AsyncGenerator<ProviderStreamEvent> {
    let finishReason: FinishReason = 'other';
    let usage = { inputTokens: 0, outputTokens: 0 };
    let sawStop = false;
    try {
      const out = await this.client(target.region).send(
        new ConverseStreamCommand(this.converseInput(target, req)),
        {
          abortSignal: signal,
        },
      );
      if (!out.stream)
        throw new GenAiError('bedrock ConverseStream answered without a stream', { kind: 'unavailable' });
      for await (const event of out.stream) {
        if (event.contentBlockDelta?.delta?.text !== undefined) {
          yield { type: 'delta', text: event.contentBlockDelta.delta.text };
        } else if (event.messageStop) {
          sawStop = true;
          finishReason = finishOf(event.messageStop.stopReason);
        } else if (event.metadata) {
          usage = {
            inputTokens: event.metadata.usage?.inputTokens ?? 0,
            outputTokens: event.metadata.usage?.outputTokens ?? 0,
          };
        } else {
          // Exceptions modelled as stream members (the SDK normally throws them, but be safe).
          const [member, body] =
            Object.entries(event).find(([k, v]) => k.endsWith('Exception') && v !== undefined) ?? [];
          if (member) {
            const name = member.charAt(0).toUpperCase() + member.slice(1);
            throw Object.assign(new Error((body as { message?: string }).message ?? name), {
              ...(body as object),
              name,
            });
          }
        }
      }
    } catch (e) {
      throw mapAwsError(e, 'bedrock');
    }
    if (!sawStop) return; // the terminal reports a stream that ended without its finish
    yield { type: 'finish', finishReason, usage, provider: 'bedrock', model: target.model };
  }

  async embed(
    target: Target,
    req: NormalizedEmbedRequest,
    signal: AbortSignal,
  ): Promise<ProviderEmbedResult> {
    const family = embeddingFamily(target.model);
    const client = this.client(target.region);
    const invoke = async (body: Record<string, unknown>) => {
      const out = await client.send(
        new InvokeModelCommand({
          modelId: target.model,
          contentType: 'application/json',
          accept: 'application/json',
          body: new TextEncoder().encode(JSON.stringify(body)),
        }),
        { abortSignal: signal },
      );
      return JSON.parse(new TextDecoder().decode(out.body)) as Record<string, unknown>;
    };
    try {
      if (family === 'titan') {
        // Titan takes one text per call; the embedding-split layer already made calls of one text.
        const embeddings: number[][] = [];
        let inputTokens = 0;
        for (const text of req.input) {
          const out = await invoke({
            inputText: text,
            ...(req.dimensions !== undefined ? { dimensions: req.dimensions } : {}),
            normalize: true,
            ...req.providerOptions,
          });
          embeddings.push(out.embedding as number[]);
          inputTokens += Number(out.inputTextTokenCount ?? estimateTokens(text));
        }
        return { embeddings, usage: { inputTokens }, provider: 'bedrock', model: target.model };
      }
      const out = await invoke({
        texts: req.input,
        input_type: req.inputType === 'query' ? 'search_query' : 'search_document',
        truncate: 'NONE',
        ...(req.dimensions !== undefined ? { output_dimension: req.dimensions } : {}),
        ...req.providerOptions,
      });
      const vectors = Array.isArray(out.embeddings)
        ? (out.embeddings as number[][])
        : ((out.embeddings as { float?: number[][] } | undefined)?.float ?? []);
      // Cohere reports no token count in the body: estimate it (documented in the README).
      const inputTokens = req.input.reduce((n, t) => n + estimateTokens(t), 0);
      return { embeddings: vectors, usage: { inputTokens }, provider: 'bedrock', model: target.model };
    } catch (e) {
      throw mapAwsError(e, 'bedrock');
    }
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}

function embeddingFamily(model: string): 'titan' | 'cohere' {
  if (/(?:^|\.)amazon\.titan-embed/.test(model)) return 'titan';
  if (/(?:^|\.)cohere\.embed/.test(model)) return 'cohere';
  throw new GenAiError(
    `bedrock embeddings: model "${model}" is not supported; use amazon.titan-embed-text-v2:0 or cohere.embed-english-v3 / cohere.embed-multilingual-v3`,
    { kind: 'invalid-request', provider: 'bedrock' },
  );
}
