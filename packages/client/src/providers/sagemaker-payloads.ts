import type { FinishReason, NormalizedEmbedRequest, NormalizedGenerateRequest, Usage } from '../types.js';

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
}

export interface SageMakerGeneration {
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly usage?: Usage;
  readonly model?: string;
}

export interface SageMakerStreamPart {
  readonly text?: string;
  readonly finishReason?: FinishReason;
  readonly usage?: Usage;
  /** The container signalled the end of the stream (e.g. `data: [DONE]`). */
  readonly done?: boolean;
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

/**
 * Hugging Face TGI (and vLLM / LMI) through their OpenAI-compatible Messages API, which both accept on
 * SageMaker's /invocations route when the body has `messages`: the container applies the model's chat
 * template, so the client never has to. Also parses TGI's classic `[{ generated_text, details }]` answer.
 */
export const tgiAdapter: SageMakerAdapter = {
  name: 'tgi',
  generateBody(req, stream) {
    return {
      messages: [
        ...(req.system ? [{ role: 'system', content: req.system }] : []),
        ...req.messages.map((m) => ({ role: m.role, content: m.content })),
      ],
      ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.topP !== undefined ? { top_p: req.topP } : {}),
      ...(req.stop ? { stop: [...req.stop] } : {}),
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      ...req.providerOptions,
    };
  },
  parseGenerate(body) {
    if (Array.isArray(body)) {
      // Classic TGI: [{ generated_text, details: { finish_reason, generated_tokens, prefill } }]
      const first = (body[0] ?? {}) as { generated_text?: string; details?: Record<string, unknown> };
      const details = first.details ?? {};
      return {
        text: first.generated_text ?? '',
        finishReason: finish(details.finish_reason),
        usage: {
          inputTokens: Array.isArray(details.prefill) ? details.prefill.length : 0,
          outputTokens: Number(details.generated_tokens ?? 0),
        },
      };
    }
    const b = (isRecord(body) ? body : {}) as {
      choices?: { message?: { content?: string | null }; finish_reason?: string }[];
      usage?: unknown;
      model?: string;
    };
    const choice = b.choices?.[0];
    const usage = usageOf(b.usage);
    return {
      text: choice?.message?.content ?? '',
      finishReason: finish(choice?.finish_reason),
      ...(usage ? { usage } : {}),
      ...(b.model ? { model: b.model } : {}),
    };
  },
  parseStreamLine(line) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith(':')) return undefined;
    const data = trimmed.startsWith('data:') ? trimmed.slice(5).trim() : trimmed;
    if (data === '[DONE]') return { done: true };
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return undefined;
    }
    if (!isRecord(json)) return undefined;
    if (isRecord(json.token)) {
      // Classic TGI stream: { token: { text, special }, generated_text, details }
      const details = isRecord(json.details) ? json.details : undefined;
      return {
        ...(json.token.special ? {} : { text: String(json.token.text ?? '') }),
        ...(details ? { finishReason: finish(details.finish_reason) } : {}),
        ...(details
          ? { usage: { inputTokens: 0, outputTokens: Number(details.generated_tokens ?? 0) } }
          : {}),
      };
    }
    const choices = Array.isArray(json.choices) ? (json.choices as Record<string, unknown>[]) : [];
    const choice = choices[0];
    const delta = isRecord(choice?.delta) ? choice.delta : undefined;
    const usage = usageOf(json.usage);
    return {
      ...(typeof delta?.content === 'string' ? { text: delta.content } : {}),
      ...(choice?.finish_reason ? { finishReason: finish(choice.finish_reason) } : {}),
      ...(usage ? { usage } : {}),
    };
  },
};

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

export const BUILT_IN_SAGEMAKER_ADAPTERS = { tgi: tgiAdapter, embeddings: embeddingsAdapter } as const;
