/** The client's result fields in the LanguageModelV3 shapes, shared by doGenerate and doStream. */
import type {
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3Usage,
  SharedV3ProviderMetadata,
} from '@ai-sdk/provider';
import type { FinishReason, GenerateResult, StreamFinish, Usage } from '@genai-deploy/client';
import { PROVIDER_KEY } from './prepare-request.js';

export function finishReason(reason: FinishReason): LanguageModelV3FinishReason {
  // The client's reasons are already provider-neutral and a subset of the SDK's.
  return { unified: reason, raw: reason };
}

export function usage(u: Usage): LanguageModelV3Usage {
  return {
    inputTokens: { total: u.inputTokens, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: u.outputTokens, text: undefined, reasoning: undefined },
    raw: { inputTokens: u.inputTokens, outputTokens: u.outputTokens },
  };
}

/** Which target answered, whether from the cache, and how many upstream attempts it took. */
export function providerMetadata(r: GenerateResult | StreamFinish): SharedV3ProviderMetadata {
  return {
    [PROVIDER_KEY]: {
      provider: r.provider,
      model: r.model,
      cached: r.cached,
      attempts: r.attempts,
      latencyMs: r.latencyMs,
    },
  };
}

export function content(r: GenerateResult): LanguageModelV3Content[] {
  const parts: LanguageModelV3Content[] = [];
  if (r.text.length > 0) parts.push({ type: 'text', text: r.text });
  for (const call of r.toolCalls ?? []) {
    parts.push({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: call.argumentsText });
  }
  return parts;
}
