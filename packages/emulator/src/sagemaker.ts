import {
  checkSigV4,
  EVENT_STREAM_CONTENT_TYPE,
  encodeBlobEvent,
  encodeException,
  requestId,
  sendAwsError,
} from './aws.js';
import { complete, countTokens, deltas, embed, seedOf } from './content.js';
import { type EmulatorContext, isObject, parseJson, type RoutedRequest, streamFault } from './context.js';
import type { Exchange } from './exchange.js';
import { awaitGeneration, streamDeltas } from './generation.js';
import { pause } from './latency.js';
import {
  streamDeltas as chatDeltas,
  finishReason,
  isProblem,
  message,
  type OpenAiChatRequest,
  parseOpenAiChat,
  usage,
} from './openai-chat.js';
import { type Reply, replyTo, replyTokens } from './reply.js';
import type { FaultRule, SageMakerContainer } from './types.js';

/**
 * SageMaker Runtime InvokeEndpoint and InvokeEndpointWithResponseStream, in front of two emulated containers:
 * a TGI/vLLM-style text generator (its `generate` body, or its Messages API body: OpenAI-shaped, chosen by a
 * `messages` list) and a TEI-style embeddings server.
 */

const ROUTE = /^\/endpoints\/([^/]+)\/(invocations|invocations-response-stream)$/;
const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** TGI's defaults: MAX_TOTAL_TOKENS 4096 and max_new_tokens 100. TEI's default max client batch: 32. */
export const TGI_MAX_TOTAL_TOKENS = 4096;
export const TGI_DEFAULT_MAX_NEW_TOKENS = 100;
export const TEI_MAX_BATCH = 32;
export const SAGEMAKER_EMBEDDING_DIMENSIONS = 384;

const STATUS_OF: Readonly<Record<string, number>> = {
  ModelError: 424,
  ModelNotReadyException: 429,
  ServiceUnavailable: 503,
  InternalFailure: 500,
  ValidationError: 400,
  InternalDependencyException: 530,
  ThrottlingException: 429,
};
const TYPE_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'ValidationError',
  424: 'ModelError',
  429: 'ThrottlingException',
  500: 'InternalFailure',
  503: 'ServiceUnavailable',
  530: 'InternalDependencyException',
};
const MESSAGES: Readonly<Record<string, string>> = {
  ModelNotReadyException: 'Model is not ready to serve inference requests.',
  ServiceUnavailable: 'The service is unavailable. Try your call again.',
  InternalFailure: 'An internal failure occurred. Try your request again.',
  ValidationError: 'Inspect your request and try again.',
  InternalDependencyException:
    'Your request caused an exception with an internal dependency. Contact customer support.',
  ThrottlingException: 'Rate exceeded',
};

export function containerOf(
  endpoint: string,
  configured: Readonly<Record<string, SageMakerContainer>>,
): SageMakerContainer {
  return configured[endpoint] ?? (/embed/i.test(endpoint) ? 'embeddings' : 'tgi');
}

/** ModelError: the container answered with an error; SageMaker wraps it in a 424. */
function sendModelError(
  ex: Exchange,
  endpoint: string,
  originalStatusCode: number,
  originalMessage: string,
  message?: string,
): void {
  sendAwsError(ex, 424, 'ModelError', {
    ErrorCode: originalStatusCode < 500 ? 'CLIENT_ERROR_FROM_MODEL' : 'SERVER_ERROR_FROM_MODEL',
    LogStreamArn: `arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/${endpoint}`,
    Message:
      message ??
      `Received ${originalStatusCode < 500 ? 'client' : 'server'} error (${originalStatusCode}) from primary with message "${originalMessage}". See https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEventViewer:group=/aws/sagemaker/Endpoints/${endpoint} in account 000000000000 for more information.`,
    OriginalMessage: originalMessage,
    OriginalStatusCode: originalStatusCode,
  });
}

export function sendSageMakerFault(ex: Exchange, rule: FaultRule, endpoint: string): void {
  const type = rule.errorType ?? TYPE_OF_STATUS[rule.status ?? 424] ?? 'InternalFailure';
  if (type === 'ModelError') {
    const original = rule.originalStatusCode ?? 500;
    const originalMessage = JSON.stringify({
      error: rule.message ?? 'Request failed during generation',
      error_type: 'generation',
    });
    sendModelError(ex, endpoint, original, originalMessage, rule.message);
    return;
  }
  const status = rule.status ?? STATUS_OF[type] ?? 500;
  sendAwsError(
    ex,
    status,
    type,
    { Message: rule.message ?? MESSAGES[type] ?? `${type}: injected fault` },
    rule.retryAfterMs,
  );
}

interface TgiInput {
  readonly inputs: string;
  readonly maxNewTokens: number;
  readonly temperature: number | undefined;
  readonly topP: number | undefined;
  readonly stop: readonly string[];
  readonly details: boolean;
  readonly returnFullText: boolean;
  readonly stream: boolean | undefined;
}

/** TGI validates in the container: errors are 422s that SageMaker returns as ModelError. */
function parseTgi(ex: Exchange, endpoint: string): TgiInput | undefined {
  const reject = (status: number, error: string, errorType = 'validation') => {
    sendModelError(ex, endpoint, status, JSON.stringify({ error, error_type: errorType }));
    return undefined;
  };
  const body = parseJson(ex.body);
  if (!isObject(body))
    return reject(
      422,
      'Failed to deserialize the JSON body into the target type: expected an object with "inputs" and optional "parameters"',
    );
  if (typeof body.inputs !== 'string')
    return reject(
      422,
      'Failed to deserialize the JSON body into the target type: inputs: missing field `inputs` or not a string',
    );
  if (body.inputs.trim() === '') return reject(422, 'Input validation error: `inputs` cannot be empty');
  const p = body.parameters ?? {};
  if (!isObject(p))
    return reject(
      422,
      'Failed to deserialize the JSON body into the target type: parameters: expected a map',
    );
  const maxNewTokens = p.max_new_tokens ?? TGI_DEFAULT_MAX_NEW_TOKENS;
  if (!Number.isInteger(maxNewTokens) || (maxNewTokens as number) < 1)
    return reject(422, 'Input validation error: `max_new_tokens` must be strictly positive');
  if (p.temperature !== undefined && !(typeof p.temperature === 'number' && p.temperature >= 0))
    return reject(422, 'Input validation error: `temperature` must be strictly positive');
  if (p.top_p !== undefined && !(typeof p.top_p === 'number' && p.top_p > 0 && p.top_p <= 1))
    return reject(422, 'Input validation error: `top_p` must be > 0.0 and < 1.0');
  const stop = p.stop ?? [];
  if (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string'))
    return reject(
      422,
      'Failed to deserialize the JSON body into the target type: parameters.stop: expected a list of strings',
    );
  if (stop.length > 4)
    return reject(
      422,
      `Input validation error: \`stop\` supports up to 4 stop sequences. Given: ${stop.length}`,
    );
  const inputTokens = countTokens(body.inputs);
  if (inputTokens + (maxNewTokens as number) > TGI_MAX_TOTAL_TOKENS)
    return reject(
      422,
      `Input validation error: \`inputs\` tokens + \`max_new_tokens\` must be <= ${TGI_MAX_TOTAL_TOKENS}. Given: ${inputTokens} \`inputs\` tokens and ${maxNewTokens} \`max_new_tokens\``,
    );
  return {
    inputs: body.inputs,
    maxNewTokens: maxNewTokens as number,
    temperature: p.temperature as number | undefined,
    topP: p.top_p as number | undefined,
    stop: stop as string[],
    details: p.details === true,
    returnFullText: p.return_full_text === true,
    stream: typeof body.stream === 'boolean' ? body.stream : undefined,
  };
}

const TGI_FINISH = { stop: 'eos_token', length: 'length', stop_sequence: 'stop_sequence' } as const;

function tgiAnswer(input: TgiInput) {
  return complete(
    input.inputs,
    { temperature: input.temperature, topP: input.topP },
    input.maxNewTokens,
    input.stop,
  );
}

const RESPONSE_HEADERS = () => ({
  'x-amzn-requestid': requestId(),
  'x-amzn-invoked-production-variant': 'AllTraffic',
});

async function tgiInvoke(ex: Exchange, ctx: EmulatorContext, endpoint: string): Promise<void> {
  const input = parseTgi(ex, endpoint);
  if (!input) return;
  const answer = tgiAnswer(input);
  await awaitGeneration(ex, ctx, countTokens(input.inputs), answer.words.length);
  const generated = input.returnFullText ? `${input.inputs}${answer.text}` : answer.text;
  const item: Record<string, unknown> = { generated_text: generated };
  if (input.details)
    item.details = {
      finish_reason: TGI_FINISH[answer.finish],
      generated_tokens: answer.words.length,
      seed: null,
      prefill: [],
      tokens: [],
    };
  ex.json(200, [item], RESPONSE_HEADERS());
}

/** TEI-style embeddings: a JSON list of strings, a string, or `{ "inputs": ... }`; a list of vectors back. */
function parseTexts(ex: Exchange, endpoint: string): string[] | undefined {
  const reject = (status: number, error: string, errorType = 'Validation') => {
    sendModelError(ex, endpoint, status, JSON.stringify({ error, error_type: errorType }));
    return undefined;
  };
  const body = parseJson(ex.body);
  const inputs = isObject(body) ? body.inputs : body;
  const texts = typeof inputs === 'string' ? [inputs] : inputs;
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string'))
    return reject(
      422,
      'Failed to deserialize the JSON body into the target type: expected a list of strings or {"inputs": [...]}',
    );
  if (texts.length === 0) return reject(422, '`inputs` cannot be empty', 'Empty');
  if (texts.length > TEI_MAX_BATCH)
    return reject(413, `batch size ${texts.length} > maximum allowed batch size ${TEI_MAX_BATCH}`);
  return texts as string[];
}

async function embeddingsInvoke(
  ex: Exchange,
  ctx: EmulatorContext,
  endpoint: string,
  operation: string,
): Promise<string[] | undefined> {
  const texts = parseTexts(ex, endpoint);
  if (!texts) return undefined;
  await pause(ctx.latency.embeddingDelayMs(`sagemaker/${endpoint}`, texts.length), ex);
  ctx.stats.embedded(operation, texts.length);
  return texts;
}

/** A Messages API body (TGI `/v1/chat/completions`, vLLM's OpenAI server): chosen by its `messages` list. */
function isMessagesBody(ex: Exchange): boolean {
  const body = parseJson(ex.body);
  return isObject(body) && Array.isArray(body.messages);
}

/** Validates like TGI's Messages API: problems are 422s that SageMaker returns as ModelError. */
function parseMessages(ex: Exchange, endpoint: string): OpenAiChatRequest | undefined {
  const reject = (error: string) => {
    sendModelError(ex, endpoint, 422, JSON.stringify({ error, error_type: 'validation' }));
    return undefined;
  };
  const parsed = parseOpenAiChat(parseJson(ex.body) as Record<string, unknown>, 'tgi');
  if (isProblem(parsed))
    return reject(
      parsed.kind === 'request'
        ? parsed.message
        : `Input validation error: ${parsed.loc.join('.')}: ${parsed.msg}`,
    );
  const max = parsed.maxTokens ?? 0;
  if (parsed.inputTokens + max > TGI_MAX_TOTAL_TOKENS)
    return reject(
      `Input validation error: \`inputs\` tokens + \`max_new_tokens\` must be <= ${TGI_MAX_TOTAL_TOKENS}. Given: ${parsed.inputTokens} \`inputs\` tokens and ${max} \`max_new_tokens\``,
    );
  return parsed;
}

function chatCompletion(input: OpenAiChatRequest, reply: Reply, created: number) {
  return {
    object: 'chat.completion',
    id: '',
    created,
    model: input.model,
    system_fingerprint: 'emulator',
    choices: [
      { index: 0, message: message(input, reply), logprobs: null, finish_reason: finishReason(reply) },
    ],
    usage: usage(input, reply),
  };
}

async function messagesInvoke(ex: Exchange, ctx: EmulatorContext, endpoint: string): Promise<void> {
  const input = parseMessages(ex, endpoint);
  if (!input) return;
  const reply = replyTo(input);
  await awaitGeneration(ex, ctx, input.inputTokens, replyTokens(reply));
  ex.json(200, chatCompletion(input, reply, Math.floor(Date.now() / 1000)), RESPONSE_HEADERS());
}

/** With `"stream": true`, OpenAI SSE chunks (`data: {...}` then `data: [DONE]`) in PayloadPart events. */
async function messagesStream(
  ex: Exchange,
  ctx: EmulatorContext,
  endpoint: string,
  fault: FaultRule | undefined,
): Promise<void> {
  const input = parseMessages(ex, endpoint);
  if (!input) return;
  const reply = replyTo(input);
  const created = Math.floor(Date.now() / 1000);
  const part = (text: string) => ex.write(encodeBlobEvent('PayloadPart', Buffer.from(text)));
  const done = ctx.latency.beginGeneration();
  try {
    await pause(ctx.latency.firstTokenMs(input.inputTokens), ex);
    ex.startStream(200, {
      'content-type': EVENT_STREAM_CONTENT_TYPE,
      ...RESPONSE_HEADERS(),
      'x-amzn-sagemaker-content-type': input.stream ? 'text/event-stream' : 'application/json',
    });
    if (!input.stream) {
      await part(JSON.stringify(chatCompletion(input, reply, created)));
      return ex.end();
    }
    const chunk = (
      delta: Record<string, unknown>,
      finish: string | null,
      extra: Record<string, unknown> = {},
    ) =>
      `data: ${JSON.stringify({ object: 'chat.completion.chunk', id: '', created, model: input.model, system_fingerprint: 'emulator', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
    await part(chunk({ role: 'assistant', content: reply.kind === 'text' ? '' : null }, null));
    const stopped = await streamDeltas(
      ex,
      ctx,
      chatDeltas(input, reply),
      fault,
      (delta) => part(chunk(delta, null)),
      streamError,
    );
    if (stopped === 'cut') return ex.cut();
    if (stopped) return;
    await part(chunk({}, finishReason(reply), input.includeUsage ? { usage: usage(input, reply) } : {}));
    await part('data: [DONE]\n\n');
    ex.end();
  } finally {
    done();
  }
}

async function invoke(ex: Exchange, ctx: EmulatorContext, endpoint: string): Promise<void> {
  if (containerOf(endpoint, ctx.sagemakerEndpoints) === 'embeddings') {
    const texts = await embeddingsInvoke(ex, ctx, endpoint, 'sagemaker.invokeEndpoint');
    if (texts)
      ex.json(
        200,
        texts.map((t) => embed(t, SAGEMAKER_EMBEDDING_DIMENSIONS, endpoint)),
        RESPONSE_HEADERS(),
      );
    return;
  }
  return isMessagesBody(ex) ? messagesInvoke(ex, ctx, endpoint) : tgiInvoke(ex, ctx, endpoint);
}

function streamError(rule: FaultRule): Uint8Array {
  const type = rule.errorType === 'InternalStreamFailure' ? 'InternalStreamFailure' : 'ModelStreamError';
  const message =
    rule.message ??
    (type === 'ModelStreamError'
      ? 'An error occurred while streaming the response body'
      : 'The stream processing failed because of an unknown error.');
  return encodeException(
    type,
    type === 'ModelStreamError' ? { Message: message, ErrorCode: 'ModelStreamError' } : { Message: message },
  );
}

async function invokeStream(
  ex: Exchange,
  ctx: EmulatorContext,
  endpoint: string,
  fault: FaultRule | undefined,
): Promise<void> {
  if (containerOf(endpoint, ctx.sagemakerEndpoints) === 'embeddings') {
    const texts = await embeddingsInvoke(ex, ctx, endpoint, 'sagemaker.invokeEndpointWithResponseStream');
    if (!texts) return;
    ex.startStream(200, {
      'content-type': EVENT_STREAM_CONTENT_TYPE,
      ...RESPONSE_HEADERS(),
      'x-amzn-sagemaker-content-type': 'application/json',
    });
    if (streamFault(fault, 0, true) === 'cut') return ex.cut();
    if (fault) {
      await ex.write(streamError(fault));
      return ex.end();
    }
    const payload = Buffer.from(
      JSON.stringify(texts.map((t) => embed(t, SAGEMAKER_EMBEDDING_DIMENSIONS, endpoint))),
    );
    await ex.write(encodeBlobEvent('PayloadPart', payload));
    return ex.end();
  }
  if (isMessagesBody(ex)) return messagesStream(ex, ctx, endpoint, fault);
  const input = parseTgi(ex, endpoint);
  if (!input) return;
  const answer = tgiAnswer(input);
  const done = ctx.latency.beginGeneration();
  try {
    await pause(ctx.latency.firstTokenMs(countTokens(input.inputs)), ex);
    ex.startStream(200, {
      'content-type': EVENT_STREAM_CONTENT_TYPE,
      ...RESPONSE_HEADERS(),
      'x-amzn-sagemaker-content-type': 'text/event-stream',
    });
    const pieces = deltas(answer.words);
    const generated = input.returnFullText ? `${input.inputs}${answer.text}` : answer.text;
    if (input.stream === false) {
      // Without "stream": true a TGI container answers in one piece, which SageMaker forwards as one part.
      await ex.write(
        encodeBlobEvent('PayloadPart', Buffer.from(JSON.stringify([{ generated_text: generated }]))),
      );
      return ex.end();
    }
    const stopped = await streamDeltas(
      ex,
      ctx,
      pieces,
      fault,
      (text, i) => {
        const last = i === pieces.length - 1;
        const line = {
          index: i + 1,
          token: { id: seedOf(text) % 32000, text, logprob: -0.5, special: false },
          generated_text: last ? generated : null,
          details: last
            ? { finish_reason: TGI_FINISH[answer.finish], generated_tokens: pieces.length, seed: null }
            : null,
        };
        return ex.write(encodeBlobEvent('PayloadPart', Buffer.from(`data:${JSON.stringify(line)}\n\n`)));
      },
      streamError,
    );
    if (stopped === 'cut') return ex.cut();
    if (stopped) return;
    ex.end();
  } finally {
    done();
  }
}

export function routeSageMaker(ex: Exchange): RoutedRequest | undefined {
  const match = ROUTE.exec(ex.path);
  if (!match || ex.method !== 'POST') return undefined;
  const endpoint = decodeURIComponent(match[1]!);
  const streaming = match[2] === 'invocations-response-stream';
  return {
    provider: 'sagemaker',
    operation: streaming ? 'sagemaker.invokeEndpointWithResponseStream' : 'sagemaker.invokeEndpoint',
    model: endpoint,
    streaming,
    authenticate: (e) => checkSigV4(e, 'sagemaker', 'Message'),
    sendFault: (e, rule) => sendSageMakerFault(e, rule, endpoint),
    handle: async (e, ctx, fault) => {
      if (!ENDPOINT_NAME.test(endpoint)) {
        sendAwsError(e, 400, 'ValidationError', {
          Message: `1 validation error detected: Value '${endpoint}' at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*`,
        });
        return;
      }
      return streaming ? invokeStream(e, ctx, endpoint, fault) : invoke(e, ctx, endpoint);
    },
  };
}
