import { EVENT_STREAM_CONTENT_TYPE, encodeEvent, requestId } from './aws.js';
import { bedrockStreamException, sendBedrockError, validation } from './bedrock-errors.js';
import { readConversation } from './bedrock-messages.js';
import { isEmbeddingModel, textModel } from './bedrock-models.js';
import { constraint, parseOutputConfig, parseToolConfig } from './bedrock-tools.js';
import { fragments } from './content.js';
import { type EmulatorContext, isObject, parseJson } from './context.js';
import type { Exchange } from './exchange.js';
import { awaitGeneration, streamDeltas } from './generation.js';
import { pause } from './latency.js';
import { type ChatRequest, type Reply, replyTo, replyTokens } from './reply.js';
import { callId, declarationTokens, type PlannedCall } from './tools.js';
import type { FaultRule } from './types.js';

/** Bedrock Runtime Converse and ConverseStream. */

/** Validates a Converse body like the service; answers and returns undefined when it is invalid. */
export function parseConverse(ex: Exchange, modelId: string): ChatRequest | undefined {
  if (isEmbeddingModel(modelId)) {
    validation(
      ex,
      "This action doesn't support the model that you provided. Try again with a supported text or chat model.",
    );
    return undefined;
  }
  const body = parseJson(ex.body);
  if (!isObject(body)) {
    sendBedrockError(ex, 400, 'SerializationException', 'Could not parse the request body as JSON.');
    return undefined;
  }
  const messages = body.messages;
  if (
    !Array.isArray(messages) ||
    messages.length === 0 ||
    !isObject(messages[0]) ||
    messages[0].role !== 'user'
  ) {
    validation(
      ex,
      'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
    );
    return undefined;
  }
  const tools = parseToolConfig(ex, body.toolConfig, modelId);
  if (tools === undefined) return undefined;
  const output = parseOutputConfig(ex, body.outputConfig, modelId);
  if (output === undefined) return undefined;
  const conversation = readConversation(ex, body.system, messages, tools !== null);
  if (!conversation) return undefined;
  const { parts } = conversation;
  const inputTokens =
    conversation.inputTokens +
    declarationTokens(isObject(body.toolConfig) ? body.toolConfig.tools : undefined);
  const config = body.inferenceConfig ?? {};
  if (!isObject(config)) {
    validation(ex, constraint(config, 'inferenceConfig', 'Member must be an InferenceConfiguration object'));
    return undefined;
  }
  const { maxTokens, temperature, topP, stopSequences } = config;
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && (maxTokens as number) >= 1)) {
    validation(
      ex,
      constraint(maxTokens, 'inferenceConfig.maxTokens', 'Member must have value greater than or equal to 1'),
    );
    return undefined;
  }
  for (const [name, value] of [
    ['temperature', temperature],
    ['topP', topP],
  ] as const) {
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) {
      validation(
        ex,
        constraint(
          value,
          `inferenceConfig.${name}`,
          'Member must have value less than or equal to 1 and greater than or equal to 0',
        ),
      );
      return undefined;
    }
  }
  if (
    stopSequences !== undefined &&
    !(Array.isArray(stopSequences) && stopSequences.every((s) => typeof s === 'string'))
  ) {
    validation(
      ex,
      constraint(stopSequences, 'inferenceConfig.stopSequences', 'Member must be a list of strings'),
    );
    return undefined;
  }
  if (Array.isArray(stopSequences) && stopSequences.length > 4) {
    validation(
      ex,
      constraint(
        stopSequences,
        'inferenceConfig.stopSequences',
        'Member must have length less than or equal to 4',
      ),
    );
    return undefined;
  }
  const limits = textModel(modelId);
  if (typeof maxTokens === 'number' && maxTokens > limits.maxOutputTokens) {
    validation(
      ex,
      `The maximum tokens you requested exceeds the model limit of ${limits.maxOutputTokens}. Try again with a maximum tokens value that is lower than ${limits.maxOutputTokens}.`,
    );
    return undefined;
  }
  if (inputTokens > limits.contextTokens) {
    validation(
      ex,
      `Input is too long for requested model. The input has ${inputTokens} tokens; the model accepts ${limits.contextTokens}.`,
    );
    return undefined;
  }
  return {
    prompt: parts.join('\n'),
    inputTokens,
    maxTokens: maxTokens as number | undefined,
    temperature: temperature as number | undefined,
    topP: topP as number | undefined,
    stop: (stopSequences as string[] | undefined) ?? [],
    lastUserText: conversation.lastUserText,
    toolResults: conversation.toolResults,
    images: conversation.images,
    ...(tools ? { tools } : {}),
    ...(output ? { output } : {}),
  };
}

const STOP_REASON = { stop: 'end_turn', length: 'max_tokens', stop_sequence: 'stop_sequence' } as const;

function usage(inputTokens: number, outputTokens: number) {
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

/** Converse's toolUseId form: `tooluse_` and 22 characters. */
function toolUseId(input: ChatRequest, call: PlannedCall): string {
  return callId('tooluse_', input.prompt, call, 22);
}

function stopReason(reply: Reply): string {
  return reply.kind === 'tools' ? 'tool_use' : STOP_REASON[reply.answer.finish];
}

function content(input: ChatRequest, reply: Reply): unknown[] {
  if (reply.kind === 'text') return [{ text: reply.answer.text }];
  return reply.calls.map((call) => ({
    toolUse: { toolUseId: toolUseId(input, call), name: call.name, input: call.args },
  }));
}

export async function converse(ex: Exchange, ctx: EmulatorContext, modelId: string): Promise<void> {
  const input = parseConverse(ex, modelId);
  if (!input) return;
  const started = Date.now();
  const reply = replyTo(input);
  const outputTokens = replyTokens(reply);
  await awaitGeneration(ex, ctx, input.inputTokens, outputTokens);
  ex.json(
    200,
    {
      output: { message: { role: 'assistant', content: content(input, reply) } },
      stopReason: stopReason(reply),
      usage: usage(input.inputTokens, outputTokens),
      metrics: { latencyMs: Date.now() - started },
    },
    { 'x-amzn-requestid': requestId() },
  );
}

/**
 * The content events of a streamed reply: text deltas in block 0 (its stop comes after), or per tool call a
 * contentBlockStart with the id and name, the input JSON in fragments and a contentBlockStop.
 */
function contentEvents(input: ChatRequest, reply: Reply): Uint8Array[] {
  if (reply.kind === 'text')
    return reply.answer.pieces.map((text) =>
      encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }),
    );
  return reply.calls.flatMap((call) => [
    encodeEvent('contentBlockStart', {
      contentBlockIndex: call.index,
      start: { toolUse: { toolUseId: toolUseId(input, call), name: call.name } },
    }),
    ...fragments(call.json, 12).map((piece) =>
      encodeEvent('contentBlockDelta', {
        contentBlockIndex: call.index,
        delta: { toolUse: { input: piece } },
      }),
    ),
    encodeEvent('contentBlockStop', { contentBlockIndex: call.index }),
  ]);
}

export async function converseStream(
  ex: Exchange,
  ctx: EmulatorContext,
  modelId: string,
  fault: FaultRule | undefined,
): Promise<void> {
  const input = parseConverse(ex, modelId);
  if (!input) return;
  const started = Date.now();
  const reply = replyTo(input);
  const done = ctx.latency.beginGeneration();
  try {
    await pause(ctx.latency.firstTokenMs(input.inputTokens), ex);
    ex.startStream(200, { 'content-type': EVENT_STREAM_CONTENT_TYPE, 'x-amzn-requestid': requestId() });
    await ex.write(encodeEvent('messageStart', { role: 'assistant' }));
    const stopped = await streamDeltas(
      ex,
      ctx,
      contentEvents(input, reply),
      fault,
      (event) => ex.write(event),
      bedrockStreamException,
    );
    if (stopped === 'cut') return ex.cut();
    if (stopped) return;
    if (reply.kind === 'text') await ex.write(encodeEvent('contentBlockStop', { contentBlockIndex: 0 }));
    await ex.write(encodeEvent('messageStop', { stopReason: stopReason(reply) }));
    await ex.write(
      encodeEvent('metadata', {
        usage: usage(input.inputTokens, replyTokens(reply)),
        metrics: { latencyMs: Date.now() - started },
      }),
    );
    ex.end();
  } finally {
    done();
  }
}
