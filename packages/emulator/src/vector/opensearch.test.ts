import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../index.js';

let emulator: Emulator;
let client: Client;

const credentials = async () => ({ accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'secret' });

function signedClient(service: 'aoss' | 'es' = 'aoss'): Client {
  return new Client({
    ...AwsSigv4Signer({ region: 'us-east-1', service, getCredentials: credentials }),
    // The collection endpoint with a path prefix: the client must keep it on every request.
    node: `${emulator.url}/opensearch`,
    maxRetries: 0,
  });
}

const INDEX_BODY = {
  settings: { index: { knn: true } },
  mappings: {
    properties: {
      vector: {
        type: 'knn_vector',
        dimension: 3,
        method: { name: 'hnsw', engine: 'faiss', space_type: 'innerproduct' },
      },
      text: { type: 'text' },
      file_id: { type: 'keyword' },
      year: { type: 'long' },
    },
  },
} as const;

const DOCS = [
  { vector: [1, 0, 0], text: 'x axis', file_id: 'f1', year: 2020, tags: ['a', 'b'] },
  { vector: [0.8, 0.6, 0], text: 'mostly x', file_id: 'f1', year: 2022, tags: ['b'] },
  { vector: [0, 1, 0], text: 'y axis', file_id: 'f2', year: 2024, tags: ['c'] },
  { vector: [0, 0, 1], text: 'z axis', file_id: 'f3', year: 2026 },
];

async function createWithDocs(index: string): Promise<void> {
  await client.indices.create({ index, body: INDEX_BODY });
  const { body } = await client.bulk({ index, body: DOCS.flatMap((d) => [{ index: {} }, d]) });
  expect(body.errors).toBe(false);
}

async function knn(index: string, query: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const { body } = await client.search({ index, body: { size: 10, query, ...extra } });
  return body.hits.hits.map((h) => ({ text: (h._source as { text: string }).text, score: h._score }));
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as { statusCode: number; body: { error: { type: string; reason: string } } },
  );

beforeAll(async () => {
  emulator = await startEmulator();
  client = signedClient();
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

describe('OpenSearch Serverless through @opensearch-project/opensearch', () => {
  it('creates an index under the node URL path prefix, tells it exists, refuses it twice', async () => {
    expect((await client.indices.exists({ index: 'created' })).body).toBe(false);
    const created = await client.indices.create({ index: 'created', body: INDEX_BODY });
    expect(created.body).toMatchObject({ acknowledged: true, index: 'created' });
    expect((await client.indices.exists({ index: 'created' })).body).toBe(true);
    const mapping = await client.indices.getMapping({ index: 'created' });
    expect(mapping.body.created?.mappings).toEqual(INDEX_BODY.mappings);
    const again = await failure(client.indices.create({ index: 'created', body: INDEX_BODY }));
    expect(again.statusCode).toBe(400);
    expect(again.body.error.type).toBe('resource_already_exists_exception');
    expect(emulator.requests().byOperation).toMatchObject({
      'opensearch.indexExists': 2,
      'opensearch.createIndex': 2,
      'opensearch.getMapping': 1,
    });
  });

  it('ranks by exact k-NN with the space type of the field, top k', async () => {
    await createWithDocs('ranked');
    const hits = await knn('ranked', { knn: { vector: { vector: [1, 0.1, 0], k: 2 } } });
    expect(hits.map((h) => h.text)).toEqual(['x axis', 'mostly x']);
    // innerproduct: score = 1 + dot for a non-negative dot product.
    expect(hits[0]?.score).toBeCloseTo(2, 9);
    expect(hits[1]?.score).toBeCloseTo(1 + 0.8 + 0.06, 9);
  });

  it('filters before taking the k nearest (knn.filter) with term, terms, range, bool and must_not', async () => {
    await createWithDocs('filtered');
    const near = (filter: unknown) =>
      knn('filtered', { knn: { vector: { vector: [1, 0, 0], k: 2, filter } } }).then((h) =>
        h.map((x) => x.text),
      );
    expect(await near({ term: { file_id: 'f2' } })).toEqual(['y axis']);
    expect(await near({ terms: { file_id: ['f2', 'f3'] } })).toEqual(['y axis', 'z axis']);
    expect(await near({ range: { year: { gte: 2022, lt: 2026 } } })).toEqual(['mostly x', 'y axis']);
    expect(await near({ bool: { must_not: [{ term: { file_id: 'f1' } }] } })).toEqual(['y axis', 'z axis']);
    expect(
      await near({ bool: { filter: [{ term: { tags: 'b' } }, { range: { year: { gt: 2020 } } }] } }),
    ).toEqual(['mostly x']);
    expect(await near({ bool: { should: [{ term: { file_id: 'f3' } }, { term: { year: 2020 } }] } })).toEqual(
      ['x axis', 'z axis'],
    );
  });

  it('indexes without client ids, as a vector collection does, and rejects client ids', async () => {
    await client.indices.create({ index: 'ids', body: INDEX_BODY });
    const { body } = await client.bulk({
      index: 'ids',
      body: [
        { index: {} },
        DOCS[0]!,
        { index: { _id: 'mine' } },
        DOCS[1]!,
        { create: { _id: 'x' } },
        DOCS[2]!,
      ],
    });
    expect(body.errors).toBe(true);
    expect(body.items[0]?.index?.status).toBe(201);
    expect(body.items[1]?.index?.error).toMatchObject({
      type: 'illegal_argument_exception',
      reason: 'Document ID is not supported in create/index operation request',
    });
    expect(body.items[2]?.create?.status).toBe(400);
    const id = body.items[0]?.index?._id as string;
    expect((await client.get({ index: 'ids', id })).body._source).toEqual(DOCS[0]);
    const deleted = await client.bulk({ body: [{ delete: { _index: 'ids', _id: id } }] });
    expect(deleted.body.items[0]?.delete?.result).toBe('deleted');
    expect((await failure(client.get({ index: 'ids', id }))).statusCode).toBe(404);
  });

  it('rejects a vector of the wrong dimension, in a document and in a query', async () => {
    await client.indices.create({ index: 'dims', body: INDEX_BODY });
    const { body } = await client.bulk({ index: 'dims', body: [{ index: {} }, { vector: [1, 0] }] });
    expect(body.items[0]?.index?.error).toMatchObject({
      type: 'mapper_parsing_exception',
      caused_by: { reason: 'Vector dimension mismatch. Expected: 3, Given: 2' },
    });
    const query = await failure(
      client.search({ index: 'dims', body: { query: { knn: { vector: { vector: [1, 0], k: 1 } } } } }),
    );
    expect(query.statusCode).toBe(400);
    expect(query.body.error.reason).toBe('Query vector has invalid dimension: 2. Dimension should be: 3');
  });

  it('pages a filtered listing with sort and search_after, and filters _source', async () => {
    await createWithDocs('paged');
    const page = async (after?: (string | number)[]) =>
      (
        await client.search({
          index: 'paged',
          body: {
            size: 2,
            query: { bool: { filter: [{ exists: { field: 'year' } }] } },
            sort: [{ year: 'desc' }],
            _source: { excludes: ['vector'] },
            ...(after ? { search_after: after } : {}),
          },
        })
      ).body.hits.hits;
    const first = await page();
    expect(first.map((h) => h._source?.year)).toEqual([2026, 2024]);
    expect(first[0]?._source).not.toHaveProperty('vector');
    const second = await page(first[1]?.sort as (string | number)[]);
    expect(second.map((h) => h._source?.year)).toEqual([2022, 2020]);
  });

  it('answers the operations Serverless lacks as errors: delete by query, refresh', async () => {
    await createWithDocs('limits');
    const byQuery = await failure(
      client.deleteByQuery({ index: 'limits', body: { query: { term: { file_id: 'f1' } } } }),
    );
    expect(byQuery.statusCode).toBe(404);
    expect(byQuery.body.error.reason).toContain('not supported by OpenSearch Serverless');
    const refresh = await failure(
      client.bulk({ index: 'limits', refresh: true, body: [{ index: {} }, DOCS[0]!] }),
    );
    expect(refresh.body.error.reason).toBe('true refresh policy is not supported.');
  });

  it('needs SigV4 for service aoss', async () => {
    const unsigned = new Client({ node: `${emulator.url}/opensearch`, maxRetries: 0 });
    const es = signedClient('es');
    try {
      const missing = await failure(unsigned.indices.exists({ index: 'any' }));
      expect(missing.statusCode).toBe(403);
      const wrong = await failure(es.search({ index: 'any', body: {} }));
      expect(wrong.statusCode).toBe(403);
      expect(wrong.body.error.reason).toContain('"aoss"');
    } finally {
      await unsigned.close();
      await es.close();
    }
  });

  it('applies fault rules by operation and index', async () => {
    await createWithDocs('faulty');
    emulator.setFaults([
      { operation: 'opensearch.search', model: 'faulty', status: 429, retryAfterMs: 2000, count: 1 },
    ]);
    const throttled = await failure(client.search({ index: 'faulty', body: {} }));
    expect(throttled.statusCode).toBe(429);
    expect(throttled.body.error.type).toBe('too_many_requests');
    expect((await client.search({ index: 'faulty', body: {} })).body.hits.total).toEqual({
      value: 4,
      relation: 'eq',
    });
    expect(emulator.requests().byOperation['opensearch.search']).toBe(2);
  });
});
