/**
 * Issue 16, front: OpenAI's vector store API and grounded chat with the official `openai` client, unmodified,
 * against `npm start`'s platform (apps/local: the emulator's OpenSearch, lexical embeddings) over real sockets.
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '@genai-deploy/front';
import OpenAI, { NotFoundError, toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPlatform, startLocalPlatform } from '../apps/local/src/platform.js';

const KEY = `sk-e2e-${randomUUID()}`;
const OTHER_KEY = `sk-e2e-${randomUUID()}`;
let platform: LocalPlatform;
let openai: OpenAI;
let other: OpenAI;

beforeAll(async () => {
  platform = await startLocalPlatform({
    port: 0,
    emulatorPort: 0,
    apiKeys: [KEY, OTHER_KEY],
    front: { logger: createLogger({ level: 'silent' }) },
  });
  const client = (apiKey: string) =>
    new OpenAI({ apiKey, baseURL: `${platform.front.url}/v1`, maxRetries: 0, timeout: 20_000 });
  openai = client(KEY);
  other = client(OTHER_KEY);
});
afterAll(async () => {
  await platform?.close();
});

const HANDBOOK = `# Employee handbook

## Holidays
Every employee gets 27 days of paid holiday a year, plus public holidays. Unused days carry over until March.

## Expenses
Travel expenses are refunded within 14 days when the receipt is uploaded to the expenses portal.
`;
const RELEASE_NOTES = `Release notes, version 4.2

The export button now writes CSV and Parquet files. Dark mode follows the operating system setting.
`;

describe('the vector store API through the openai client', () => {
  it('creates a store, uploads and polls files, searches with and without filters, and deletes', async () => {
    const store = await openai.vectorStores.create({ name: 'company docs', metadata: { owner: 'hr' } });
    expect(store).toMatchObject({ object: 'vector_store', name: 'company docs', metadata: { owner: 'hr' } });

    const handbook = await openai.vectorStores.files.uploadAndPoll(
      store.id,
      await toFile(Buffer.from(HANDBOOK), 'handbook.md'),
      { pollIntervalMs: 50 },
    );
    expect(handbook.status).toBe('completed');
    expect(handbook.last_error).toBeNull();

    // The other way round: files.create, then attach with attributes and poll.
    const notes = await openai.files.create({
      file: await toFile(Buffer.from(RELEASE_NOTES), 'release-notes.txt'),
      purpose: 'assistants',
    });
    expect(notes).toMatchObject({ object: 'file', filename: 'release-notes.txt', purpose: 'assistants' });
    const attached = await openai.vectorStores.files.createAndPoll(store.id, {
      file_id: notes.id,
      attributes: { kind: 'release', version: 4.2 },
    });
    expect(attached).toMatchObject({ status: 'completed', attributes: { kind: 'release', version: 4.2 } });

    const counted = await openai.vectorStores.retrieve(store.id);
    expect(counted.file_counts).toEqual({ in_progress: 0, completed: 2, failed: 0, cancelled: 0, total: 2 });
    expect(counted.usage_bytes).toBeGreaterThan(0);
    const listed = [];
    for await (const f of openai.vectorStores.files.list(store.id)) listed.push(f.id);
    expect(listed.sort()).toEqual([handbook.id, notes.id].sort());

    const page = await openai.vectorStores.search(store.id, {
      query: 'How many days of paid holiday do I get?',
    });
    expect(page.data[0]).toMatchObject({ file_id: handbook.id, filename: 'handbook.md' });
    expect(page.data[0]!.content[0]!.text).toContain('27 days of paid holiday');

    const filtered = await openai.vectorStores.search(store.id, {
      query: 'How many days of paid holiday do I get?',
      filters: { type: 'eq', key: 'kind', value: 'release' },
      max_num_results: 5,
    });
    expect(filtered.data.map((d) => d.file_id)).toEqual([notes.id]);

    // Erasure: the detached file's chunks are gone from search.
    const detached = await openai.vectorStores.files.delete(handbook.id, { vector_store_id: store.id });
    expect(detached).toEqual({ id: handbook.id, object: 'vector_store.file.deleted', deleted: true });
    const after = await openai.vectorStores.search(store.id, { query: 'paid holiday days a year' });
    expect(after.data.map((d) => d.file_id)).not.toContain(handbook.id);
    expect(platform.emulator.requests().byOperation['opensearch.search']).toBeGreaterThan(0);

    expect(await openai.files.delete(notes.id)).toEqual({ id: notes.id, object: 'file', deleted: true });
    expect(await openai.vectorStores.delete(store.id)).toEqual({
      id: store.id,
      object: 'vector_store.deleted',
      deleted: true,
    });
    await expect(openai.vectorStores.retrieve(store.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("another key cannot see, search, attach or delete a key's store and files (404)", async () => {
    const store = await openai.vectorStores.create({ name: 'private' });
    const file = await openai.vectorStores.files.uploadAndPoll(
      store.id,
      await toFile(Buffer.from(HANDBOOK), 'handbook.md'),
      { pollIntervalMs: 50 },
    );
    const attempts = [
      () => other.vectorStores.retrieve(store.id),
      () => other.vectorStores.search(store.id, { query: 'holiday' }),
      () => other.vectorStores.files.retrieve(file.id, { vector_store_id: store.id }),
      () => other.vectorStores.files.delete(file.id, { vector_store_id: store.id }),
      () => other.vectorStores.delete(store.id),
      () => other.files.retrieve(file.id),
      () => other.files.delete(file.id),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(NotFoundError);
    const theirs = await other.vectorStores.create({ name: 'theirs' });
    await expect(other.vectorStores.files.create(theirs.id, { file_id: file.id })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect((await other.vectorStores.list()).data.map((s) => s.id)).toEqual([theirs.id]);
    // Still there for its owner.
    expect((await openai.vectorStores.search(store.id, { query: 'holiday' })).data.length).toBeGreaterThan(0);
  });
});

describe('grounded chat through the openai client', () => {
  it('returns the chunks it used as sources, in a completion and in a stream', async () => {
    const store = await openai.vectorStores.create({ name: 'handbook' });
    const file = await openai.vectorStores.files.uploadAndPoll(
      store.id,
      await toFile(Buffer.from(HANDBOOK), 'handbook.md'),
      { pollIntervalMs: 50 },
    );
    const body = {
      model: 'chat',
      messages: [{ role: 'user' as const, content: 'How many days of paid holiday do employees get?' }],
      vector_store_ids: [store.id],
    };
    // The extension field goes through the client as any extra body field does.
    const completion = (await openai.chat.completions.create(body as never)) as unknown as {
      choices: { message: { content: string } }[];
      sources: { file_id: string; filename: string; content: { text: string }[] }[];
    };
    expect(completion.choices[0]!.message.content.length).toBeGreaterThan(0);
    expect(completion.sources[0]).toMatchObject({ file_id: file.id, filename: 'handbook.md' });
    expect(completion.sources[0]!.content[0]!.text).toContain('27 days of paid holiday');

    const stream = await openai.chat.completions.create({ ...body, stream: true } as never);
    const chunks: { sources?: { file_id: string }[] }[] = [];
    for await (const chunk of stream as unknown as AsyncIterable<{ sources?: { file_id: string }[] }>)
      chunks.push(chunk);
    expect(chunks.at(-1)!.sources![0]!.file_id).toBe(file.id);
    expect(chunks.filter((c) => c.sources)).toHaveLength(1);
  });
});
