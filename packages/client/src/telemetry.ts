/**
 * OpenTelemetry spans with the GenAI semantic conventions, through @opentelemetry/api only: without an SDK
 * registered every call is a no-op. One CLIENT span per client call (retries and fallbacks included), named
 * `{gen_ai.operation.name} {gen_ai.request.model}`.
 *
 * We emit both `gen_ai.system` (conventions up to v1.36, what most backends read today) and its successor
 * `gen_ai.provider.name`. Prompt and completion text are recorded only with `recordContent: true`, as the
 * `gen_ai.system_instructions`, `gen_ai.input.messages` and `gen_ai.output.messages` attributes.
 *
 * The conventions have no cost attribute: ours are `genai_deploy.cost.usd` (the answer's cost in USD, a double
 * with µ$ precision; 0 for a cache hit or an unpriced model) and `genai_deploy.cost.priced` (false when the
 * model has no price), in the `genai_deploy.*` namespace of our other attributes.
 */

import { PROVIDERS } from '@genai-deploy/config';
import { type Attributes, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { GenAiError } from './errors.js';
import { PROVIDER_REGISTRY } from './providers/registry.js';
import type {
  Cost,
  EmbedResult,
  FinishReason,
  GenerateResult,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  Operation,
  ProviderName,
  Target,
} from './types.js';

export interface TelemetryOptions {
  /** Record prompts and completions on spans. They may hold personal data. @default false */
  readonly recordContent?: boolean;
  /** @default - trace.getTracer('@genai-deploy/client') from the global tracer provider */
  readonly tracer?: Tracer;
}

/** `gen_ai.system` / `gen_ai.provider.name` per provider, from each provider's definition. */
export const GEN_AI_SYSTEM: Readonly<Record<ProviderName, { system: string; providerName: string }>> =
  Object.fromEntries(PROVIDERS.map((p) => [p, PROVIDER_REGISTRY[p].telemetry])) as Record<
    ProviderName,
    { system: string; providerName: string }
  >;

/** Finish reasons in the conventions' vocabulary (OpenAI's). */
const FINISH: Readonly<Record<FinishReason, string>> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
  other: 'other',
};

export class Telemetry {
  private readonly tracer: Tracer;
  private readonly recordContent: boolean;

  constructor(options: TelemetryOptions = {}) {
    this.tracer = options.tracer ?? trace.getTracer('@genai-deploy/client');
    this.recordContent = options.recordContent ?? false;
  }

  startGenerate(operation: Operation, req: NormalizedGenerateRequest): Span {
    const first = req.targets[0];
    const model = first?.model ?? req.model;
    // What samplers need is given at start; the rest only when the span records (no SDK: a no-op span).
    const startAttributes = systemAttributes(first);
    startAttributes['gen_ai.operation.name'] = 'chat';
    startAttributes['gen_ai.request.model'] = model;
    const span = this.tracer.startSpan(`chat ${model}`, {
      kind: SpanKind.CLIENT,
      attributes: startAttributes,
    });
    if (!span.isRecording()) return span;
    const attributes: Attributes = {};
    if (req.maxTokens !== undefined) attributes['gen_ai.request.max_tokens'] = req.maxTokens;
    if (req.temperature !== undefined) attributes['gen_ai.request.temperature'] = req.temperature;
    if (req.topP !== undefined) attributes['gen_ai.request.top_p'] = req.topP;
    if (req.stop) attributes['gen_ai.request.stop_sequences'] = [...req.stop];
    if (operation === 'stream') attributes['gen_ai.request.stream'] = true;
    if (req.route) attributes['genai_deploy.route'] = req.route;
    if (this.recordContent) {
      if (req.system) {
        attributes['gen_ai.system_instructions'] = JSON.stringify([{ type: 'text', content: req.system }]);
      }
      attributes['gen_ai.input.messages'] = JSON.stringify(
        req.messages.map((m) => ({ role: m.role, parts: [{ type: 'text', content: m.content }] })),
      );
    }
    span.setAttributes(attributes);
    return span;
  }

  startEmbed(req: NormalizedEmbedRequest): Span {
    const first = req.targets[0];
    const attributes = systemAttributes(first);
    attributes['gen_ai.operation.name'] = 'embeddings';
    attributes['gen_ai.request.model'] = first?.model ?? req.model;
    if (req.dimensions !== undefined) attributes['gen_ai.embeddings.dimension.count'] = req.dimensions;
    if (req.route) attributes['genai_deploy.route'] = req.route;
    if (this.recordContent) attributes['gen_ai.input.messages'] = JSON.stringify(req.input);
    return this.tracer.startSpan(`embeddings ${attributes['gen_ai.request.model']}`, {
      kind: SpanKind.CLIENT,
      attributes,
    });
  }

  endGenerate(span: Span, result: Omit<GenerateResult, 'text'> & { text?: string }, target?: Target): void {
    if (!span.isRecording()) {
      span.end();
      return;
    }
    const attributes = systemAttributes(target);
    attributes['gen_ai.response.model'] = result.model;
    attributes['gen_ai.response.finish_reasons'] = [FINISH[result.finishReason]];
    attributes['gen_ai.usage.input_tokens'] = result.usage.inputTokens;
    attributes['gen_ai.usage.output_tokens'] = result.usage.outputTokens;
    attributes['genai_deploy.cached'] = result.cached;
    attributes['genai_deploy.attempts'] = result.attempts;
    costAttributes(attributes, result.cost);
    span.setAttributes(attributes);
    if (this.recordContent && result.text !== undefined) {
      span.setAttribute(
        'gen_ai.output.messages',
        JSON.stringify([
          {
            role: 'assistant',
            parts: [{ type: 'text', content: result.text }],
            finish_reason: FINISH[result.finishReason],
          },
        ]),
      );
    }
    span.end();
  }

  endEmbed(span: Span, result: EmbedResult, target?: Target): void {
    const attributes = systemAttributes(target);
    attributes['gen_ai.response.model'] = result.model;
    attributes['gen_ai.usage.input_tokens'] = result.usage.inputTokens;
    if (result.embeddings[0]) attributes['gen_ai.embeddings.dimension.count'] = result.embeddings[0].length;
    attributes['genai_deploy.cached'] = result.cached;
    attributes['genai_deploy.attempts'] = result.attempts;
    costAttributes(attributes, result.cost);
    span.setAttributes(attributes);
    span.end();
  }

  fail(span: Span, error: GenAiError, attempts: number): void {
    const attributes = systemAttributes(error.target);
    attributes['error.type'] = error.kind;
    attributes['genai_deploy.attempts'] = attempts;
    if (error.status !== undefined) attributes['http.response.status_code'] = error.status;
    span.setAttributes(attributes);
    // The message can quote the request (a provider's validation text), so it is kept out unless content is on.
    span.setStatus({ code: SpanStatusCode.ERROR, message: this.recordContent ? error.message : error.kind });
    span.end();
  }
}

function costAttributes(attributes: Attributes, cost: Cost | undefined): void {
  if (!cost) return;
  attributes['genai_deploy.cost.usd'] = cost.usd;
  attributes['genai_deploy.cost.priced'] = cost.priced;
}

/**
 * A new attributes object holding the target's system attributes; callers add the rest by assignment.
 * (Not `{ ...systemAttributes(t), more }`: in Node 20 a spread copy grown by new keys costs ~1 µs per key.)
 */
function systemAttributes(target: Target | undefined): Attributes {
  if (!target) return {};
  const s = GEN_AI_SYSTEM[target.provider];
  return { 'gen_ai.system': s.system, 'gen_ai.provider.name': s.providerName };
}
