import type {
  FinishReason,
  GenerateRequest,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  ToolCall,
  Usage,
} from '../../types.js';
import { openAiFields, openAiMessages, openAiToolCalls } from '../shared/openai-chat.js';
import { type PromptTemplate, plainPromptTemplate } from '../shared/prompt-template.js';
import { hasImages, type SamplingField, unsupportedSampling, usesTools } from '../shared/support.js';

/**
 * A SageMaker endpoint runs whatever container its owner deployed, so the payload format is pluggable.
 * Implement the hooks for the operations your container serves; the rest of the client is unchanged.
 */
export interface SageMakerAdapter {
  readonly name: string;
  /** @default 'application/json' */
  readonly contentType?: string;
  /** @default 'application/json' */
  readonly accept?: string;
  /** Body of a generate (`stream: false`) or stream (`stream: true`) request. */
  generateBody?(req: NormalizedGenerateRequest, stream: boolean): unknown;
  /** Parses a generate response body (already JSON-decoded). */
  parseGenerate?(body: unknown): SageMakerGeneration;
  /** Parses one line of a streamed response; undefined for lines that carry nothing (keep-alives, blanks). */
  parseStreamLine?(line: string): SageMakerStreamPart | undefined;
  /** Body of an embeddings request for `input` (already split to the per-call limit). */
  embedBody?(input: readonly string[], req: NormalizedEmbedRequest): unknown;
  /** Parses an embeddings response body: one vector per input, in order. */
  parseEmbed?(body: unknown, input: readonly string[]): { embeddings: number[][]; inputTokens?: number };
  /**
   * Why this container cannot honour a request (tools, images, a sampling field), checked before any network
   * call. @default - every request is sent as `generateBody` makes it
   */
  refuses?(req: GenerateRequest): string | undefined;
}

export interface SageMakerGeneration {
  readonly text: string;
  readonly finishReason: FinishReason;
  /** @default - estimated from the text (about 4 characters per token) */
  readonly usage?: Usage;
  /** Output tokens when the container reports only those (input tokens are then estimated). */
  readonly outputTokens?: number;
  readonly model?: string;
  /** The answer's tool calls. @default - none */
  readonly toolCalls?: readonly ToolCall[];
}

export interface SageMakerStreamPart {
  readonly text?: string;
  readonly finishReason?: FinishReason;
  readonly usage?: Usage;
  /** Output tokens when the container reports only those. */
  readonly outputTokens?: number;
  /** The container signalled the end of the stream (e.g. `data: [DONE]`). */
  readonly done?: boolean;
  /** Tool-call pieces, as OpenAI's `delta.tool_calls` (a piece with an `id` starts a call). */
  readonly toolCalls?: readonly {
    index?: number;
    id?: string;
    function?: { name?: string; arguments?: string };
  }[];
}

const OPENAI_FINISH: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  eos_token: 'stop',
  stop_sequence: 'stop',
  length: 'length',
  content_filter: 'content-filter',
  tool_calls: 'tool-calls',
};

function finish(reason: unknown): FinishReason {
  return (typeof reason === 'string' && OPENAI_FINISH[reason]) || 'other';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function usageOf(u: unknown): Usage | undefined {
  if (!isRecord(u)) return undefined;
  return { inputTokens: Number(u.prompt_tokens ?? 0), outputTokens: Number(u.completion_tokens ?? 0) };
}

/** TGI's generate parameters have a seed and top-k, and no presence or frequency penalty. */
const TGI_SAMPLING: ReadonlySet<SamplingField> = new Set(['seed', 'topK']);
/** The Messages API (TGI and vLLM) takes seed and penalties; top-k is not an OpenAI field. */
const MESSAGES_SAMPLING: ReadonlySet<SamplingField> = new Set([
  'seed',
  'presencePenalty',
  'frequencyPenalty',
]);

const TGI_FINISH: Readonly<Record<string, FinishReason>> = {
  eos_token: 'stop',
  stop_sequence: 'stop',
  length: 'length',
};

/**
 * Hugging Face TGI's generate API: `{ inputs, parameters }` in, `[{ generated_text, details }]` out, and
 * `data:{ token, generated_text, details }` lines when streaming. TGI rejects temperature 0, so 0 is sent as
 * greedy decoding (`do_sample: false`).
 */
export function createTgiAdapter(options: { readonly template?: PromptTemplate } = {}): SageMakerAdapter {
  const template = options.template ?? plainPromptTemplate;
  return {
    name: 'tgi',
    refuses(req) {
      if (usesTools(req)) {
        return 'the "tgi" payload adapter (TGI\'s generate API) has no tools; serve the model with the Messages API and set its adapter to "messages"';
      }
      if (hasImages(req)) {
        return 'the "tgi" payload adapter sends one prompt string and takes no images; use the "messages" adapter with a vision model';
      }
      return unsupportedSampling(req, TGI_SAMPLING, "TGI's generate API");
    },
    generateBody(req, stream) {
      const sample = req.temperature !== undefined && req.temperature > 0;
      const format = req.responseFormat;
      return {
        inputs: template(req),
        parameters: {
          ...(req.maxTokens !== undefined ? { max_new_tokens: req.maxTokens } : {}),
          ...(req.seed !== undefined ? { seed: req.seed } : {}),
          ...(req.topK !== undefined ? { top_k: req.topK } : {}),
          // TGI's guidance: `grammar` constrains the output to a JSON Schema.
          ...(format?.type === 'json-schema' ? { grammar: { type: 'json', value: format.schema } } : {}),
          ...(format?.type === 'json' ? { grammar: { type: 'json', value: { type: 'object' } } } : {}),
          ...(sample ? { temperature: req.temperature, do_sample: true } : {}),
          ...(req.temperature === 0 ? { do_sample: false } : {}),
          ...(req.topP !== undefined && req.topP < 1 ? { top_p: req.topP } : {}),
          ...(req.stop ? { stop: [...req.stop] } : {}),
          details: true,
          return_full_text: false,
          ...req.providerOptions,
        },
        ...(stream ? { stream: true } : {}),
      };
    },
    parseGenerate(body) {
      const first = ((Array.isArray(body) ? body[0] : body) ?? {}) as {
        generated_text?: string;
        details?: Record<string, unknown> | null;
      };
      const details = first.details ?? {};
      const prefill = Array.isArray(details.prefill) ? details.prefill.length : 0;
      return {
        text: first.generated_text ?? '',
        finishReason:
          (typeof details.finish_reason === 'string' && TGI_FINISH[details.finish_reason]) || 'other',
        ...(prefill > 0
          ? { usage: { inputTokens: prefill, outputTokens: Number(details.generated_tokens ?? 0) } }
          : {}),
        ...(prefill === 0 && details.generated_tokens !== undefined
          ? { outputTokens: Number(details.generated_tokens) }
          : {}),
      };
    },
    parseStreamLine(line) {
      const json = sseJson(line);
      if (json === 'done') return { done: true };
      if (!json) return undefined;
      if (typeof json.error === 'string') {
        throw Object.assign(new Error(json.error), { name: 'ModelStreamError', OriginalMessage: json.error });
      }
      const token = isRecord(json.token) ? json.token : undefined;
      const details = isRecord(json.details) ? json.details : undefined;
      return {
        ...(token && !token.special ? { text: String(token.text ?? '') } : {}),
        ...(details
          ? {
              finishReason:
                (typeof details.finish_reason === 'string' && TGI_FINISH[details.finish_reason]) || 'other',
              outputTokens: Number(details.generated_tokens ?? 0),
            }
          : {}),
      };
    },
  };
}

export const tgiAdapter: SageMakerAdapter = createTgiAdapter();

/**
 * OpenAI-compatible Messages API (TGI >= 1.4 `messages`, vLLM and LMI containers on SageMaker): the container
 * applies the model's chat template. `{ messages, max_tokens, ... }` in, `{ choices, usage }` out; streamed as
 * `data: {choices:[{delta}]}` lines ending with `data: [DONE]`.
 */
export const messagesApiAdapter: SageMakerAdapter = {
  name: 'messages',
  refuses: (req) => unsupportedSampling(req, MESSAGES_SAMPLING, 'the Messages API (TGI, vLLM)'),
  generateBody(req, stream) {
    return {
      messages: openAiMessages(req),
      ...openAiFields(req),
      ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.topP !== undefined ? { top_p: req.topP } : {}),
      ...(req.stop ? { stop: [...req.stop] } : {}),
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      ...req.providerOptions,
    };
  },
  parseGenerate(body) {
    const b = (isRecord(body) ? body : {}) as {
      choices?: {
        message?: {
          content?: string | null;
          tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[] | null;
        };
        finish_reason?: string;
      }[];
      usage?: unknown;
      model?: string;
    };
    const choice = b.choices?.[0];
    const usage = usageOf(b.usage);
    const toolCalls = openAiToolCalls(choice?.message);
    return {
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      text: choice?.message?.content ?? '',
      finishReason: finish(choice?.finish_reason),
      ...(usage ? { usage } : {}),
      ...(b.model ? { model: b.model } : {}),
    };
  },
  parseStreamLine(line) {
    const json = sseJson(line);
    if (json === 'done') return { done: true };
    if (!json) return undefined;
    const choices = Array.isArray(json.choices) ? (json.choices as Record<string, unknown>[]) : [];
    const choice = choices[0];
    const delta = isRecord(choice?.delta) ? choice.delta : undefined;
    const usage = usageOf(json.usage);
    return {
      ...(Array.isArray(delta?.tool_calls)
        ? { toolCalls: delta.tool_calls as SageMakerStreamPart['toolCalls'] }
        : {}),
      ...(typeof delta?.content === 'string' ? { text: delta.content } : {}),
      ...(choice?.finish_reason ? { finishReason: finish(choice.finish_reason) } : {}),
      ...(usage ? { usage } : {}),
    };
  },
};

/**
 * One SSE line of a JSON stream: its object, 'done' for `data: [DONE]`, or undefined for a comment, an
 * `event:`/`id:` line, a blank line or data that is not a JSON object.
 */
function sseJson(line: string): Record<string, unknown> | 'done' | undefined {
  const data = dataOf(line);
  if (data === undefined) return undefined;
  if (data === '[DONE]') return 'done';
  const json = parse(data);
  return isRecord(json) ? json : undefined;
}

function dataOf(line: string): string | undefined {
  const trimmed = line.trim();
  if (
    trimmed === '' ||
    trimmed.startsWith(':') ||
    trimmed.startsWith('event:') ||
    trimmed.startsWith('id:')
  ) {
    return undefined;
  }
  return trimmed.startsWith('data:') ? trimmed.slice(5).trim() : trimmed;
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/**
 * List-input embedding containers (Hugging Face TEI and the HF inference toolkit's feature-extraction):
 * `{ "inputs": [texts] }` in, `[[vector], ...]` (or `{ "embeddings": [...] }`) out.
 */
export const embeddingsAdapter: SageMakerAdapter = {
  name: 'embeddings',
  embedBody(input, req) {
    return { inputs: [...input], ...req.providerOptions };
  },
  parseEmbed(body) {
    const raw = Array.isArray(body)
      ? body
      : isRecord(body)
        ? (body.embeddings ?? body.vectors ?? body.predictions ?? body.data)
        : undefined;
    if (!Array.isArray(raw))
      throw new Error(`unexpected embeddings response: ${JSON.stringify(body).slice(0, 200)}`);
    const embeddings = raw.map((row: unknown) =>
      isRecord(row) && Array.isArray(row.embedding) ? (row.embedding as number[]) : (row as number[]),
    );
    const inputTokens =
      isRecord(body) && isRecord(body.usage) ? Number(body.usage.prompt_tokens ?? 0) : undefined;
    return { embeddings, ...(inputTokens !== undefined ? { inputTokens } : {}) };
  },
};

export const BUILT_IN_SAGEMAKER_ADAPTERS = {
  tgi: tgiAdapter,
  messages: messagesApiAdapter,
  embeddings: embeddingsAdapter,
} as const;

/** The names of the built-in adapters. */
export type BuiltInSageMakerAdapter = keyof typeof BUILT_IN_SAGEMAKER_ADAPTERS;
