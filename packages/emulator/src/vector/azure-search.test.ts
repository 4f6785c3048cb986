import {
  AzureKeyCredential,
  SearchClient,
  type SearchIndex,
  SearchIndexClient,
} from '@azure/search-documents';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../index.js';

interface Doc {
  id: string;
  text?: string;
  year?: number;
  vector?: number[];
  attributes?: { key: string; s?: string; n?: number }[];
}

let emulator: Emulator;
let indexClient: SearchIndexClient;

// The emulator speaks http; the official client refuses that unless told, and retries nothing in tests.
const CLIENT_OPTIONS = { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } };
const searchClient = (index: string) =>
  new SearchClient<Doc>(emulator.url, index, new AzureKeyCredential('test-key'), CLIENT_OPTIONS);

const definition = (name: string): SearchIndex => ({
  name,
  fields: [
    { name: 'id', type: 'Edm.String', key: true, filterable: true, sortable: true },
    { name: 'text', type: 'Edm.String', searchable: true, filterable: false },
    { name: 'year', type: 'Edm.Int32', filterable: true, sortable: true },
    {
      name: 'vector',
      type: 'Collection(Edm.Single)',
      searchable: true,
      vectorSearchDimensions: 3,
      vectorSearchProfileName: 'default',
    },
    {
      name: 'attributes',
      type: 'Collection(Edm.ComplexType)',
      fields: [
        { name: 'key', type: 'Edm.String', filterable: true },
        { name: 's', type: 'Edm.String', filterable: true },
        { name: 'n', type: 'Edm.Double', filterable: true },
      ],
    },
  ],
  vectorSearch: {
    algorithms: [{ name: 'hnsw', kind: 'hnsw', parameters: { metric: 'cosine' } }],
    profiles: [{ name: 'default', algorithmConfigurationName: 'hnsw' }],
  },
});

const DOCS: Doc[] = [
  { id: 'x', text: 'x axis', year: 2020, vector: [2, 0, 0], attributes: [{ key: 'team', s: 'red' }] },
  {
    id: 'mostly-x',
    text: 'mostly x',
    year: 2022,
    vector: [0.8, 0.6, 0],
    attributes: [{ key: 'score', n: 7 }],
  },
  { id: 'y', text: 'y axis', year: 2024, vector: [0, 1, 0], attributes: [{ key: 'team', s: 'blue' }] },
  { id: 'z', text: 'z axis', year: 2026, vector: [0, 0, 1] },
];

async function withDocs(name: string): Promise<SearchClient<Doc>> {
  await indexClient.createOrUpdateIndex(definition(name));
  const client = searchClient(name);
  await client.uploadDocuments(DOCS);
  return client;
}

async function nearest(
  client: SearchClient<Doc>,
  vector: number[],
  options: { filter?: string; k?: number } = {},
) {
  const response = await client.search('*', {
    ...(options.filter ? { filter: options.filter } : {}),
    select: ['id'],
    vectorSearchOptions: {
      queries: [{ kind: 'vector', vector, fields: ['vector'], kNearestNeighborsCount: options.k ?? 10 }],
    },
  });
  const hits: { id: string; score: number }[] = [];
  for await (const r of response.results) hits.push({ id: r.document.id, score: r.score });
  return hits;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as { statusCode: number; message: string },
  );

beforeAll(async () => {
  emulator = await startEmulator();
  indexClient = new SearchIndexClient(emulator.url, new AzureKeyCredential('test-key'), CLIENT_OPTIONS);
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

describe('Azure AI Search through @azure/search-documents', () => {
  it('creates, reads, extends and deletes an index; refuses to change a field', async () => {
    const created = await indexClient.createOrUpdateIndex(definition('lifecycle'));
    expect(created.fields.map((f) => f.name)).toEqual(['id', 'text', 'year', 'vector', 'attributes']);
    const read = await indexClient.getIndex('lifecycle');
    expect(read.fields.find((f) => f.name === 'vector')).toMatchObject({ vectorSearchDimensions: 3 });
    const extended = definition('lifecycle');
    extended.fields.push({ name: 'filename', type: 'Edm.String' });
    await indexClient.createOrUpdateIndex(extended);
    const changed = definition('lifecycle');
    changed.fields[2] = { name: 'year', type: 'Edm.String' };
    expect((await failure(indexClient.createOrUpdateIndex(changed))).statusCode).toBe(400);
    await indexClient.deleteIndex('lifecycle');
    expect((await failure(indexClient.getIndex('lifecycle'))).statusCode).toBe(404);
    expect(emulator.requests().byOperation).toMatchObject({
      'azure-search.createOrUpdateIndex': 3,
      'azure-search.getIndex': 2,
      'azure-search.deleteIndex': 1,
    });
  });

  it('ranks by exact cosine with Azure scores, 1 / (2 - cos), top k', async () => {
    const client = await withDocs('ranked');
    const hits = await nearest(client, [1, 0.1, 0], { k: 2 });
    expect(hits.map((h) => h.id)).toEqual(['x', 'mostly-x']);
    const cos = 1 / Math.hypot(1, 0.1);
    expect(hits[0]?.score).toBeCloseTo(1 / (2 - cos), 9);
  });

  it('pre-filters vector queries with OData on fields and complex collections', async () => {
    const client = await withDocs('filtered');
    const ids = async (filter: string) =>
      (await nearest(client, [1, 0, 0], { filter, k: 2 })).map((h) => h.id);
    expect(await ids('year ge 2024')).toEqual(['y', 'z']);
    expect(await ids("attributes/any(a: a/key eq 'team' and a/s eq 'blue')")).toEqual(['y']);
    expect(await ids("attributes/any(a: a/key eq 'score' and a/n gt 5) or id eq 'z'")).toEqual([
      'mostly-x',
      'z',
    ]);
    expect(await ids("not attributes/any(a: a/key eq 'team') and search.in(id, 'x,z,mostly-x')")).toEqual([
      'mostly-x',
      'z',
    ]);
    const bad = await failure(nearest(client, [1, 0, 0], { filter: "text eq 'x axis'" }));
    expect(bad.statusCode).toBe(400);
    expect(bad.message).toContain("The field 'text' is not filterable");
  });

  it('uploads, merges, deletes, counts and gets documents; pages a filtered listing', async () => {
    const client = await withDocs('docs');
    await client.mergeDocuments([{ id: 'y', year: 2030 }]);
    await client.mergeOrUploadDocuments([{ id: 'w', text: 'new', vector: [1, 1, 1] }]);
    await client.deleteDocuments('id', ['x']);
    expect(await client.getDocumentsCount()).toBe(4);
    expect(await client.getDocument('y')).toMatchObject({ id: 'y', text: 'y axis', year: 2030 });
    const merged = await client.mergeDocuments([
      { id: 'missing', year: 1 },
      { id: 'z', year: 2027 },
    ]);
    expect(merged.results.map((r) => [r.key, r.succeeded, r.statusCode])).toEqual([
      ['missing', false, 404],
      ['z', true, 200],
    ]);
    const page = await client.search('*', {
      filter: 'year ge 2022',
      select: ['id'],
      orderBy: ['id desc'],
      top: 2,
      skip: 1,
      includeTotalCount: true,
    });
    const ids: string[] = [];
    for await (const r of page.results) ids.push(r.document.id);
    expect(page.count).toBe(3);
    expect(ids).toEqual(['y', 'mostly-x']);
  });

  it('rejects a vector of the wrong dimension and an unknown field, for the whole batch', async () => {
    const client = await withDocs('schema');
    const dims = await failure(client.uploadDocuments([{ id: 'v', vector: [1, 2] }]));
    expect(dims.statusCode).toBe(400);
    expect(dims.message).toContain("Expected: '3'. Actual: '2'");
    const unknown = await failure(client.uploadDocuments([{ id: 'u', colour: 'red' } as Doc]));
    expect(unknown.message).toContain("The property 'colour' does not exist");
  });

  it('needs an api-key or a Bearer token, and the api-version', async () => {
    const url = `${emulator.url}/indexes('ranked')/docs/$count?api-version=2026-04-01`;
    expect((await fetch(url)).status).toBe(401);
    await withDocs('auth');
    const authUrl = `${emulator.url}/indexes('auth')/docs/$count`;
    expect(
      await (
        await fetch(`${authUrl}?api-version=2026-04-01`, { headers: { authorization: 'Bearer t' } })
      ).text(),
    ).toBe('4');
    expect((await fetch(authUrl, { headers: { 'api-key': 'k' } })).status).toBe(400);
  });

  it('applies fault rules by operation and index', async () => {
    const client = await withDocs('faulty');
    emulator.setFaults([{ operation: 'azure-search.search', model: 'faulty', status: 503, count: 1 }]);
    expect((await failure(nearest(client, [1, 0, 0]))).statusCode).toBe(503);
    expect(await nearest(client, [1, 0, 0], { k: 1 })).toHaveLength(1);
  });
});
