/** GenAiDeployEmbeddings and GenAiDeployRetriever on the real client, against the emulator. */
import { memoryIndex } from '@genai-deploy/client/retrieval';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EMBED, startTestPlatform, type TestPlatform } from './emulator.test-utils.js';
import { GenAiDeployEmbeddings } from './genai-deploy-embeddings.js';
import { GenAiDeployRetriever } from './genai-deploy-retriever.js';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.close());
beforeEach(() => platform.emulator.reset());

describe.each(Object.entries(EMBED))('%s', (_provider, model) => {
  it('embedDocuments: one vector per text, in order, as the client embeds documents; embedQuery as a query', async () => {
    const embeddings = new GenAiDeployEmbeddings({ client: platform.client, model });
    const texts = ['the cat sat', 'stock prices fell'];
    const vectors = await embeddings.embedDocuments(texts);
    const direct = await platform.client.embed({ model, input: texts, inputType: 'document' });
    expect(vectors).toEqual(direct.embeddings);
    const query = await embeddings.embedQuery('the cat sat');
    const directQuery = await platform.client.embed({ model, input: ['the cat sat'], inputType: 'query' });
    expect(query).toEqual(directQuery.embeddings[0]);
    expect(await embeddings.embedDocuments([])).toEqual([]);
  });
});

describe('GenAiDeployRetriever', () => {
  it('finds the chunks nearest the query in a vector index, as Documents with scores, filtered', async () => {
    const embeddings = new GenAiDeployEmbeddings({ client: platform.client, model: EMBED.vertex });
    const index = memoryIndex();
    const corpus = [
      { text: 'Rotate API keys every 90 days.', team: 'security' },
      { text: 'Lunch is served from noon in the canteen.', team: 'facilities' },
      { text: 'Revoke API keys of people who leave at once.', team: 'security' },
    ];
    const vectors = await embeddings.embedDocuments(corpus.map((c) => c.text));
    await index.upsert(
      corpus.map((c, i) => ({
        id: `handbook:${i}`,
        vectorStoreId: 'vs_handbook',
        fileId: 'handbook',
        filename: 'handbook.md',
        text: c.text,
        vector: vectors[i]!,
        attributes: { team: c.team },
      })),
    );
    const retriever = new GenAiDeployRetriever({ index, embeddings, k: 2 });
    const docs = await retriever.invoke('How often do API keys rotate?');
    expect(docs).toHaveLength(2);
    expect(docs[0]?.pageContent).toBe('Rotate API keys every 90 days.');
    expect(docs[0]?.metadata).toMatchObject({
      fileId: 'handbook',
      filename: 'handbook.md',
      attributes: { team: 'security' },
    });
    expect(docs[0]!.metadata.score).toBeGreaterThan(docs[1]!.metadata.score);

    const filtered = new GenAiDeployRetriever({
      index,
      embeddings,
      k: 3,
      filter: { type: 'eq', key: 'team', value: 'facilities' },
    });
    expect((await filtered.invoke('API keys')).map((d) => d.pageContent)).toEqual([
      'Lunch is served from noon in the canteen.',
    ]);
    const strict = new GenAiDeployRetriever({ index, embeddings, k: 3, scoreThreshold: 0.99 });
    expect(await strict.invoke('How often do API keys rotate?')).toEqual([]);
  });
});
