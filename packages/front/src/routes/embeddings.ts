import { Hono } from 'hono';
import type { AppEnv, FrontState } from '../context.js';
import { embeddingsList, prepareEmbeddings } from '../embeddings.js';
import { admission, settleTokens } from '../middleware/admission.js';
import { chargeAnswer, describeAnswer, setGenAiHeaders } from './answer.js';

/** `POST /v1/embeddings`: OpenAI's embeddings list, as floats or base64. */
export function embeddingsRoutes(front: FrontState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post(
    '/v1/embeddings',
    admission(front, (raw) => prepareEmbeddings(raw, front.catalog)),
    async (c) => {
      const { prepared, charged } = c.get('admitted');
      c.get('info').model = prepared.entry.name;
      const key = c.get('caller').id;
      const result = await front.client
        .embed(front.scoped({ ...prepared.request, signal: c.req.raw.signal }, key))
        .catch((e: unknown) => {
          settleTokens(front, key, charged);
          throw e;
        });
      describeAnswer(c.get('info'), result);
      chargeAnswer(front, prepared.entry.name, key, charged, result);
      setGenAiHeaders(c, result);
      return c.json(embeddingsList(result, prepared.encoding));
    },
  );
  return app;
}
