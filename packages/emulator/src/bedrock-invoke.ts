import { randomUUID } from 'node:crypto';
import { EVENT_STREAM_CONTENT_TYPE, encodeEvent, requestId } from './aws.js';
import { bedrockStreamException, validation } from './bedrock-errors.js';
import { baseModelId, cohereDimensions, invokeFamily, textModel, titanDimensions } from './bedrock-models.js';
import { countTokens, deltas, embed } from './content.js';
import { type EmulatorContext, isObject, parseJson } from './context.js';
import type { Exchange } from './exchange.js';
import { answerTo, awaitGeneration, type GenerationInput, streamDeltas } from './generation.js';
import { pause } from './latency.js';
import type { FaultRule } from './types.js';

/** Bedrock InvokeModel / InvokeModelWithResponseStream for Titan and Cohere embeddings and the Anthropic body. */

function malformed(ex: Exchange, detail: string): void {
  validation(ex, `Malformed input request: ${detail}, please reformat your input and try again.`);
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'JSONArray';
  if (value === null) return 'Null';
  if (typeof value === 'object') return 'JSONObject';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'BigDecimal';
  return 'Boolean';
}

function invokeHeaders(inputTokens: number, outputTokens: number, latencyMs: number): Record<string, string> {
  return {
    'x-amzn-requestid': requestId(),
    'x-amzn-bedrock-input-token-count': String(inputTokens),
    'x-amzn-bedrock-output-token-count': String(outputTokens),
    'x-amzn-bedrock-invocation-latency': String(latencyMs),
  };
}

const OPERATION = 'bedrock.invokeModel';

async function titanEmbed(
  ex: Exchange,
  ctx: EmulatorContext,
  modelId: string,
  body: Record<string, unknown>,
): Promise<void> {
  const { inputText, dimensions, normalize, embeddingTypes } = body;
  if (inputText === undefined) return malformed(ex, '#: required key [inputText] not found');
  // One text per call: Titan Text Embeddings has no batch form on InvokeModel.
  if (typeof inputText !== 'string')
    return malformed(ex, `#/inputText: expected type: String, found: ${typeName(inputText)}`);
  if (inputText.length === 0) return malformed(ex, '#/inputText: expected minLength: 1, actual: 0');
  if (inputText.length > 50_000)
    return malformed(ex, `#/inputText: expected maxLength: 50000, actual: ${inputText.length}`);
  const dims = titanDimensions(modelId);
  if (dimensions !== undefined && !dims.allowed.includes(dimensions as number))
    return malformed(
      ex,
      `#/dimensions: ${JSON.stringify(dimensions)} is not a valid enum value (allowed: ${dims.allowed.join(', ')})`,
    );
  if (normalize !== undefined && typeof normalize !== 'boolean')
    return malformed(ex, `#/normalize: expected type: Boolean, found: ${typeName(normalize)}`);
  const types = embeddingTypes ?? ['float'];
  if (!Array.isArray(types) || types.some((t) => t !== 'float' && t !== 'binary'))
    return malformed(
      ex,
      `#/embeddingTypes: ${JSON.stringify(embeddingTypes)} must be a list of "float" and/or "binary"`,
    );
  const tokens = countTokens(inputText);
  if (tokens > 8192) {
    validation(
      ex,
      `400 Bad Request: Too many input tokens. Max input tokens: 8192, request input token count: ${tokens} `,
    );
    return;
  }
  const started = Date.now();
  await pause(ctx.latency.embeddingDelayMs(`bedrock/${modelId}`, 1), ex);
  const vector = embed(inputText, (dimensions as number | undefined) ?? dims.default, baseModelId(modelId));
  const byType: Record<string, number[]> = {};
  if (types.includes('float')) byType.float = vector;
  if (types.includes('binary')) byType.binary = vector.map((x) => (x > 0 ? 1 : 0));
  ctx.stats.embedded(OPERATION, 1);
  ex.json(
    200,
    { embedding: vector, embeddingsByType: byType, inputTextTokenCount: tokens },
    invokeHeaders(tokens, 0, Date.now() - started),
  );
}

const COHERE_INPUT_TYPES = ['search_document', 'search_query', 'classification', 'clustering'];
const COHERE_EMBEDDING_TYPES = ['float', 'int8', 'uint8', 'binary', 'ubinary'];

function quantize(vector: number[], type: string): number[] {
  switch (type) {
    case 'int8':
      return vector.map((x) => Math.max(-128, Math.min(127, Math.round(x * 127 * 8))));
    case 'uint8':
      return vector.map((x) => Math.max(0, Math.min(255, Math.round(x * 127 * 8 + 128))));
    case 'binary':
    case 'ubinary': {
      const packed: number[] = [];
      for (let i = 0; i < vector.length; i += 8) {
        let byte = 0;
        for (let j = 0; j < 8; j++) byte = (byte << 1) | ((vector[i + j] ?? 0) > 0 ? 1 : 0);
        packed.push(type === 'binary' ? byte - 128 : byte);
      }
      return packed;
    }
    default:
      return vector;
  }
}

async function cohereEmbed(
  ex: Exchange,
  ctx: EmulatorContext,
  modelId: string,
  body: Record<string, unknown>,
): Promise<void> {
  const { texts, input_type: inputType, truncate, embedding_types: embeddingTypes, output_dimension } = body;
  if (texts === undefined && body.images === undefined)
    return malformed(ex, '#: required key [texts] not found');
  if (inputType === undefined) return malformed(ex, '#: required key [input_type] not found');
  if (!Array.isArray(texts))
    return malformed(ex, `#/texts: expected type: JSONArray, found: ${typeName(texts)}`);
  if (texts.length > 96)
    return malformed(ex, `#/texts: expected maximum item count: 96, found: ${texts.length}`);
  if (texts.length === 0) return malformed(ex, '#/texts: expected minimum item count: 1, found: 0');
  for (let i = 0; i < texts.length; i++) {
    const text: unknown = texts[i];
    if (typeof text !== 'string')
      return malformed(ex, `#/texts/${i}: expected type: String, found: ${typeName(text)}`);
    if (text.length > 2048 && truncate !== 'START' && truncate !== 'END')
      return malformed(ex, `#/texts/${i}: expected maxLength: 2048, actual: ${text.length}`);
  }
  if (!COHERE_INPUT_TYPES.includes(inputType as string))
    return malformed(
      ex,
      `#/input_type: ${JSON.stringify(inputType)} is not a valid enum value (${COHERE_INPUT_TYPES.join(', ')})`,
    );
  if (truncate !== undefined && !['NONE', 'START', 'END'].includes(truncate as string))
    return malformed(
      ex,
      `#/truncate: ${JSON.stringify(truncate)} is not a valid enum value (NONE, START, END)`,
    );
  if (
    embeddingTypes !== undefined &&
    !(
      Array.isArray(embeddingTypes) &&
      embeddingTypes.every((t) => COHERE_EMBEDDING_TYPES.includes(t as string))
    )
  )
    return malformed(
      ex,
      `#/embedding_types: ${JSON.stringify(embeddingTypes)} must list ${COHERE_EMBEDDING_TYPES.join(', ')}`,
    );
  const dims = cohereDimensions(modelId);
  if (output_dimension !== undefined && !dims.allowed.includes(output_dimension as number))
    return malformed(
      ex,
      `#/output_dimension: ${JSON.stringify(output_dimension)} is not a valid enum value (${dims.allowed.join(', ')})`,
    );
  const started = Date.now();
  await pause(ctx.latency.embeddingDelayMs(`bedrock/${modelId}`, texts.length), ex);
  const dimension = (output_dimension as number | undefined) ?? dims.default;
  // Cohere embeds the role with the text: the same text as a query and as a document gives different vectors.
  const vectors = (texts as string[]).map((t) =>
    embed(`${inputType}\u0000${t}`, dimension, baseModelId(modelId)),
  );
  const tokens = (texts as string[]).reduce((sum, t) => sum + countTokens(t), 0);
  ctx.stats.embedded(OPERATION, texts.length);
  const embeddings =
    embeddingTypes === undefined
      ? vectors
      : Object.fromEntries((embeddingTypes as string[]).map((t) => [t, vectors.map((v) => quantize(v, t))]));
  ex.json(
    200,
    {
      id: randomUUID(),
      texts,
      embeddings,
      response_type: embeddingTypes === undefined ? 'embeddings_floats' : 'embeddings_by_type',
    },
    invokeHeaders(tokens, 0, Date.now() - started),
  );
}

interface AnthropicInput extends GenerationInput {
  /** Required in the Anthropic body. */
  readonly maxTokens: number;
}

function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  return content
    .map((b) => (isObject(b) && typeof b.text === 'string' ? b.text : JSON.stringify(b)))
    .join('\n');
}

function parseAnthropic(
  ex: Exchange,
  modelId: string,
  body: Record<string, unknown>,
): AnthropicInput | undefined {
  const fail = (detail: string) => {
    malformed(ex, detail);
    return undefined;
  };
  if (body.anthropic_version === undefined) return fail('#: required key [anthropic_version] not found');
  if (body.anthropic_version !== 'bedrock-2023-05-31')
    return fail(
      `#/anthropic_version: ${JSON.stringify(body.anthropic_version)} is not a valid enum value (bedrock-2023-05-31)`,
    );
  if (body.max_tokens === undefined) return fail('#: required key [max_tokens] not found');
  if (body.messages === undefined) return fail('#: required key [messages] not found');
  const maxTokens = body.max_tokens;
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1)
    return fail(`#/max_tokens: ${JSON.stringify(maxTokens)} is not greater or equal to 1`);
  const limits = textModel(modelId);
  if ((maxTokens as number) > limits.maxOutputTokens) {
    validation(
      ex,
      `max_tokens: ${maxTokens} > ${limits.maxOutputTokens}, which is the maximum allowed number of output tokens for ${baseModelId(modelId)}`,
    );
    return undefined;
  }
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    return fail('#/messages: expected minimum item count: 1, found: 0');
  const parts: string[] = [];
  let inputTokens = 0;
  const system = body.system === undefined ? undefined : textOf(body.system);
  if (body.system !== undefined && system === undefined)
    return fail(`#/system: expected type: String, found: ${typeName(body.system)}`);
  if (system !== undefined) {
    parts.push(`system: ${system}`);
    inputTokens += countTokens(system);
  }
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isObject(m)) return fail(`#/messages/${i}: expected type: JSONObject, found: ${typeName(m)}`);
    if (m.role !== 'user' && m.role !== 'assistant')
      return fail(
        `#/messages/${i}/role: ${JSON.stringify(m.role)} is not a valid enum value (user, assistant)`,
      );
    if (i === 0 && m.role !== 'user') {
      validation(ex, 'messages: first message must use the "user" role');
      return undefined;
    }
    const text = textOf(m.content);
    if (text === undefined)
      return fail(
        `#/messages/${i}/content: expected type: String or JSONArray, found: ${typeName(m.content)}`,
      );
    parts.push(`${m.role}: ${text}`);
    inputTokens += countTokens(text);
  }
  for (const key of ['temperature', 'top_p'] as const) {
    const v = body[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 1))
      return fail(`#/${key}: ${JSON.stringify(v)} is not between 0 and 1`);
  }
  const stop = body.stop_sequences ?? [];
  if (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string'))
    return fail(`#/stop_sequences: expected type: JSONArray of String, found: ${typeName(stop)}`);
  if (inputTokens > limits.contextTokens) {
    validation(ex, `prompt is too long: ${inputTokens} tokens > ${limits.contextTokens} maximum`);
    return undefined;
  }
  return {
    prompt: parts.join('\n'),
    inputTokens,
    maxTokens: maxTokens as number,
    temperature: body.temperature as number | undefined,
    topP: body.top_p as number | undefined,
    stop: stop as string[],
  };
}

const ANTHROPIC_STOP = { stop: 'end_turn', length: 'max_tokens', stop_sequence: 'stop_sequence' } as const;

/** `anthropic.claude-3-5-haiku-20241022-v1:0` → `claude-3-5-haiku-20241022`, as the Messages body names it. */
function anthropicModel(modelId: string): string {
  return baseModelId(modelId)
    .replace(/^anthropic\./, '')
    .replace(/-v\d+:\d+$/, '');
}

function anthropicMessageId(): string {
  return `msg_bdrk_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

async function anthropicInvoke(
  ex: Exchange,
  ctx: EmulatorContext,
  modelId: string,
  body: Record<string, unknown>,
): Promise<void> {
  const input = parseAnthropic(ex, modelId, body);
  if (!input) return;
  const started = Date.now();
  const answer = answerTo(input);
  await awaitGeneration(ex, ctx, input.inputTokens, answer.words.length);
  const outputTokens = answer.words.length;
  ex.json(
    200,
    {
      id: anthropicMessageId(),
      type: 'message',
      role: 'assistant',
      model: anthropicModel(modelId),
      content: [{ type: 'text', text: answer.text }],
      stop_reason: ANTHROPIC_STOP[answer.finish],
      stop_sequence: answer.stopSequence ?? null,
      usage: { input_tokens: input.inputTokens, output_tokens: outputTokens },
    },
    invokeHeaders(input.inputTokens, outputTokens, Date.now() - started),
  );
}

function readBody(ex: Exchange): Record<string, unknown> | undefined {
  const body = parseJson(ex.body);
  if (!isObject(body)) {
    malformed(
      ex,
      `#: expected type: JSONObject, found: ${body === undefined ? 'invalid JSON' : typeName(body)}`,
    );
    return undefined;
  }
  return body;
}

function unknownModel(ex: Exchange): void {
  validation(ex, 'The provided model identifier is invalid.');
}

export async function invokeModel(ex: Exchange, ctx: EmulatorContext, modelId: string): Promise<void> {
  const family = invokeFamily(modelId);
  if (family === undefined) return unknownModel(ex);
  const body = readBody(ex);
  if (!body) return;
  if (family === 'titan-embed') return titanEmbed(ex, ctx, modelId, body);
  if (family === 'cohere-embed') return cohereEmbed(ex, ctx, modelId, body);
  return anthropicInvoke(ex, ctx, modelId, body);
}

/** A chunk event: `{ "bytes": base64(JSON) }`, as the SDK decodes into `chunk.bytes`. */
function chunk(payload: unknown): Uint8Array {
  return encodeEvent('chunk', { bytes: Buffer.from(JSON.stringify(payload)).toString('base64') });
}

export async function invokeModelWithResponseStream(
  ex: Exchange,
  ctx: EmulatorContext,
  modelId: string,
  fault: FaultRule | undefined,
): Promise<void> {
  const family = invokeFamily(modelId);
  if (family === undefined) return unknownModel(ex);
  if (family !== 'anthropic') {
    validation(ex, 'The model is unsupported for streaming.');
    return;
  }
  const body = readBody(ex);
  if (!body) return;
  const input = parseAnthropic(ex, modelId, body);
  if (!input) return;
  const started = Date.now();
  const answer = answerTo(input);
  const done = ctx.latency.beginGeneration();
  try {
    await pause(ctx.latency.firstTokenMs(input.inputTokens), ex);
    const firstByte = Date.now() - started;
    ex.startStream(200, { 'content-type': EVENT_STREAM_CONTENT_TYPE, 'x-amzn-requestid': requestId() });
    await ex.write(
      chunk({
        type: 'message_start',
        message: {
          id: anthropicMessageId(),
          type: 'message',
          role: 'assistant',
          model: anthropicModel(modelId),
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: input.inputTokens, output_tokens: 1 },
        },
      }),
    );
    await ex.write(
      chunk({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    );
    const stopped = await streamDeltas(
      ex,
      ctx,
      deltas(answer.words),
      fault,
      (text) =>
        ex.write(chunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
      bedrockStreamException,
    );
    if (stopped === 'cut') return ex.cut();
    if (stopped) return;
    const outputTokens = answer.words.length;
    await ex.write(chunk({ type: 'content_block_stop', index: 0 }));
    await ex.write(
      chunk({
        type: 'message_delta',
        delta: { stop_reason: ANTHROPIC_STOP[answer.finish], stop_sequence: answer.stopSequence ?? null },
        usage: { output_tokens: outputTokens },
      }),
    );
    await ex.write(
      chunk({
        type: 'message_stop',
        'amazon-bedrock-invocationMetrics': {
          inputTokenCount: input.inputTokens,
          outputTokenCount: outputTokens,
          invocationLatency: Date.now() - started,
          firstByteLatency: firstByte,
        },
      }),
    );
    ex.end();
  } finally {
    done();
  }
}
