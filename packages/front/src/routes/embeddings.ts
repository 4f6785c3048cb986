import { Hono } from 'hono';
import type { AppEnv, FrontState } from '../context.js';
import { embeddingsListStream, prepareEmbeddings } from '../embeddings.js';
import { admission, settleTokens } from '../middleware/admission.js';
import { chargeAnswer, describeAnswer, setGenAiHeaders } from './answer.js';
import { budgeted } from './budgeted.js';

/** Requests with at least this many inputs yield to the event loop once between admission and the client. */
const YIELD_INPUTS = 256;

/**
 * `POST /v1/embeddings`: OpenAI's embeddings list, as floats or base64. Every input weighs in the key's and
 * the instance's in-flight work and adds limits.embeddingInputTokens to tokens/min; the list is streamed.
 */
export function embeddingsRoutes(front: FrontState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const perInput = front.config.limits.embeddingInputTokens ?? 64;
  app.post(
    '/v1/embeddings',
    admission(front, (raw) => prepareEmbeddings(raw, front.catalog), {
      weight: (prepared) => prepared.request.input.length,
      surchargeTokens: (prepared) => prepared.request.input.length * perInput,
    }),
    async (c) => {
      const { prepared, charged } = c.get('admitted');
      const info = c.get('info');
      info.model = prepared.entry.name;
      const key = c.get('caller').id;
      // Parsing and admitting thousands of inputs, then validating, keying and batching them in the client, are
      // two long synchronous steps: a turn of the event loop between them lets /health (and others) answer.
      if (prepared.request.input.length >= YIELD_INPUTS) await new Promise((r) => setImmediate(r));
      const result = await budgeted(front, c, prepared.entry, prepared.request, () =>
        front.client.embed(front.scoped({ ...prepared.request, signal: c.req.raw.signal }, key)),
      ).catch((e: unknown) => {
        settleTokens(front, key, charged);
        throw e;
      });
      describeAnswer(info, result);
      chargeAnswer(front, prepared.entry.name, key, charged, result);
      setGenAiHeaders(c, result);
      // The in-flight work and the request's log line last until the list has been written or abandoned.
      let sent!: () => void;
      info.done = new Promise<void>((resolve) => {
        sent = resolve;
      });
      c.header('content-type', 'application/json');
      return c.body(embeddingsListStream(result, prepared.encoding, sent));
    },
  );
  return app;
}
