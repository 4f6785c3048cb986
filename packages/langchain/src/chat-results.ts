/** The client's results and stream events as LangChain messages and chunks. */

import type { GenerateResult, StreamEvent, StreamFinish, ToolCall } from '@genai-deploy/client';
import type { UsageMetadata } from '@langchain/core/messages';
import { AIMessage, AIMessageChunk } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';

/** What `response_metadata` carries: which target answered, from the cache or not, after how many attempts. */
export interface GenAiDeployResponseMetadata {
  readonly provider: string;
  readonly model: string;
  /** `provider/model` of the target that answered (differs from the route name after a fallback). */
  readonly model_name: string;
  readonly cached: boolean;
  readonly attempts: number;
  readonly latencyMs: number;
  readonly finish_reason: string;
}

export function responseMetadata(r: GenerateResult | StreamFinish): GenAiDeployResponseMetadata {
  return {
    provider: r.provider,
    model: r.model,
    model_name: `${r.provider}/${r.model}`,
    cached: r.cached,
    attempts: r.attempts,
    latencyMs: r.latencyMs,
    finish_reason: r.finishReason,
  };
}

export function usageMetadata(r: GenerateResult | StreamFinish): UsageMetadata {
  return {
    input_tokens: r.usage.inputTokens,
    output_tokens: r.usage.outputTokens,
    total_tokens: r.usage.inputTokens + r.usage.outputTokens,
  };
}

export function chatResult(r: GenerateResult): ChatResult {
  const valid = (r.toolCalls ?? []).filter(isObjectCall);
  const invalid = (r.toolCalls ?? []).filter((c) => !isObjectCall(c));
  const message = new AIMessage({
    content: r.text,
    tool_calls: valid.map((c) => ({
      id: c.id,
      name: c.name,
      args: c.arguments as Record<string, unknown>,
      type: 'tool_call',
    })),
    invalid_tool_calls: invalid.map((c) => ({
      id: c.id,
      name: c.name,
      args: c.argumentsText,
      error: 'the arguments are not a JSON object',
      type: 'invalid_tool_call',
    })),
    usage_metadata: usageMetadata(r),
    response_metadata: { ...responseMetadata(r) },
  });
  return {
    generations: [{ text: r.text, message, generationInfo: { finish_reason: r.finishReason } }],
    llmOutput: {
      tokenUsage: {
        promptTokens: r.usage.inputTokens,
        completionTokens: r.usage.outputTokens,
        totalTokens: r.usage.inputTokens + r.usage.outputTokens,
      },
    },
  };
}

/** One stream event as a chunk; `undefined` for complete tool calls, which the chunks' concatenation already holds. */
export function streamChunk(event: StreamEvent): ChatGenerationChunk | undefined {
  switch (event.type) {
    case 'delta':
      return new ChatGenerationChunk({
        text: event.text,
        message: new AIMessageChunk({ content: event.text }),
      });
    case 'tool-call-delta':
      return new ChatGenerationChunk({
        text: '',
        message: new AIMessageChunk({
          content: '',
          tool_call_chunks: [
            {
              index: event.index,
              ...(event.id !== undefined && { id: event.id }),
              ...(event.name !== undefined && { name: event.name }),
              args: event.argumentsDelta,
              type: 'tool_call_chunk',
            },
          ],
        }),
      });
    case 'tool-call':
      return undefined;
    case 'finish':
      return new ChatGenerationChunk({
        text: '',
        message: new AIMessageChunk({
          content: '',
          usage_metadata: usageMetadata(event),
          response_metadata: { ...responseMetadata(event) },
        }),
        generationInfo: { finish_reason: event.finishReason },
      });
  }
}

function isObjectCall(call: ToolCall): boolean {
  return typeof call.arguments === 'object' && call.arguments !== null && !Array.isArray(call.arguments);
}
