import { randomUUID } from 'node:crypto';
import type { Catalog, CatalogEntry } from './catalog.js';
import type { FinishReason, GenerateRequest, GenerateResult, StreamEvent, ToolCall } from './client.js';
import { HttpError } from './errors.js';
import {
  type ImagePolicy,
  mapConversation,
  type RemoteImage,
  refuseUnsupported,
  samplingFields,
  toolFields,
} from './openai/chat-request.js';
import { type ChatRequest, chatRequestSchema } from './openai/chat-schema.js';
import { fetchRemoteImages, type RemoteImageLimits } from './openai/remote-images.js';
import { parseBody } from './openai-schema.js';

/** A validated chat request, mapped to the client's request and ready to run. */
export interface PreparedChat {
  readonly body: ChatRequest;
  readonly entry: CatalogEntry;
  readonly request: Omit<GenerateRequest, 'signal'>;
  /** Estimated prompt tokens (4 characters a token), for limits before the provider reports usage. */
  readonly estimatedInputTokens: number;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** The caller's index of each client message (system messages are taken out), for error messages. */
  readonly messageIndex: readonly number[];
  /** Image parts given by an allowed remote URL: fetched before the call (see fetchRemoteImages). */
  readonly remoteImages: readonly RemoteImage[];
}

/** Options of `prepareChat`. */
export interface PrepareChatOptions {
  /** Remote image hosts the front may fetch from. @default - none: data: URLs only */
  readonly images?: ImagePolicy;
  /** Extension fields of this gateway that a caller may send besides OpenAI's. @default - none */
  readonly extensions?: ReadonlySet<string>;
}

const NO_EXTENSIONS: ReadonlySet<string> = new Set();

/**
 * Validates an OpenAI chat request and maps it onto the client: `system` and `developer` messages become
 * the client's `system` (joined in order), the rest stay messages with their tool calls, tool results and
 * images; `max_completion_tokens` wins over the older `max_tokens`, and both are capped by the model's
 * configured limit. A field we do not honour is refused, never dropped.
 */
export function prepareChat(raw: unknown, catalog: Catalog, options: PrepareChatOptions = {}): PreparedChat {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    refuseUnsupported(raw as Record<string, unknown>, options.extensions ?? NO_EXTENSIONS);
  }
  const body = parseBody(chatRequestSchema, raw);
  const entry = catalog.resolve(body.model, 'chat');
  const conversation = mapConversation(body.messages, options.images ?? { allowedHosts: [] });
  const { system, messages } = conversation;
  if (!messages.some((m) => m.role === 'user')) {
    throw new HttpError(400, 'invalid messages: expected at least one user message besides system messages', {
      param: 'messages',
      code: 'invalid_value',
    });
  }
  const requested = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const field = body.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
  if (requested !== undefined && requested > entry.maxOutputTokens) {
    throw new HttpError(
      400,
      `invalid ${field}: got ${requested}; the model ${entry.name} allows at most ${entry.maxOutputTokens} on this gateway`,
      { param: field, code: 'invalid_value' },
    );
  }
  const tools = toolFields(body);
  const estimatedInputTokens =
    conversation.estimatedTokens + (body.tools ? Math.ceil(JSON.stringify(body.tools).length / 4) : 0);
  if (entry.maxInputTokens !== undefined && estimatedInputTokens > entry.maxInputTokens) {
    throw new HttpError(
      400,
      `the prompt is about ${estimatedInputTokens} tokens; the model ${entry.name} accepts at most ${entry.maxInputTokens} ` +
        'on this gateway. Shorten the messages.',
      { param: 'messages', code: 'context_length_exceeded' },
    );
  }
  const request: Omit<GenerateRequest, 'signal'> = {
    model: body.model,
    messages,
    ...(system.length > 0 ? { system: system.join('\n\n') } : {}),
    maxTokens: requested ?? entry.maxOutputTokens,
    ...samplingFields(body),
    ...tools,
  };
  return {
    body,
    entry,
    request,
    estimatedInputTokens,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    messageIndex: conversation.messageIndex,
    remoteImages: conversation.remoteImages,
  };
}

/** The prepared chat with its allowed remote images fetched (the same object when it has none). */
export async function withRemoteImages(
  front: { readonly config: { readonly images?: RemoteImageLimits | undefined } },
  prepared: PreparedChat,
  signal?: AbortSignal,
): Promise<PreparedChat> {
  const limits = front.config.images;
  // Remote images exist only when the configuration allows hosts, so limits are there.
  if (prepared.remoteImages.length === 0 || !limits) return prepared;
  const messages = await fetchRemoteImages(prepared.request.messages, prepared.remoteImages, limits, signal);
  return { ...prepared, request: { ...prepared.request, messages }, remoteImages: [] };
}

/** `chatcmpl-` and 32 hex characters. randomUUID draws from a cached entropy pool: cheaper than randomBytes per call. */
export function completionId(): string {
  return `chatcmpl-${randomUUID().replaceAll('-', '')}`;
}

const FINISH: Readonly<Record<FinishReason, string>> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
  other: 'stop',
};

export function finishReason(reason: FinishReason): string {
  return FINISH[reason] ?? 'stop';
}

/** OpenAI's `tool_calls` of a message for the client's tool calls. */
function openAiToolCalls(calls: readonly ToolCall[]) {
  return calls.map((c) => ({
    id: c.id,
    type: 'function' as const,
    function: { name: c.name, arguments: c.argumentsText },
  }));
}

/** OpenAI's `chat.completion` object for a client result. `model` is the model that answered. */
export function chatCompletion(result: GenerateResult, id: string, created: number) {
  const toolCalls = result.toolCalls && result.toolCalls.length > 0 ? result.toolCalls : undefined;
  return {
    id,
    object: 'chat.completion' as const,
    created,
    model: `${result.provider}/${result.model}`,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          // OpenAI sends null content with tool calls and no text.
          content: toolCalls && result.text === '' ? null : result.text,
          refusal: null,
          ...(toolCalls && { tool_calls: openAiToolCalls(toolCalls) }),
        },
        logprobs: null,
        finish_reason: finishReason(result.finishReason),
      },
    ],
    usage: {
      prompt_tokens: result.usage.inputTokens,
      completion_tokens: result.usage.outputTokens,
      total_tokens: result.usage.inputTokens + result.usage.outputTokens,
    },
  };
}

export type ChatCompletion = ReturnType<typeof chatCompletion>;

/** What a finished stream reports back to the caller of `sseStream` (for headers, logs and metrics). */
export type StreamOutcome =
  | { readonly ok: true; readonly finish: Extract<StreamEvent, { type: 'finish' }>; readonly text: string }
  | { readonly ok: false; readonly error: unknown; readonly cancelled: boolean };

const encoder = new TextEncoder();
type Finish = Extract<StreamEvent, { type: 'finish' }>;

/**
 * The `delta` of OpenAI's chunk for a client stream event: text as `content`, a tool call's first fragment with
 * its `index`, `id`, `type` and `function.name`, later fragments with `index` and `function.arguments` only (as
 * OpenAI streams them). A complete tool call was already sent as its deltas: nothing more.
 */
function chunkDelta(event: Exclude<StreamEvent, { type: 'finish' }>): object | undefined {
  switch (event.type) {
    case 'delta':
      return event.text.length > 0 ? { content: event.text } : undefined;
    case 'tool-call-delta':
      return {
        tool_calls: [
          event.id !== undefined
            ? {
                index: event.index,
                id: event.id,
                type: 'function',
                function: { name: event.name ?? '', arguments: event.argumentsDelta },
              }
            : { index: event.index, function: { arguments: event.argumentsDelta } },
        ],
      };
    default:
      return undefined;
  }
}
const sseText = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

/** Largest run of events gathered into one write (a long answer already buffered goes out in pieces). */
const MAX_BATCH_CHARS = 16 * 1024;

/** What every chunk of one stream repeats, and what its end carries. */
interface StreamHead {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly includeUsage: boolean;
  readonly trailer?: object;
}

/** One `chat.completion.chunk` with a choice. */
function chunkOf(head: StreamHead, delta: object, finish: string | null) {
  return {
    id: head.id,
    object: 'chat.completion.chunk',
    created: head.created,
    model: head.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(head.includeUsage ? { usage: null } : {}),
  };
}

/** A stream's end: the chunk with `finish_reason`, the usage chunk when asked, the trailer, then `[DONE]`. */
function finishChunks(head: StreamHead, event: Finish): string {
  const { id, created, model } = head;
  let out = sseText(chunkOf(head, {}, finishReason(event.finishReason)));
  if (head.includeUsage) {
    const { inputTokens, outputTokens } = event.usage;
    const usage = {
      prompt_tokens: inputTokens,
      completion_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
    };
    out += sseText({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
  }
  if (head.trailer) {
    out += sseText({ id, object: 'chat.completion.chunk', created, model, choices: [], ...head.trailer });
  }
  return `${out}data: [DONE]\n\n`;
}

/**
 * Turns a client stream into OpenAI's SSE chunks: a first chunk with the role, one chunk per text delta,
 * a chunk with `finish_reason`, a usage chunk when asked (`stream_options.include_usage`), then
 * `data: [DONE]`. An error after the first byte becomes an `error` event (OpenAI clients raise it).
 * Cancelling the body (the caller went away) runs `onCancel`, which aborts the upstream call.
 *
 * The first event leaves at once, in the body's first chunk with the role. Later events that are ready in the
 * same event-loop turn (an upstream read that carried several) leave in one write: each write to the socket is a
 * syscall that costs more than the event itself (issue 20). A batch waits at most until the end of the turn in
 * which its first event came (setImmediate), never for the network.
 */
export function sseStream(options: {
  readonly iterator: AsyncIterator<StreamEvent>;
  /** An event already pulled (to turn early failures into HTTP errors before the headers went out). */
  readonly first: IteratorResult<StreamEvent>;
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly includeUsage: boolean;
  /** Extension fields sent in one last chunk (no choices) before `[DONE]`, e.g. a grounded answer's `sources`. */
  readonly trailer?: object;
  readonly onCancel: () => void;
  readonly onEnd: (outcome: StreamOutcome) => void;
  readonly toError: (e: unknown) => { error: object };
}): ReadableStream<Uint8Array> {
  const { iterator } = options;
  /** A next() asked for while batching that was not ready by the end of the turn: the following pull takes it. */
  let inFlight: Promise<IteratorResult<StreamEvent>> | undefined;
  /**
   * Whether the last chunk was enqueued while more events may be ready at once (the first chunk; a batch cut at
   * MAX_BATCH_CHARS). Node corks a response's writes until the microtask queue is done; gathering ready events
   * keeps it busy, and would hold that chunk back until the whole burst is through (the first byte with the last).
   */
  let heldBack = true;
  let batch = '';
  let text = '';
  let ended = false;
  const end = (outcome: StreamOutcome) => {
    if (ended) return;
    ended = true;
    options.onEnd(outcome);
  };
  const chunk = (delta: object, finish: string | null) => chunkOf(options, delta, finish);
  /** Adds an event to the batch; its finish event, which ends the body, once it came. */
  const add = (next: IteratorResult<StreamEvent>): Finish | undefined => {
    // A stream must end with a finish event; ending without one is a cut-off upstream.
    if (next.done) throw new Error('the upstream stream ended without a finish event');
    const event = next.value;
    if (event.type === 'finish') {
      batch += finishChunks(options, event);
      return event;
    }
    const delta = chunkDelta(event);
    if (delta) {
      if (event.type === 'delta') text += event.text;
      batch += sseText(chunk(delta, null));
    }
    return undefined;
  };
  /** Enqueues the batch, and closes the body after the last event (unless the caller went away meanwhile). */
  const flush = (controller: ReadableStreamDefaultController<Uint8Array>, last: boolean) => {
    const out = batch;
    batch = '';
    if (ended) return;
    if (out !== '') controller.enqueue(encoder.encode(out));
    if (last) controller.close();
  };
  const finish = (controller: ReadableStreamDefaultController<Uint8Array>, event: Finish) => {
    flush(controller, true);
    end({ ok: true, finish: event, text });
  };
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, e: unknown) => {
    if (ended) return;
    batch += sseText(options.toError(e));
    try {
      flush(controller, true);
    } catch {
      // The body was cancelled meanwhile.
    }
    end({ ok: false, error: e, cancelled: false });
  };
  const next = () => {
    const pending = inFlight ?? iterator.next();
    inFlight = undefined;
    return pending;
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      batch = sseText(chunk({ role: 'assistant', content: '' }, null));
      try {
        const last = add(options.first);
        if (last) finish(controller, last);
        else flush(controller, false);
      } catch (e) {
        fail(controller, e);
      }
    },
    async pull(controller) {
      try {
        if (heldBack) {
          // Let this turn end so that the chunk enqueued last reaches the socket before more are gathered.
          await new Promise<void>((r) => setImmediate(r));
          heldBack = false;
        }
        let last: Finish | undefined;
        let turn: Promise<undefined> | undefined;
        while (!last) {
          // Wait for an event while nothing is batched (a pull that enqueues nothing is not called again); then
          // add only what is ready before the end of that turn.
          if (batch === '') {
            last = add(await next());
            continue;
          }
          turn ??= new Promise<undefined>((r) => setImmediate(r, undefined));
          const pending = next();
          const ready = await Promise.race([pending, turn]);
          if (ready === undefined) {
            inFlight = pending;
            break;
          }
          last = add(ready);
          if (batch.length >= MAX_BATCH_CHARS) {
            heldBack = true;
            break;
          }
        }
        if (last) finish(controller, last);
        else flush(controller, false);
      } catch (e) {
        fail(controller, e);
      }
    },
    cancel() {
      options.onCancel();
      void iterator.return?.().catch(() => {});
      end({ ok: false, error: new Error('the caller disconnected'), cancelled: true });
    },
  });
}
