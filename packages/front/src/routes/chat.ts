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
import { GROUNDING_EXTENSIONS, type Grounding, type RetrievalPlan } from '../vector-stores/grounding.js';
import type { SearchResult } from '../vector-stores/service.js';
import { chargeAnswer, describeAnswer, setGenAiHeaders } from './answer.js';
import { budgeted, settleStream } from './budgeted.js';

/** A chat request, with the stores it is grounded in when it is (vector-stores/grounding.ts). */
type ChatRequest = PreparedChat & { readonly retrieval?: RetrievalPlan | undefined };
type ChatEnv = AdmittedEnv<ChatRequest>;

interface Call {
  readonly prepared: PreparedChat;
  readonly charged: number;
  readonly id: string;
  readonly created: number;
  /** The chunks a grounded answer was given, returned as its `sources`. */
  readonly sources?: readonly SearchResult[];
}

/**
 * `POST /v1/chat/completions`: one JSON completion, or OpenAI's SSE chunks with `stream: true`; grounded in vector
 * stores (with `sources` on the answer) on a route with `retrieval` or with the `vector_store_ids` extension.
 */
export function chatRoutes(front: FrontState, grounding?: Grounding): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const prepare = (raw: unknown): ChatRequest => {
    const images = front.config.images;
    if (!grounding) return prepareChat(raw, front.catalog, { images });
    const prepared = prepareChat(raw, front.catalog, { images, extensions: GROUNDING_EXTENSIONS });
    return { ...prepared, retrieval: grounding.plan(raw, prepared) };
  };
  app.post('/v1/chat/completions', admission(front, prepare), async (c) => {
    const { prepared, charged } = c.get('admitted');
    const info = c.get('info');
    info.model = prepared.entry.name;
    info.messageIndex = prepared.messageIndex;
    if (front.config.logPrompts) info.prompt = prepared.body.messages;
    const plan = prepared.retrieval;
    const grounded = await withRemoteImages(front, prepared, c.req.raw.signal)
      .then<{ prepared: PreparedChat; sources?: readonly SearchResult[] | undefined }>((ready) =>
        plan && grounding
          ? grounding.apply(ready, plan, c.get('caller').id, c.req.raw.signal)
          : { prepared: ready, sources: undefined },
      )
      .catch((e: unknown) => {
        settleTokens(front, c.get('caller').id, charged);
        throw e;
      });
    const call: Call = {
      prepared: grounded.prepared,
      charged,
      id: completionId(),
      created: Math.floor(Date.now() / 1000),
      ...(grounded.sources ? { sources: grounded.sources } : {}),
    };
    return prepared.stream ? answerStream(front, c, call) : answerJson(front, c, call);
  });
  return app;
}

async function answerJson(front: FrontState, c: Context<ChatEnv>, call: Call): Promise<Response> {
  const { prepared, charged } = call;
  const key = c.get('caller').id;
  // The runtime aborts the request's signal when the caller disconnects: the client then aborts upstream.
  const result = await budgeted(front, c, prepared.entry, prepared.request, () =>
    front.client.generate(front.scoped({ ...prepared.request, signal: c.req.raw.signal }, key)),
  ).catch((e: unknown) => {
    settleTokens(front, key, charged);
    throw e;
  });
  describeAnswer(c.get('info'), result, front.config.logPrompts ? result.text : undefined);
  chargeAnswer(front, prepared.entry.name, key, charged, result);
  setGenAiHeaders(c, result);
  const completion = chatCompletion(result, call.id, call.created);
  return c.json(call.sources ? { ...completion, sources: call.sources } : completion);
}

async function answerStream(front: FrontState, c: Context<ChatEnv>, call: Call): Promise<Response> {
  const { prepared, charged } = call;
  const key = c.get('caller').id;
  const info = c.get('info');
  const hold = await front.budgets
    .hold(c.get('caller'), prepared.entry, prepared.request)
    .catch((e: unknown) => {
      settleTokens(front, key, charged);
      throw e;
    });
  const iterator = front.client
    .stream(front.scoped({ ...prepared.request, signal: c.req.raw.signal }, key))
    [Symbol.asyncIterator]();
  // Failures before the first token (throttled, unavailable, ...) become proper HTTP errors.
  const first: IteratorResult<StreamEvent> = await iterator.next().catch((e: unknown) => {
    settleTokens(front, key, charged);
    hold.release();
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
    ...(call.sources ? { trailer: { sources: call.sources } } : {}),
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
      void settleStream(hold, info, outcome, prepared.entry.name).finally(resolveDone);
    },
  });
  if (prepared.entry.provider) c.header('x-genai-provider', prepared.entry.provider);
  c.header('content-type', 'text/event-stream; charset=utf-8');
  c.header('cache-control', 'no-cache');
  c.header('x-accel-buffering', 'no');
  return c.body(body);
}
