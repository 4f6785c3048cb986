import { type VectorStoreFilter, validateFilter } from '@genai-deploy/client/retrieval';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv, FrontState } from '../context.js';
import { HttpError } from '../errors.js';
import { admission, settleTokens } from '../middleware/admission.js';
import { parseBody } from '../openai-schema.js';
import { fromIndexError } from '../vector-stores/errors.js';
import { countRequest, endpointLabel, required } from '../vector-stores/http.js';
import { listQuery, page } from '../vector-stores/pagination.js';
import { vectorStoreFileObject } from '../vector-stores/records.js';
import {
  attachFileSchema,
  createStoreSchema,
  type SearchBody,
  searchSchema,
} from '../vector-stores/schemas.js';
import { scopedStoreId, searchResult } from '../vector-stores/service.js';
import type { VectorStores } from '../vector-stores/setup.js';

/** How soon OpenAI's clients poll a file still being ingested (`openai-poll-after-ms`; their default is 5 s). */
const POLL_AFTER_MS = '250';

/**
 * OpenAI's vector store API: stores (`/v1/vector_stores`), their files (`/files`, ingested in the background:
 * `in_progress` until `completed` or `failed`) and search (`/search`). JSON bodies go through `admission`
 * (requests/min, body size, validation, in-flight work); the tokens a store spends embedding are charged when the
 * provider reports them, so the admission's estimate is given back.
 */
export function vectorStoresRoutes(front: FrontState, vectors: VectorStores): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const service = () => required(vectors.service);
  app.use('/v1/vector_stores', endpointLabel('vector_stores'));
  app.use('/v1/vector_stores/*', endpointLabel('vector_stores'));
  const admit = <T>(parse: (raw: unknown) => T) =>
    admission(front, (raw) => {
      service();
      return { body: parse(raw), estimatedInputTokens: 0 };
    });
  // Embedding is charged when the provider reports it (embedder.ts): the admission's estimate goes back.
  const refund = (key: string, charged: number) => settleTokens(front, key, charged);

  app.post(
    '/v1/vector_stores',
    admit((raw) => parseBody(createStoreSchema, raw)),
    async (c) => {
      const key = c.get('caller').id;
      refund(key, c.get('admitted').charged);
      const store = await service().createStore(key, c.get('admitted').prepared.body);
      return c.json(await service().storeView(key, store));
    },
  );

  app.get('/v1/vector_stores', async (c) => {
    const key = c.get('caller').id;
    const query = listQuery(c.req.query());
    const stores = await service().meta.stores(key);
    const views = new Map(
      await Promise.all(stores.map(async (s) => [s.id, await service().storeView(key, s)] as const)),
    );
    return c.json(page(stores, query, (s) => views.get(s.id)!));
  });

  app.get('/v1/vector_stores/:id', async (c) => {
    const key = c.get('caller').id;
    const store = await service().store(key, c.req.param('id'));
    return c.json(await service().storeView(key, store));
  });

  app.delete('/v1/vector_stores/:id', async (c) => {
    const key = c.get('caller').id;
    const release = await countRequest(front, key);
    try {
      const id = c.req.param('id');
      await service().deleteStore(key, id);
      return c.json({ id, object: 'vector_store.deleted' as const, deleted: true });
    } finally {
      release();
    }
  });

  app.post(
    '/v1/vector_stores/:id/files',
    admit((raw) => parseBody(attachFileSchema, raw)),
    async (c) => {
      const key = c.get('caller').id;
      refund(key, c.get('admitted').charged);
      const record = await service().attach(key, c.req.param('id'), c.get('admitted').prepared.body);
      c.header('openai-poll-after-ms', POLL_AFTER_MS);
      return c.json(vectorStoreFileObject(record));
    },
  );

  app.get('/v1/vector_stores/:id/files', async (c) => {
    const key = c.get('caller').id;
    const query = listQuery(c.req.query(), {
      filter: z.enum(['in_progress', 'completed', 'failed', 'cancelled']).optional(),
    });
    const store = await service().store(key, c.req.param('id'));
    const files = (await service().meta.storeFiles(key, store.id)).filter(
      (f) => query.filter === undefined || f.status === query.filter,
    );
    return c.json(page(files, query, vectorStoreFileObject));
  });

  app.get('/v1/vector_stores/:id/files/:fileId', async (c) => {
    const key = c.get('caller').id;
    const record = await service().storeFile(key, c.req.param('id'), c.req.param('fileId'));
    if (record.status === 'in_progress') c.header('openai-poll-after-ms', POLL_AFTER_MS);
    return c.json(vectorStoreFileObject(record));
  });

  app.delete('/v1/vector_stores/:id/files/:fileId', async (c) => {
    const key = c.get('caller').id;
    const release = await countRequest(front, key);
    try {
      const fileId = c.req.param('fileId');
      await service().detach(key, c.req.param('id'), fileId);
      return c.json({ id: fileId, object: 'vector_store.file.deleted' as const, deleted: true });
    } finally {
      release();
    }
  });

  app.post('/v1/vector_stores/:id/search', admit(parseSearch), async (c) => {
    const key = c.get('caller').id;
    refund(key, c.get('admitted').charged);
    const { body, filter } = c.get('admitted').prepared.body;
    const svc = service();
    c.get('info').model = svc.config.embeddingModel;
    const store = await svc.store(key, c.req.param('id'));
    const queries = typeof body.query === 'string' ? [body.query] : body.query;
    const hits = await svc.search(key, [scopedStoreId(key, store.id)], {
      // Several queries are searched as one text: one embedding, one ranking.
      query: queries.join('\n'),
      k: body.max_num_results,
      ...(filter !== undefined ? { filter } : {}),
      ...(body.ranking_options?.score_threshold !== undefined
        ? { scoreThreshold: body.ranking_options.score_threshold }
        : {}),
      signal: c.req.raw.signal,
    });
    return c.json({
      object: 'vector_store.search_results.page' as const,
      search_query: queries,
      data: hits.map(searchResult),
      has_more: false,
      next_page: null,
    });
  });
  return app;
}

/** The search body, its filter validated before anything is embedded (the module's message names the field). */
function parseSearch(raw: unknown): { body: SearchBody; filter: VectorStoreFilter | undefined } {
  const body = parseBody(searchSchema, raw);
  if (body.filters === undefined || body.filters === null) return { body, filter: undefined };
  try {
    return { body, filter: validateFilter(body.filters) };
  } catch (e) {
    const mapped = fromIndexError(e, 'filters', 'filters');
    if (mapped instanceof HttpError) throw mapped;
    throw e;
  }
}
