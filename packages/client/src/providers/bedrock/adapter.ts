import {
  BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  ConverseStreamCommand,
  InvokeModelCommand,
  type StopReason,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { GenAiError } from '../../errors.js';
import { estimateTokens } from '../../tokens.js';
import { ToolCallCollector, toolCall } from '../../tools/tool-calls.js';
import type {
  FinishReason,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  Target,
  ToolCall,
} from '../../types.js';
import type {
  ProviderAdapter,
  ProviderEmbedResult,
  ProviderGenerateResult,
  ProviderStreamEvent,
} from '../provider-definition.js';
import { regionalClient } from '../shared/aws-config.js';
import { mapAwsError } from '../shared/aws-errors.js';
import { converseMessages, converseToolFields, JSON_TOOL, structuredVia } from './converse-mapping.js';
import type { BedrockProviderOptions } from './options.js';
import { bedrockTopK } from './support.js';

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

  /**
   * One official client per region (a target may pin a region). Its HTTP/2 handler shares a pooled session between
   * unary calls: the client's default (`disableConcurrentStreams: true`) opens and closes a session, a TCP and TLS
   * connection, for every call (7.2 → 3.7 ms a Converse call on the local emulator, without TLS; issue 20).
   * ConverseStream keeps a session of its own, as the handler always gives event streams.
   */
  client(region?: string): BedrockRuntimeClient {
    return regionalClient(
      this.clients,
      this.options,
      region,
      (config) =>
        new BedrockRuntimeClient({
          ...config,
          requestHandler: new NodeHttp2Handler({ disableConcurrentStreams: false }),
        }),
    );
  }

  private converseInput(target: Target, req: NormalizedGenerateRequest): ConverseCommandInput {
    const inferenceConfig = {
      ...(req.maxTokens !== undefined ? { maxTokens: req.maxTokens } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.topP !== undefined ? { topP: req.topP } : {}),
      ...(req.stop ? { stopSequences: [...req.stop] } : {}),
    };
    const topK = req.topK === undefined ? undefined : bedrockTopK(target.model);
    return {
      modelId: target.model,
      messages: converseMessages(req.messages),
      ...(req.system ? { system: [{ text: req.system }] } : {}),
      ...(Object.keys(inferenceConfig).length > 0 ? { inferenceConfig } : {}),
      ...converseToolFields(target, req),
      // Top-k is in the model's native request: Claude's `top_k`, Nova's `inferenceConfig.topK`.
      ...(topK && {
        additionalModelRequestFields:
          topK === 'anthropic' ? { top_k: req.topK! } : { inferenceConfig: { topK: req.topK! } },
      }),
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
      const jsonViaTool = structuredVia(target, req) === 'tool';
      let text = '';
      const toolCalls: ToolCall[] = [];
      for (const b of blocks) {
        if (b.text !== undefined) text += b.text;
        else if (b.toolUse && jsonViaTool && b.toolUse.name === JSON_TOOL)
          text += JSON.stringify(b.toolUse.input ?? {});
        else if (b.toolUse) {
          toolCalls.push(
            toolCall(b.toolUse.toolUseId ?? '', b.toolUse.name ?? '', JSON.stringify(b.toolUse.input ?? {})),
          );
        }
      }
      return {
        text,
        ...(toolCalls.length > 0 && { toolCalls }),
        // A JSON answer asked through a forced tool ends with tool_use: for the caller it is a plain answer.
        finishReason: jsonViaTool && out.stopReason === 'tool_use' ? 'stop' : finishOf(out.stopReason),
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
    const jsonViaTool = structuredVia(target, req) === 'tool';
    const calls = new ToolCallCollector();
    // Converse numbers every content block; tool calls are numbered among themselves.
    const callIndex = new Map<number, number>();
    const jsonBlocks = new Set<number>();
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
        const blockIndex =
          event.contentBlockStart?.contentBlockIndex ?? event.contentBlockDelta?.contentBlockIndex ?? 0;
        const toolStart = event.contentBlockStart?.start?.toolUse;
        const toolInput = event.contentBlockDelta?.delta?.toolUse?.input;
        if (event.contentBlockDelta?.delta?.text !== undefined) {
          yield { type: 'delta', text: event.contentBlockDelta.delta.text };
        } else if (toolStart) {
          if (jsonViaTool && toolStart.name === JSON_TOOL) jsonBlocks.add(blockIndex);
          else {
            callIndex.set(blockIndex, calls.size);
            yield calls.start(calls.size, toolStart.toolUseId ?? '', toolStart.name ?? '');
          }
        } else if (toolInput !== undefined) {
          // The forced tool's input is the JSON answer: text for the caller.
          if (jsonBlocks.has(blockIndex)) yield { type: 'delta', text: toolInput };
          else {
            const index = callIndex.get(blockIndex);
            const delta = index === undefined ? undefined : calls.append(index, toolInput);
            if (delta) yield delta;
          }
        } else if (event.messageStop) {
          sawStop = true;
          finishReason =
            jsonViaTool && event.messageStop.stopReason === 'tool_use'
              ? 'stop'
              : finishOf(event.messageStop.stopReason);
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
    yield calls.finish({ finishReason, usage, provider: 'bedrock' as const, model: target.model });
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
