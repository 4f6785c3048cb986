import { EVENT_STREAM_CONTENT_TYPE, encodeEvent, requestId } from './aws.js';
import { bedrockStreamException, sendBedrockError, validation } from './bedrock-errors.js';
import { isEmbeddingModel, textModel } from './bedrock-models.js';
import { countTokens, deltas } from './content.js';
import { type EmulatorContext, isObject, parseJson } from './context.js';
import type { Exchange } from './exchange.js';
import { answerTo, awaitGeneration, type GenerationInput, streamDeltas } from './generation.js';
import { pause } from './latency.js';
import type { FaultRule } from './types.js';

/** Bedrock Runtime Converse and ConverseStream. */

function constraint(value: unknown, path: string, rule: string): string {
  return `1 validation error detected: Value '${typeof value === 'string' ? value : JSON.stringify(value)}' at '${path}' failed to satisfy constraint: ${rule}`;
}

/** Validates a Converse body like the service; answers and returns undefined when it is invalid. */
export function parseConverse(ex: Exchange, modelId: string): GenerationInput | undefined {
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
  const parts: string[] = [];
  let inputTokens = 0;
  if (body.system !== undefined) {
    if (!Array.isArray(body.system)) {
      validation(ex, constraint(body.system, 'system', 'Member must be a list of SystemContentBlock'));
      return undefined;
    }
    for (const block of body.system) {
      if (isObject(block) && typeof block.text === 'string') {
        parts.push(`system: ${block.text}`);
        inputTokens += countTokens(block.text);
      }
    }
  }
  for (let i = 0; i < messages.length; i++) {
    const message: unknown = messages[i];
    if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      validation(
        ex,
        constraint(
          isObject(message) ? message.role : message,
          `messages.${i + 1}.member.role`,
          'Member must satisfy enum value set: [user, assistant]',
        ),
      );
      return undefined;
    }
    if (
      i > 0 &&
      isObject(messages[i - 1]) &&
      (messages[i - 1] as Record<string, unknown>).role === message.role
    ) {
      validation(
        ex,
        'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
      );
      return undefined;
    }
    if (!Array.isArray(message.content) || message.content.length === 0) {
      validation(
        ex,
        `The content field in the Message object at messages.${i}.content is empty. Add a ContentBlock object to the content field and try again.`,
      );
      return undefined;
    }
    for (const block of message.content) {
      if (!isObject(block) || Object.keys(block).length !== 1) {
        validation(
          ex,
          `A ContentBlock in messages.${i}.content must set exactly one member (text, image, document, toolUse, toolResult, ...).`,
        );
        return undefined;
      }
      if (typeof block.text === 'string') {
        if (block.text.trim() === '') {
          validation(
            ex,
            `The text field in the ContentBlock object at messages.${i}.content.${message.content.indexOf(block)} is blank. Add text to the text field, and try again.`,
          );
          return undefined;
        }
        parts.push(`${message.role}: ${block.text}`);
        inputTokens += countTokens(block.text);
      } else {
        // Non-text blocks still change the answer; they count as one token each.
        parts.push(`${message.role}: ${JSON.stringify(block)}`);
        inputTokens += 1;
      }
    }
  }
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
  };
}

const STOP_REASON = { stop: 'end_turn', length: 'max_tokens', stop_sequence: 'stop_sequence' } as const;

function usage(inputTokens: number, outputTokens: number) {
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

export async function converse(ex: Exchange, ctx: EmulatorContext, modelId: string): Promise<void> {
  const input = parseConverse(ex, modelId);
  if (!input) return;
  const started = Date.now();
  const answer = answerTo(input);
  await awaitGeneration(ex, ctx, input.inputTokens, answer.words.length);
  ex.json(
    200,
    {
      output: { message: { role: 'assistant', content: [{ text: answer.text }] } },
      stopReason: STOP_REASON[answer.finish],
      usage: usage(input.inputTokens, answer.words.length),
      metrics: { latencyMs: Date.now() - started },
    },
    { 'x-amzn-requestid': requestId() },
  );
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
  const answer = answerTo(input);
  const done = ctx.latency.beginGeneration();
  try {
    await pause(ctx.latency.firstTokenMs(input.inputTokens), ex);
    ex.startStream(200, { 'content-type': EVENT_STREAM_CONTENT_TYPE, 'x-amzn-requestid': requestId() });
    await ex.write(encodeEvent('messageStart', { role: 'assistant' }));
    const stopped = await streamDeltas(
      ex,
      ctx,
      deltas(answer.words),
      fault,
      (text) => ex.write(encodeEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } })),
      bedrockStreamException,
    );
    if (stopped === 'cut') return ex.cut();
    if (stopped) return;
    await ex.write(encodeEvent('contentBlockStop', { contentBlockIndex: 0 }));
    await ex.write(encodeEvent('messageStop', { stopReason: STOP_REASON[answer.finish] }));
    await ex.write(
      encodeEvent('metadata', {
        usage: usage(input.inputTokens, answer.words.length),
        metrics: { latencyMs: Date.now() - started },
      }),
    );
    ex.end();
  } finally {
    done();
  }
}
