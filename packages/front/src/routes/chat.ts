import { type Context, Hono } from 'hono';
import {
  chatCompletion,
  completionId,
  type PreparedChat,
  prepareChat,
  sseStream,
  withRemoteImages,
} from '../chat.js';
import type { StreamEvent } from '../client.js';
import type { AppEnv, FrontState } from '../context.js';
import { type AdmittedEnv, admission, settleTokens } from '../middleware/admission.js';
import { errSummary, toHttpError } from '../middleware/errors.js';
import { chargeAnswer, describeAnswer, setGenAiHeaders } from './answer.js';

type ChatEnv = AdmittedEnv<PreparedChat>;

interface Call {
  readonly prepared: PreparedChat;
  readonly charged: number;
  readonly id: string;
  readonly created: number;
}

/** `POST /v1/chat/completions`: one JSON completion, or OpenAI's SSE chunks with `stream: true`. */
export function chatRoutes(front: FrontState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post(
    '/v1/chat/completions',
    admission(front, (raw) => prepareChat(raw, front.catalog, { images: front.config.images })),
    async (c) => {
      const { prepared, charged } = c.get('admitted');
      const info = c.get('info');
      info.model = prepared.entry.name;
      info.messageIndex = prepared.messageIndex;
      if (front.config.logPrompts) info.prompt = prepared.body.messages;
      const ready = await withRemoteImages(front, prepared, c.req.raw.signal).catch((e: unknown) => {
        settleTokens(front, c.get('caller').id, charged);
        throw e;
      });
      const call = { prepared: ready, charged, id: completionId(), created: Math.floor(Date.now() / 1000) };
      return prepared.stream ? answerStream(front, c, call) : answerJson(front, c, call);
    },
  );
  return app;
}

async function answerJson(front: FrontState, c: Context<ChatEnv>, call: Call): Promise<Response> {
  const { prepared, charged } = call;
  const key = c.get('caller').id;
  // The runtime aborts the request's signal when the caller disconnects: the client then aborts upstream.
  const result = await front.client
    .generate(front.scoped({ ...prepared.request, signal: c.req.raw.signal }, key))
    .catch((e: unknown) => {
      settleTokens(front, key, charged);
      throw e;
    });
  describeAnswer(c.get('info'), result, front.config.logPrompts ? result.text : undefined);
  chargeAnswer(front, prepared.entry.name, key, charged, result);
  setGenAiHeaders(c, result);
  return c.json(chatCompletion(result, call.id, call.created));
}

async function answerStream(front: FrontState, c: Context<ChatEnv>, call: Call): Promise<Response> {
  const { prepared, charged } = call;
  const key = c.get('caller').id;
  const info = c.get('info');
  const iterator = front.client
    .stream(front.scoped({ ...prepared.request, signal: c.req.raw.signal }, key))
    [Symbol.asyncIterator]();
  // Failures before the first token (throttled, unavailable, ...) become proper HTTP errors.
  const first: IteratorResult<StreamEvent> = await iterator.next().catch((e: unknown) => {
    settleTokens(front, key, charged);
    throw e;
  });
  let resolveDone!: () => void;
  info.done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const body = sseStream({
    iterator,
    first,
    id: call.id,
    created: call.created,
    model: prepared.entry.name,
    includeUsage: prepared.includeUsage,
    // Ending the iteration aborts the upstream request (the runtime may also abort the request's signal).
    onCancel: () => {},
    toError: (e) => toHttpError(e, prepared.entry.name, c.get('requestId'), prepared.messageIndex).toBody(),
    onEnd: (outcome) => {
      if (outcome.ok) {
        describeAnswer(info, outcome.finish, front.config.logPrompts ? outcome.text : undefined);
        chargeAnswer(front, prepared.entry.name, key, charged, outcome.finish);
      } else {
        info.error = outcome.error;
        if (!outcome.cancelled)
          front.logger.warn(
            { requestId: c.get('requestId'), err: errSummary(outcome.error) },
            'stream failed after the first byte',
          );
      }
      resolveDone();
    },
  });
  if (prepared.entry.provider) c.header('x-genai-provider', prepared.entry.provider);
  c.header('content-type', 'text/event-stream; charset=utf-8');
  c.header('cache-control', 'no-cache');
  c.header('x-accel-buffering', 'no');
  return c.body(body);
}
