/**
 * LanguageModelV3 call options as one client GenerateRequest. Every option is either mapped or reported as a
 * warning, never dropped silently; sampling fields a provider lacks (seed on Bedrock, topK on Azure) are sent
 * anyway, and the client refuses them before any network call, so the caller learns it at once.
 */
import {
  InvalidArgumentError,
  type LanguageModelV3CallOptions,
  type SharedV3Warning,
  UnsupportedFunctionalityError,
} from '@ai-sdk/provider';
import type { CallCacheOptions, GenerateRequest, ToolChoice, ToolDefinition } from '@genai-deploy/client';
import { convertPrompt } from './convert-prompt.js';

/** The provider's key in `providerOptions` and `providerMetadata`. */
export const PROVIDER_KEY = 'genaiDeploy';

/** `providerOptions.genaiDeploy` of a generateText / streamText call. */
export interface GenAiDeployCallOptions {
  /** The client's per-call cache switch or `{ enabled?, scope? }`. @default - the client's rule (cache when temperature is 0) */
  readonly cache?: boolean | CallCacheOptions;
  /** Overall deadline, retries and fallbacks included, in ms. @default - the client's deadlineMs */
  readonly deadlineMs?: number;
  /** `false`: at most one tool call per step. @default true */
  readonly parallelToolCalls?: boolean;
  /** Fields passed through to the upstream provider's request (the client's `providerOptions`). @default - none */
  readonly providerOptions?: Readonly<Record<string, unknown>>;
}

const CALL_OPTION_KEYS = ['cache', 'deadlineMs', 'parallelToolCalls', 'providerOptions'] as const;

export interface PreparedRequest {
  readonly request: GenerateRequest;
  readonly warnings: SharedV3Warning[];
}

export function prepareRequest(modelId: string, options: LanguageModelV3CallOptions): PreparedRequest {
  const { system, messages, warnings } = convertPrompt(options.prompt);
  const own = readCallOptions(options.providerOptions?.[PROVIDER_KEY]);
  warnings.push(...ignoredOptionWarnings(options));
  const tools = convertTools(options, warnings);
  const request: GenerateRequest = {
    model: modelId,
    messages,
    ...(system !== undefined && { system }),
    ...(options.maxOutputTokens !== undefined && { maxTokens: options.maxOutputTokens }),
    ...(options.temperature !== undefined && { temperature: options.temperature }),
    ...(options.topP !== undefined && { topP: options.topP }),
    ...(options.topK !== undefined && { topK: options.topK }),
    ...(options.stopSequences !== undefined &&
      options.stopSequences.length > 0 && { stop: options.stopSequences }),
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.presencePenalty !== undefined && { presencePenalty: options.presencePenalty }),
    ...(options.frequencyPenalty !== undefined && { frequencyPenalty: options.frequencyPenalty }),
    ...(tools && { tools }),
    ...(tools && options.toolChoice && { toolChoice: convertToolChoice(options.toolChoice) }),
    ...(options.responseFormat?.type === 'json' && {
      responseFormat: options.responseFormat.schema
        ? {
            type: 'json-schema' as const,
            schema: options.responseFormat.schema as Record<string, unknown>,
            ...(options.responseFormat.name !== undefined && { name: options.responseFormat.name }),
            ...(options.responseFormat.description !== undefined && {
              description: options.responseFormat.description,
            }),
          }
        : { type: 'json' as const },
    }),
    ...(own.cache !== undefined && { cache: own.cache }),
    ...(own.deadlineMs !== undefined && { deadlineMs: own.deadlineMs }),
    ...(own.parallelToolCalls !== undefined && { parallelToolCalls: own.parallelToolCalls }),
    ...(own.providerOptions !== undefined && { providerOptions: own.providerOptions }),
    ...(options.abortSignal && { signal: options.abortSignal }),
  };
  return { request, warnings };
}

function convertTools(
  options: LanguageModelV3CallOptions,
  warnings: SharedV3Warning[],
): ToolDefinition[] | undefined {
  if (!options.tools || options.tools.length === 0) return undefined;
  return options.tools.map((tool) => {
    if (tool.type !== 'function') {
      throw new UnsupportedFunctionalityError({
        functionality: `provider-defined tool ${tool.id}`,
        message: `@genai-deploy/ai-sdk: got the provider-defined tool "${tool.id}"; the client runs function tools only (the same tool must work on every cloud of a route). Define it as a function tool with tool({ inputSchema, execute }).`,
      });
    }
    if (tool.inputExamples && tool.inputExamples.length > 0) {
      warnings.push({
        type: 'unsupported',
        feature: 'tool input examples',
        details: `tool "${tool.name}": the client sends a tool's description and schema only; put examples in the description`,
      });
    }
    return {
      name: tool.name,
      ...(tool.description !== undefined && { description: tool.description }),
      parameters: tool.inputSchema as Record<string, unknown>,
      ...(tool.strict !== undefined && { strict: tool.strict }),
    };
  });
}

function convertToolChoice(choice: NonNullable<LanguageModelV3CallOptions['toolChoice']>): ToolChoice {
  return choice.type === 'tool' ? { type: 'tool', name: choice.toolName } : choice.type;
}

function ignoredOptionWarnings(options: LanguageModelV3CallOptions): SharedV3Warning[] {
  const warnings: SharedV3Warning[] = [];
  // The SDK adds its own user-agent to every call; only headers the caller set are worth a warning.
  const headers = Object.entries(options.headers ?? {}).filter(
    ([name, value]) => value !== undefined && name.toLowerCase() !== 'user-agent',
  );
  if (headers.length > 0) {
    warnings.push({
      type: 'unsupported',
      feature: 'headers',
      details: `not sent: ${headers.map(([n]) => n).join(', ')}; the client calls each cloud through its official SDK and takes no per-call HTTP headers`,
    });
  }
  if (options.includeRawChunks) {
    warnings.push({
      type: 'unsupported',
      feature: 'includeRawChunks',
      details: "the client's stream is provider-neutral events; there are no raw chunks to include",
    });
  }
  return warnings;
}

function readCallOptions(raw: unknown): GenAiDeployCallOptions {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidArgumentError({
      argument: `providerOptions.${PROVIDER_KEY}`,
      message: `providerOptions.${PROVIDER_KEY} must be an object with ${CALL_OPTION_KEYS.join(', ')}; got ${JSON.stringify(raw)}`,
    });
  }
  const unknown = Object.keys(raw).filter((k) => !(CALL_OPTION_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new InvalidArgumentError({
      argument: `providerOptions.${PROVIDER_KEY}.${unknown[0]}`,
      message: `providerOptions.${PROVIDER_KEY} has no ${unknown.map((k) => `"${k}"`).join(', ')}; it takes ${CALL_OPTION_KEYS.join(', ')}. Upstream fields go in providerOptions.${PROVIDER_KEY}.providerOptions.`,
    });
  }
  // The client validates each field (types and ranges) before any network call and names it in its error.
  return raw as GenAiDeployCallOptions;
}
