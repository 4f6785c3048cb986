import type { ErrorKind } from './client.js';

/** OpenAI's error body: every non-2xx answer of the front has this shape. */
export interface OpenAiErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: string | null;
  };
}

export interface HttpErrorOptions {
  readonly type?: string;
  readonly code?: string | null;
  readonly param?: string | null;
  /** Extra response headers, e.g. Retry-After. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/** An error the front answers with: status, OpenAI error body and headers. Its message is shown to the caller. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.type = options.type ?? defaultType(status);
    this.code = options.code ?? null;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }

  toBody(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

function defaultType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** What the front needs of a GenAiError (structural, so any copy of the client package matches). */
interface UpstreamError {
  readonly kind: ErrorKind;
  readonly message: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly provider?: string;
  /** The provider's error name or code, e.g. `ValidationException`. */
  readonly code?: string;
  /** Set when the error came from a provider's answer: its own text, never shown to the caller. */
  readonly providerMessage?: string;
}

/** Seconds for Retry-After: at least 1, rounded up. */
export function retryAfterSeconds(ms: number | undefined, fallbackMs = 1000): string {
  return String(Math.max(1, Math.ceil((ms ?? fallbackMs) / 1000)));
}

/**
 * Maps a client error to the caller's answer, always in our own words: what kind of problem, what to do, and
 * for a provider's refusal the request id under which the operator finds the provider's reason (logged,
 * redacted). A provider's own text never reaches the caller: it may name accounts, roles, resources and hosts.
 * The client's own validation errors (no `providerMessage`) are ours, and keep naming the field.
 */
export function fromUpstreamError(
  e: UpstreamError,
  model: string,
  messageIndex?: readonly number[],
  requestId?: string,
): HttpError {
  const via = e.provider ? ` (${e.provider})` : '';
  if (e.providerMessage !== undefined && (e.kind === 'invalid-request' || e.kind === 'context-length')) {
    return providerRefusal(e, model, requestId);
  }
  switch (e.kind) {
    case 'throttled':
      return new HttpError(
        429,
        `the model ${model} is throttled upstream${via}; retry after the Retry-After delay`,
        {
          code: 'upstream_throttled',
          headers: { 'retry-after': retryAfterSeconds(e.retryAfterMs) },
          cause: e,
        },
      );
    case 'unavailable':
    case 'circuit-open':
      return new HttpError(503, `the model ${model} is unavailable upstream${via}; retry later`, {
        code: 'upstream_unavailable',
        headers: { 'retry-after': retryAfterSeconds(e.retryAfterMs, 5000) },
        cause: e,
      });
    case 'timeout':
      return new HttpError(504, `the model ${model} did not answer in time${via}`, {
        code: 'upstream_timeout',
        cause: e,
      });
    case 'invalid-request': {
      // The client names the field in its own terms ("invalid maxTokens: ..."); say it in OpenAI's.
      const field = /^invalid ([^:\s]+):/.exec(e.message)?.[1];
      const param = field === undefined ? undefined : openAiField(field, messageIndex);
      const message =
        param && field ? e.message.replace(`invalid ${field}:`, `invalid ${param}:`) : e.message;
      return new HttpError(400, message, { code: 'invalid_request', param: param ?? null, cause: e });
    }
    case 'context-length':
      return new HttpError(400, e.message, { code: 'context_length_exceeded', param: 'messages', cause: e });
    case 'content-filter':
      return new HttpError(400, `the request or answer was blocked by the content filter of ${model}${via}`, {
        code: 'content_filter',
        cause: e,
      });
    case 'not-found':
      return new HttpError(404, `the model ${model} was not found upstream${via}`, {
        code: 'model_not_found',
        param: 'model',
        cause: e,
      });
    case 'auth':
      return new HttpError(
        502,
        `the gateway could not authenticate to the provider${via}; contact its operator`,
        {
          code: 'upstream_auth_error',
          cause: e,
        },
      );
    case 'model-error':
      return new HttpError(502, `the model ${model} failed to answer${via}`, {
        code: 'upstream_model_error',
        cause: e,
      });
    case 'mid-stream':
      return new HttpError(502, `the answer of ${model} was cut off upstream${via}`, {
        code: 'upstream_stream_error',
        cause: e,
      });
    case 'invalid-output':
      // The answer broke the requested response_format; OpenAI's clients raise on a 5xx, and it is not retried.
      return new HttpError(
        502,
        `the model ${model} answered JSON that does not follow the requested response_format${via}; retry, or relax the schema`,
        { code: 'invalid_model_output', cause: e },
      );
    case 'budget-exceeded':
      // The client's own budget layer (an SDK option the front does not set): the budget is spent until the reset.
      return new HttpError(429, 'the budget is spent; retry after the Retry-After delay', {
        code: 'budget_exceeded',
        headers: { 'retry-after': retryAfterSeconds(e.retryAfterMs) },
        cause: e,
      });
    case 'aborted':
      // The caller went away, or we are shutting down; nobody reads this answer in the first case.
      return new HttpError(503, 'the request was cancelled before it completed', {
        code: 'request_cancelled',
        cause: e,
      });
  }
}

const SAFE_CODE = /^[A-Za-z][\w.-]{0,63}$/;

/** A provider's 400 in our words: the kind of refusal, what to try, and where the operator finds its reason. */
function providerRefusal(e: UpstreamError, model: string, requestId?: string): HttpError {
  const code = e.code && SAFE_CODE.test(e.code) ? e.code : undefined;
  const source = e.provider ? ` (${e.provider}${code ? `, ${code}` : ''})` : '';
  const reference = requestId
    ? `; the operator finds the provider's reason in the gateway's log under request id ${requestId}`
    : '';
  if (e.kind === 'context-length') {
    return new HttpError(
      400,
      `the prompt and max_tokens do not fit the context window of ${model} upstream${source}: shorten the messages or lower max_tokens${reference}`,
      { code: 'context_length_exceeded', param: 'messages', cause: e },
    );
  }
  return new HttpError(
    400,
    `the provider refused the request to ${model} as invalid${source}: check the fields against the model's documented limits (message roles and order, sizes, parameter ranges) and retry${reference}`,
    { code: 'invalid_request', cause: e },
  );
}

const CLIENT_FIELDS: Readonly<Record<string, string>> = {
  model: 'model',
  messages: 'messages',
  system: 'messages',
  maxTokens: 'max_tokens',
  temperature: 'temperature',
  topP: 'top_p',
  stop: 'stop',
  input: 'input',
  dimensions: 'dimensions',
  inputType: 'input_type',
  tools: 'tools',
  toolChoice: 'tool_choice',
  parallelToolCalls: 'parallel_tool_calls',
  responseFormat: 'response_format',
  seed: 'seed',
  presencePenalty: 'presence_penalty',
  frequencyPenalty: 'frequency_penalty',
};

/**
 * A client request field (`messages[0].content`, `maxTokens`) as the caller's OpenAI field. Client message
 * indexes skip the system messages the front took out: `messageIndex[i]` is the caller's index of client message i.
 */
export function openAiField(field: string, messageIndex?: readonly number[]): string | undefined {
  const m = /^([A-Za-z]+)(?:\[(\d+)\])?(.*)$/.exec(field);
  if (!m) return undefined;
  const [, name = '', index, rest = ''] = m;
  const mapped = CLIENT_FIELDS[name];
  if (!mapped) return undefined;
  if (name === 'system') return 'messages';
  if (index === undefined) return `${mapped}${rest}`;
  const i = name === 'messages' ? (messageIndex?.[Number(index)] ?? Number(index)) : Number(index);
  return `${mapped}[${i}]${rest}`;
}

/** A plain 500 for anything unexpected; the message never includes the error's own text or stack. */
export function internalError(requestId: string, cause: unknown): HttpError {
  return new HttpError(500, `internal error; quote request id ${requestId} to the operator`, {
    code: 'internal_error',
    cause,
  });
}
