import { randomUUID } from 'node:crypto';
import { countTokens, embed } from './content.js';
import { type EmulatorContext, isObject, parseJson, type RoutedRequest } from './context.js';
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
import { replyTo } from './reply.js';
import type { FaultRule } from './types.js';

/**
 * Azure AI Model Inference API (what @azure-rest/ai-inference speaks; also served by Azure ML managed online
 * endpoints and Azure AI Foundry): POST /chat/completions (JSON or SSE), POST /embeddings, GET /info.
 */

export const AZURE_MAX_EMBEDDING_INPUTS = 2048;
export const AZURE_DEFAULT_EMBEDDING_DIMENSIONS = 1536;
const DEFAULT_MODEL = 'default';

const CHAT_FIELDS = new Set([
  'messages',
  'model',
  'max_tokens',
  'temperature',
  'top_p',
  'stop',
  'stream',
  'stream_options',
  'frequency_penalty',
  'presence_penalty',
  'seed',
  'response_format',
  'tools',
  'tool_choice',
  'modalities',
]);
const EMBEDDING_FIELDS = new Set(['input', 'model', 'dimensions', 'encoding_format', 'input_type']);

const CODE_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: '401',
  403: 'Forbidden',
  404: 'DeploymentNotFound',
  408: 'Timeout',
  422: 'Invalid input',
  429: '429',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  BadRequest: 400,
  Forbidden: 403,
  DeploymentNotFound: 404,
  NotFound: 404,
  Timeout: 408,
  'Invalid input': 422,
  '429': 429,
  RateLimitExceeded: 429,
  TooManyRequests: 429,
  InternalServerError: 500,
  ServiceUnavailable: 503,
  content_filter: 400,
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const id = randomUUID();
  return { 'x-request-id': id, 'apim-request-id': id, 'x-ms-region': 'East US', ...extra };
}

function sendAzureError(
  ex: Exchange,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
  extraHeaders: Record<string, string> = {},
): void {
  ex.json(status, { error: { code, message, ...extra } }, headers(extraHeaders));
}

/** Schema problems: 422 with the failing location, as the inference API reports them. */
function invalid(ex: Exchange, loc: readonly (string | number)[], msg: string, type = 'value_error'): void {
  sendAzureError(ex, 422, 'Invalid input', `${loc.join('.')}: ${msg}`, {
    status: 422,
    details: [{ loc: ['body', ...loc], msg, type }],
  });
}

function retryHeaders(retryAfterMs: number): Record<string, string> {
  return {
    'retry-after-ms': String(Math.round(retryAfterMs)),
    'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-remaining-tokens': '0',
  };
}

export function sendAzureFault(ex: Exchange, rule: FaultRule, operation: string): void {
  const status =
    rule.status ?? (rule.errorType !== undefined ? STATUS_OF_CODE[rule.errorType] : undefined) ?? 500;
  const code = rule.errorType ?? CODE_OF_STATUS[status] ?? String(status);
  const retryAfterMs = rule.retryAfterMs ?? (status === 429 ? 1000 : undefined);
  const seconds = retryAfterMs === undefined ? 1 : Math.max(1, Math.ceil(retryAfterMs / 1000));
  const message =
    rule.message ??
    (status === 429
      ? `Requests to the ${operation === 'azure.embeddings' ? 'Embeddings_Create' : 'ChatCompletions_Create'} Operation under Azure AI Model Inference API have exceeded the call rate limit of your current pricing tier. Please retry after ${seconds} second${seconds === 1 ? '' : 's'}.`
      : status >= 500
        ? 'The server had an error while processing your request. Sorry about that!'
        : `The request failed with status ${status}.`);
  sendAzureError(ex, status, code, message, {}, retryAfterMs === undefined ? {} : retryHeaders(retryAfterMs));
}

/** `api-key: <key>` or `Authorization: Bearer <key>`; 401 otherwise. */
function checkKey(ex: Exchange): boolean {
  const key = ex.header('api-key');
  const auth = ex.header('authorization');
  if ((key !== undefined && key.trim() !== '') || (auth !== undefined && /^Bearer \S+$/.test(auth)))
    return true;
  sendAzureError(
    ex,
    401,
    '401',
    'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  );
  return false;
}

function checkApiVersion(ex: Exchange): boolean {
  const version = ex.query.get('api-version');
  if (version === null || version === '') {
    sendAzureError(
      ex,
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    );
    return false;
  }
  if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version)) {
    sendAzureError(
      ex,
      400,
      'UnsupportedApiVersion',
      `The HTTP resource that matches the request URI does not support the API version '${version}'.`,
    );
    return false;
  }
  return true;
}

/** Unknown fields are an error unless the caller sets `extra-parameters: pass-through` or `drop`. */
function checkExtra(ex: Exchange, body: Record<string, unknown>, known: ReadonlySet<string>): boolean {
  const mode = ex.header('extra-parameters') ?? 'error';
  if (mode === 'pass-through' || mode === 'drop') return true;
  const extra = Object.keys(body).filter((k) => !known.has(k));
  if (extra.length === 0) return true;
  const names = extra.map((k) => `'${k}'`).join(', ');
  sendAzureError(
    ex,
    422,
    'Invalid input',
    `Extra parameters [${names}] are not allowed when extra-parameters is not set or set to be 'error'. Set extra-parameters to 'pass-through' to pass to the model.`,
    {
      status: 422,
      details: extra.map((k) => ({
        loc: ['body', k],
        msg: 'Extra inputs are not permitted',
        type: 'extra_forbidden',
      })),
    },
  );
  return false;
}

function parseChat(ex: Exchange): OpenAiChatRequest | undefined {
  const body = parseJson(ex.body);
  if (!isObject(body)) {
    invalid(ex, [], 'Expected a JSON object with "messages".', 'type_error.dict');
    return undefined;
  }
  if (!checkExtra(ex, body, CHAT_FIELDS)) return undefined;
  const model = typeof body.model === 'string' ? body.model : DEFAULT_MODEL;
  if (/embed/i.test(model)) {
    sendAzureError(
      ex,
      400,
      'OperationNotSupported',
      `The chatCompletion operation does not work with the specified model, ${model}. Please choose different model and try again.`,
    );
    return undefined;
  }
  const parsed = parseOpenAiChat(body, DEFAULT_MODEL);
  if (!isProblem(parsed)) return parsed;
  if (parsed.kind === 'schema') invalid(ex, parsed.loc, parsed.msg, parsed.type);
  // What the model refuses comes back as OpenAI's 400 invalid_request_error.
  else
    sendAzureError(ex, 400, 'BadRequest', parsed.message, {
      type: 'invalid_request_error',
      param: parsed.param,
    });
  return undefined;
}

async function chatCompletions(
  ex: Exchange,
  ctx: EmulatorContext,
  fault: FaultRule | undefined,
  input: OpenAiChatRequest,
): Promise<void> {
  const reply = replyTo(input);
  const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
  const created = Math.floor(Date.now() / 1000);
  const tokens = usage(input, reply);
  if (!input.stream) {
    await awaitGeneration(ex, ctx, input.inputTokens, tokens.completion_tokens);
    ex.json(
      200,
      {
        id,
        object: 'chat.completion',
        created,
        model: input.model,
        choices: [{ index: 0, message: message(input, reply), finish_reason: finishReason(reply) }],
        usage: tokens,
      },
      headers(),
    );
    return;
  }
  const done = ctx.latency.beginGeneration();
  try {
    await pause(ctx.latency.firstTokenMs(input.inputTokens), ex);
    ex.startStream(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers() });
    const chunk = (
      delta: Record<string, unknown>,
      finish: string | null,
      extra: Record<string, unknown> = {},
    ) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: input.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
    await ex.write(chunk({ role: 'assistant', content: reply.kind === 'text' ? '' : null }, null));
    const stopped = await streamDeltas(
      ex,
      ctx,
      chatDeltas(input, reply),
      fault,
      (delta) => ex.write(chunk(delta, null)),
      (rule) => {
        const status = rule.status ?? 500;
        const code = rule.errorType ?? CODE_OF_STATUS[status] ?? 'InternalServerError';
        return `data: ${JSON.stringify({ error: { code, message: rule.message ?? 'The server had an error while processing your request. Sorry about that!', status } })}\n\n`;
      },
    );
    if (stopped === 'cut') return ex.cut();
    if (stopped) return;
    await ex.write(chunk({}, finishReason(reply), input.includeUsage ? { usage: tokens } : {}));
    await ex.write('data: [DONE]\n\n');
    ex.end();
  } finally {
    done();
  }
}

function float32Base64(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

async function embeddings(ex: Exchange, ctx: EmulatorContext): Promise<void> {
  const body = parseJson(ex.body);
  if (!isObject(body)) return invalid(ex, [], 'Expected a JSON object with "input".', 'type_error.dict');
  if (!checkExtra(ex, body, EMBEDDING_FIELDS)) return;
  const model = typeof body.model === 'string' ? body.model : DEFAULT_MODEL;
  const input = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(input) || input.some((t) => typeof t !== 'string'))
    return invalid(
      ex,
      ['input'],
      body.input === undefined ? 'field required' : 'expected a string or a list of strings',
    );
  if (input.length === 0) return invalid(ex, ['input'], 'ensure this value has at least 1 items');
  if (input.length > AZURE_MAX_EMBEDDING_INPUTS)
    return sendAzureError(
      ex,
      400,
      'BadRequest',
      `Too many inputs. The max number of inputs is ${AZURE_MAX_EMBEDDING_INPUTS}. We received ${input.length}. Please reduce the number of inputs and try again.`,
    );
  const max = /large/.test(model) ? 3072 : AZURE_DEFAULT_EMBEDDING_DIMENSIONS;
  const dims = body.dimensions ?? max;
  if (!Number.isInteger(dims) || (dims as number) < 1 || (dims as number) > max)
    return invalid(ex, ['dimensions'], `ensure this value is between 1 and ${max} for model ${model}`);
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64')
    return invalid(
      ex,
      ['encoding_format'],
      "value is not a valid enumeration member; permitted: 'float', 'base64'",
    );
  const inputType = typeof body.input_type === 'string' ? body.input_type : 'text';
  await pause(ctx.latency.embeddingDelayMs(`azure/${model}`, input.length), ex);
  ctx.stats.embedded('azure.embeddings', input.length);
  const tokens = (input as string[]).reduce((sum, t) => sum + countTokens(t), 0);
  ex.json(
    200,
    {
      id: randomUUID(),
      object: 'list',
      data: (input as string[]).map((text, index) => {
        const vector = embed(
          inputType === 'text' ? text : `${inputType}\u0000${text}`,
          dims as number,
          model,
        );
        return {
          object: 'embedding',
          index,
          embedding: format === 'base64' ? float32Base64(vector) : vector,
        };
      }),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
    headers(),
  );
}

function info(ex: Exchange): void {
  const model = ex.query.get('model') ?? ex.header('x-ms-model-mesh-model-name') ?? DEFAULT_MODEL;
  ex.json(
    200,
    {
      model_name: model,
      model_type: /embed/i.test(model) ? 'embeddings' : 'chat-completion',
      model_provider_name: 'genai-deploy emulator',
    },
    headers(),
  );
}

function modelOf(ex: Exchange): string {
  const body = parseJson(ex.body);
  return isObject(body) && typeof body.model === 'string' ? body.model : DEFAULT_MODEL;
}

export function routeAzure(ex: Exchange): RoutedRequest | undefined {
  const path = ex.path.replace(/^\/models(?=\/)/, '');
  if (ex.method === 'GET' && path === '/info') {
    return {
      provider: 'azure',
      operation: 'azure.info',
      model: ex.query.get('model') ?? DEFAULT_MODEL,
      streaming: false,
      uncounted: true,
      authenticate: (e) => checkKey(e) && checkApiVersion(e),
      sendFault: (e, rule) => sendAzureFault(e, rule, 'azure.info'),
      handle: async (e) => info(e),
    };
  }
  if (ex.method !== 'POST') return undefined;
  if (path === '/chat/completions') {
    const body = parseJson(ex.body);
    const streaming = isObject(body) && body.stream === true;
    return {
      provider: 'azure',
      operation: 'azure.chatCompletions',
      model: modelOf(ex),
      streaming,
      authenticate: (e) => checkKey(e) && checkApiVersion(e),
      sendFault: (e, rule) => sendAzureFault(e, rule, 'azure.chatCompletions'),
      handle: async (e, ctx, fault) => {
        const input = parseChat(e);
        if (input) await chatCompletions(e, ctx, fault, input);
      },
    };
  }
  if (path === '/embeddings') {
    return {
      provider: 'azure',
      operation: 'azure.embeddings',
      model: modelOf(ex),
      streaming: false,
      authenticate: (e) => checkKey(e) && checkApiVersion(e),
      sendFault: (e, rule) => sendAzureFault(e, rule, 'azure.embeddings'),
      handle: async (e, ctx) => embeddings(e, ctx),
    };
  }
  return undefined;
}
