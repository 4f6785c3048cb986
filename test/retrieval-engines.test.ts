import { randomUUID } from 'node:crypto';
import { AzureKeyCredential } from '@azure/search-documents';
import { createClient, type GenAiError } from '@genai-deploy/client';
import {
  azureSearchIndex,
  type Chunk,
  type ChunkTextStore,
  memoryChunkTextStore,
  memoryIndex,
  openSearchIndex,
  redisChunkTextStore,
  type VectorIndex,
  type VectorStoreFilter,
  vertexVectorSearchIndex,
} from '@genai-deploy/client/retrieval';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AWS_CREDENTIALS, emulatorProviders, failure } from './client.test-utils.js';

// One suite, every engine: the official clients against the emulator over real sockets, and the in-memory
// reference. The same input must give the same answers everywhere (ties aside, compared as sets).

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const DIMENSION = 4;

let emulator: Emulator;
let serial = 0;

function bearer(): OAuth2Client {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'test-token' });
  return auth;
}

interface EngineCase {
  readonly name: string;
  /** The emulator operation a search is counted as (none in memory). */
  readonly searchOperation?: string;
  /** Vertex restricts cannot express some filters: the index refuses them. */
  readonly restricts?: boolean;
  make(name: string, dimension: number): { index: VectorIndex; cleanup?: () => Promise<void> };
}

const vertexCase = (name: string, textStore: (prefix: string) => ChunkTextStore): EngineCase => ({
  name,
  searchOperation: 'vertex.findNeighbors',
  restricts: true,
  make(indexName, dimension) {
    const store = textStore(`test:retrieval:${randomUUID()}:`);
    const index = vertexVectorSearchIndex({
      project: 'test-project',
      location: 'us-central1',
      indexId: indexName,
      indexEndpointId: 'endpoint',
      // The emulator serves a deployed index from the index of the same id.
      deployedIndexId: indexName,
      apiEndpoint: emulator.url,
      authClient: bearer(),
      textStore: store,
      dimension,
    });
    return { index, cleanup: () => store.close() };
  },
});

const ENGINES: readonly EngineCase[] = [
  { name: 'memory', make: (_, dimension) => ({ index: memoryIndex({ dimension }) }) },
  {
    name: 'opensearch',
    searchOperation: 'opensearch.search',
    make: (indexName, dimension) => ({
      index: openSearchIndex({
        node: `${emulator.url}/opensearch`,
        region: 'us-east-1',
        credentials: AWS_CREDENTIALS,
        indexName,
        dimension,
      }),
    }),
  },
  vertexCase('vertex (memory text store)', () => memoryChunkTextStore()),
  vertexCase('vertex (Redis text store)', (keyPrefix) =>
    redisChunkTextStore({ redis: REDIS_URL, keyPrefix }),
  ),
  {
    name: 'azure',
    searchOperation: 'azure-search.search',
    make: (indexName, dimension) => ({
      index: azureSearchIndex({
        endpoint: emulator.url,
        indexName,
        credential: new AzureKeyCredential('test-key'),
        dimension,
      }),
    }),
  },
];

const CHUNKS: Chunk[] = [
  {
    id: 'c1',
    vectorStoreId: 's1',
    fileId: 'f1',
    filename: 'one.md',
    text: 'first',
    vector: [1, 0, 0, 0],
    attributes: { team: 'red', year: 2020, public: true },
  },
  {
    id: 'c2',
    vectorStoreId: 's1',
    fileId: 'f1',
    filename: 'one.md',
    text: 'second',
    vector: [0.9, 0.1, 0, 0],
    attributes: { team: 'blue', year: 2022, public: false },
  },
  {
    id: 'c3',
    vectorStoreId: 's1',
    fileId: 'f2',
    text: 'third',
    vector: [0, 2, 0, 0],
    attributes: { team: 'red', year: 2024 },
  },
  {
    id: 'c4',
    vectorStoreId: 's2',
    fileId: 'f3',
    text: 'fourth',
    vector: [1, 0, 0, 0],
    attributes: { team: 'red' },
  },
  // The string "2020" is not the number 2020.
  {
    id: 'c5',
    vectorStoreId: 's1',
    fileId: 'f2',
    text: 'fifth',
    vector: [0, 0, 1, 0],
    attributes: { year: '2020' },
  },
];

const X = [1, 0, 0, 0];

/** Filters, the chunks of store s1 they keep, and whether Vertex restricts can express them. */
const FILTER_CASES: readonly [string, VectorStoreFilter, string[], boolean?][] = [
  ['eq string', { type: 'eq', key: 'team', value: 'red' }, ['c1', 'c3']],
  ['eq number (not the string)', { type: 'eq', key: 'year', value: 2020 }, ['c1']],
  ['eq boolean', { type: 'eq', key: 'public', value: true }, ['c1']],
  ['ne string (keeps chunks without the key)', { type: 'ne', key: 'team', value: 'red' }, ['c2', 'c5']],
  ['gt', { type: 'gt', key: 'year', value: 2020 }, ['c2', 'c3']],
  ['gte', { type: 'gte', key: 'year', value: 2022 }, ['c2', 'c3']],
  ['lt', { type: 'lt', key: 'year', value: 2024 }, ['c1', 'c2']],
  ['lte', { type: 'lte', key: 'year', value: 2020 }, ['c1']],
  ['in strings', { type: 'in', key: 'team', value: ['red', 'blue'] }, ['c1', 'c2', 'c3']],
  ['in one number', { type: 'in', key: 'year', value: [2022] }, ['c2']],
  ['nin strings', { type: 'nin', key: 'team', value: ['red'] }, ['c2', 'c5']],
  [
    'and',
    {
      type: 'and',
      filters: [
        { type: 'eq', key: 'team', value: 'red' },
        { type: 'gte', key: 'year', value: 2022 },
      ],
    },
    ['c3'],
  ],
  [
    'or on one key',
    {
      type: 'or',
      filters: [
        { type: 'eq', key: 'team', value: 'blue' },
        { type: 'in', key: 'team', value: ['red'] },
      ],
    },
    ['c1', 'c2', 'c3'],
  ],
  [
    'or across keys',
    {
      type: 'or',
      filters: [
        { type: 'eq', key: 'team', value: 'blue' },
        { type: 'lt', key: 'year', value: 2021 },
      ],
    },
    ['c1', 'c2'],
    false,
  ],
  ['ne number', { type: 'ne', key: 'year', value: 2020 }, ['c2', 'c3', 'c5'], false],
  ['in numbers', { type: 'in', key: 'year', value: [2020, 2024] }, ['c1', 'c3'], false],
];

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

describe.each(ENGINES)('retrieval on $name', (engine) => {
  let index: VectorIndex;
  let cleanup: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    serial += 1;
    ({ index, cleanup } = engine.make(`chunks-${serial}`, DIMENSION));
    await index.ensureIndex();
    await index.ensureIndex();
    await index.upsert(CHUNKS);
  });
  afterEach(async () => {
    emulator.reset();
    await index.close();
    await cleanup?.();
  });

  const ids = async (
    vector: number[],
    k: number,
    options: Omit<Parameters<VectorIndex['search']>[1], 'k'> = {},
  ) => (await index.search(vector, { k, ...options })).map((h) => h.id);

  it('finds the nearest chunks by cosine, with their text, file and attributes', async () => {
    const hits = await index.search(X, { k: 2, vectorStoreIds: ['s1'] });
    expect(hits.map((h) => h.id)).toEqual(['c1', 'c2']);
    expect(hits[0]).toEqual({
      id: 'c1',
      vectorStoreId: 's1',
      fileId: 'f1',
      filename: 'one.md',
      text: 'first',
      score: expect.closeTo(1, 5),
      attributes: { team: 'red', year: 2020, public: true },
    });
    expect(hits[1]?.score).toBeCloseTo(0.9 / Math.hypot(0.9, 0.1), 5);
    expect((await index.search([0, 1, 0, 0], { k: 1, vectorStoreIds: ['s1'] }))[0]).toMatchObject({
      id: 'c3',
      filename: '',
    });
  });

  it('searches the stores asked for, or every store', async () => {
    expect(await ids(X, 5, { vectorStoreIds: ['s2'] })).toEqual(['c4']);
    expect(new Set(await ids(X, 2))).toEqual(new Set(['c1', 'c4']));
    expect(new Set(await ids(X, 10, { vectorStoreIds: ['s1', 's2'] }))).toEqual(
      new Set(['c1', 'c2', 'c3', 'c4', 'c5']),
    );
  });

  it.each(FILTER_CASES)('filters: %s', async (_, filter, expected, expressible = true) => {
    const search = index.search(X, { k: 10, filter, vectorStoreIds: ['s1'] });
    if (engine.restricts && !expressible) {
      const err = await failure(search);
      expect(err).toMatchObject({ kind: 'invalid-request', code: 'unsupported-filter' });
      expect(err.message).toContain('Vertex AI Vector Search cannot express');
      return;
    }
    expect(new Set((await search).map((h) => h.id))).toEqual(new Set(expected));
  });

  it('replaces a chunk upserted again under its id', async () => {
    await index.upsert([
      { ...CHUNKS[0]!, text: 'first, rewritten', vector: [0, 0, 0, 1], attributes: { team: 'green' } },
    ]);
    const [top] = await index.search([0, 0, 0, 1], { k: 1, vectorStoreIds: ['s1'] });
    expect(top).toMatchObject({ id: 'c1', text: 'first, rewritten', attributes: { team: 'green' } });
    expect(
      await ids(X, 10, { vectorStoreIds: ['s1'], filter: { type: 'eq', key: 'team', value: 'red' } }),
    ).toEqual(['c3']);
    expect((await ids([0, 0, 0, 1], 10)).filter((id) => id === 'c1')).toHaveLength(1);
  });

  it('deletes a file: its chunks leave the results, the others stay', async () => {
    expect(await index.deleteByFile('s1', 'f1')).toBe(2);
    expect(await ids(X, 10, { vectorStoreIds: ['s1'] })).not.toEqual(expect.arrayContaining(['c1']));
    expect(new Set(await ids(X, 10, { vectorStoreIds: ['s1'] }))).toEqual(new Set(['c3', 'c5']));
    expect(await index.deleteByFile('s1', 'f1')).toBe(0);
    expect(await ids(X, 10, { vectorStoreIds: ['s2'] })).toEqual(['c4']);
  });

  it('deletes a store', async () => {
    expect(await index.deleteStore('s1')).toBe(4);
    expect(await ids(X, 10, { vectorStoreIds: ['s1'] })).toEqual([]);
    expect(await ids(X, 10)).toEqual(['c4']);
  });

  it('refuses bad input before any network call, naming the field', async () => {
    const before = emulator.requests().total;
    await expect(index.search([1, 0, 0], { k: 1 })).rejects.toMatchObject({
      kind: 'invalid-request',
      message: expect.stringContaining('has 3 dimensions; the index has 4'),
    });
    await expect(index.search(X, { k: 0 })).rejects.toMatchObject({
      message: expect.stringContaining('invalid k'),
    });
    await expect(
      index.search(X, {
        k: 1,
        filter: { type: 'and', filters: [{ type: 'gt', key: 'year', value: '2020' }] } as never,
      }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('invalid filter.filters[0].value: got "2020"'),
    });
    await expect(index.upsert([{ ...CHUNKS[0]!, vector: [0, 0, 0, 0] }])).rejects.toMatchObject({
      message: expect.stringContaining('invalid chunks[0].vector'),
    });
    expect(emulator.requests().total).toBe(before);
  });

  it.skipIf(!engine.searchOperation)(
    'maps throttling to a retryable `throttled` GenAiError, the engine text in cause only',
    async () => {
      emulator.setFaults([
        { operation: engine.searchOperation, status: 429, retryAfterMs: 2000, message: 'ENGINE TEXT' },
      ]);
      const err = await failure(index.search(X, { k: 1 }));
      expect(err).toMatchObject({
        name: 'GenAiError',
        kind: 'throttled',
        retryable: true,
        status: 429,
        retryAfterMs: 2000,
      });
      expect(err.message).not.toContain('ENGINE TEXT');
      expect(String((err.cause as Error)?.message ?? JSON.stringify(err.cause))).toContain('ENGINE TEXT');
    },
  );

  it.skipIf(!engine.searchOperation)('maps refused credentials to `auth` with advice', async () => {
    emulator.setFaults([{ operation: engine.searchOperation, status: 403, message: 'ENGINE TEXT' }]);
    const err = await failure(index.search(X, { k: 1 }));
    expect(err).toMatchObject({ kind: 'auth', retryable: false, status: 403 });
    expect(err.message).toMatch(/failed \(HTTP 403, auth\)\. Check the/);
    expect(err.message).not.toContain('ENGINE TEXT');
  });
});

describe('retrieval credentials against the emulator', () => {
  it('OpenSearch: a request signed for another service is refused as `auth`', async () => {
    const index = openSearchIndex({
      node: `${emulator.url}/opensearch`,
      region: 'us-east-1',
      credentials: AWS_CREDENTIALS,
      indexName: 'wrong-service',
      dimension: 4,
      service: 'es',
    });
    const err = (await failure(index.ensureIndex())) as GenAiError;
    expect(err).toMatchObject({ kind: 'auth', status: 403 });
    expect(err.message).toContain("signed for service 'es'");
    expect(err.message).not.toContain('scoped to service');
    await index.close();
  });

  it('OpenSearch: an index made for another dimension is refused by ensureIndex', async () => {
    const make = (dimension: number) =>
      openSearchIndex({
        node: `${emulator.url}/opensearch`,
        region: 'us-east-1',
        credentials: AWS_CREDENTIALS,
        indexName: 'dims',
        dimension,
      });
    const a = make(4);
    await a.ensureIndex();
    const b = make(8);
    await expect(b.ensureIndex()).rejects.toMatchObject({
      code: 'index-mismatch',
      message: expect.stringContaining('dimension 4'),
    });
    await Promise.all([a.close(), b.close()]);
  });

  it('Vertex: an auth client without a token fails as `auth` without reaching the service', async () => {
    const index = vertexVectorSearchIndex({
      project: 'p',
      location: 'us-central1',
      indexId: 'i',
      indexEndpointId: 'e',
      deployedIndexId: 'i',
      apiEndpoint: emulator.url,
      authClient: new OAuth2Client(),
      textStore: memoryChunkTextStore(),
    });
    const before = emulator.requests().total;
    const err = await failure(index.search(X, { k: 1 }));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('failed (no credentials, auth). Check the credentials');
    expect(emulator.requests().total).toBe(before);
    await index.close();
  });
});

describe('retrieval with the emulator’s lexical embeddings', () => {
  const DOCS = [
    'Rotate the API keys every ninety days from the admin console.',
    'The cafeteria serves lunch from noon until two.',
    'Parking permits are renewed each January at the front desk.',
  ];

  it.each(ENGINES.map((e) => [e.name, e] as const))(
    '%s returns the passage that answers the question first',
    async (_, engine) => {
      const client = createClient({ providers: emulatorProviders(emulator.url), cache: false, retry: false });
      serial += 1;
      const { index, cleanup } = engine.make(`lexical-${serial}`, 256);
      try {
        await index.ensureIndex();
        const { embeddings } = await client.embed({
          model: 'azure/text-embedding-3-small',
          input: DOCS,
          dimensions: 256,
        });
        await index.upsert(
          DOCS.map((text, i) => ({
            id: `d${i}`,
            vectorStoreId: 'kb',
            fileId: `f${i}`,
            text,
            vector: embeddings[i]!,
          })),
        );
        const {
          embeddings: [question],
        } = await client.embed({
          model: 'azure/text-embedding-3-small',
          input: ['how often should API keys be rotated?'],
          dimensions: 256,
        });
        const hits = await index.search(question!, { k: 3, vectorStoreIds: ['kb'] });
        expect(hits[0]?.text).toBe(DOCS[0]);
        expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score + 0.2);
      } finally {
        await index.close();
        await cleanup?.();
        await client.close();
      }
    },
  );
});
