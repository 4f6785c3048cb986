/**
 * Issue 16: RAG on `npm start`'s stack. The emulator (zero latency, lexical embeddings, exact-cosine OpenSearch)
 * and the front run in this process, as `npm start` runs them; the official `openai` client drives the front over
 * HTTP.
 *
 * - Ingestion: 10,000 chunks (generated documents, static chunking of 100 tokens without overlap) uploaded and
 *   attached at once, then left to the front's background ingestion (its default bounds: 2 files at a time, 4
 *   batches of 64 chunks in flight per file). Reported: wall time from the first attachment to the last file
 *   completed, chunks/s, embedding calls and texts per call, OpenSearch bulk requests.
 * - Search at 10,000 chunks: 200 `vectorStores.search` calls (5 results) one after another, end to end (query
 *   embedding, k-NN over every chunk, HTTP), p50 and p95.
 * - Quality: the labelled corpus (test/fixtures/rag-corpus), as test/rag-quality.test.ts measures it.
 */
import { openSearchIndex } from '@genai-deploy/client/retrieval';
import { parseFrontConfig } from '@genai-deploy/config';
import { startEmulator } from '@genai-deploy/emulator';
import { createLogger, startFront } from '@genai-deploy/front';
import OpenAI, { toFile } from 'openai';
import { localClientOptions, localConfig } from '../../apps/local/src/platform.js';
import { chunkText } from '../../packages/front/src/vector-stores/chunking.js';
import { ingestCorpus, loadCorpus, scoreRetrieval } from '../rag-corpus.js';

const TARGET_CHUNKS = 10_000;
const PARAGRAPHS_PER_FILE = 100;
const CHUNKING = { maxChunkSizeTokens: 100, chunkOverlapTokens: 0 };
const SEARCHES = 200;
const KEY = 'sk-rag-bench';

const WORDS = (
  'river mountain harbour engine protein galaxy forest market violin glacier copper desert ' +
  'algorithm cathedral volcano orchard telescope bridge lantern compiler meadow satellite ' +
  'theorem ferment canyon battery harvest reactor compass monsoon lighthouse spindle quartz ' +
  'archive tunnel pollen vaccine turbine ledger prism tundra crater dialect enzyme beacon'
).split(' ');

/** A deterministic generator (mulberry32), so every run ingests the same text. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function paragraph(next: () => number): string {
  const words: string[] = [];
  while (words.join(' ').length < 300) words.push(WORDS[Math.floor(next() * WORDS.length)]!);
  return `${words.join(' ')}.`;
}

/** Documents whose chunks (as the front cuts them) add up to at least TARGET_CHUNKS. */
function documents(): { name: string; text: string; chunks: number }[] {
  const next = random(16);
  const docs: { name: string; text: string; chunks: number }[] = [];
  let total = 0;
  while (total < TARGET_CHUNKS) {
    const text = Array.from({ length: PARAGRAPHS_PER_FILE }, () => paragraph(next)).join('\n\n');
    const chunks = chunkText(text, CHUNKING).length;
    docs.push({ name: `doc-${docs.length}.txt`, text, chunks });
    total += chunks;
  }
  return docs;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

const emulator = await startEmulator({ port: 0 });
const local = localClientOptions();
const running = await startFront({
  config: parseFrontConfig({
    ...localConfig(emulator.url),
    limits: { requestsPerMinute: 1e9, tokensPerMinute: 1e12 },
  }),
  apiKeys: [KEY],
  clientOptions: {
    ...local,
    providers: { ...local.providers, azure: { endpoint: emulator.url, apiKey: 'k' } },
  },
  logger: createLogger({ level: 'silent' }),
});
const openai = new OpenAI({ apiKey: KEY, baseURL: `${running.url}/v1`, maxRetries: 0, timeout: 120_000 });

try {
  const docs = documents();
  const chunks = docs.reduce((n, d) => n + d.chunks, 0);
  const store = await openai.vectorStores.create({
    name: 'bench',
    chunking_strategy: {
      type: 'static',
      static: { max_chunk_size_tokens: CHUNKING.maxChunkSizeTokens, chunk_overlap_tokens: 0 },
    },
  });
  const files = [];
  for (const d of docs) {
    files.push(
      await openai.files.create({ file: await toFile(Buffer.from(d.text), d.name), purpose: 'assistants' }),
    );
  }
  const before = emulator.requests();
  const started = performance.now();
  for (const f of files) await openai.vectorStores.files.create(store.id, { file_id: f.id });
  for (;;) {
    const s = await openai.vectorStores.retrieve(store.id);
    if (s.file_counts.failed > 0) throw new Error(`${s.file_counts.failed} files failed`);
    if (s.file_counts.completed === files.length) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  const after = emulator.requests();
  const delta = (op: string) => (after.byOperation[op] ?? 0) - (before.byOperation[op] ?? 0);
  const embedCalls = delta('vertex.predict');
  const texts = (after.items['vertex.predict'] ?? 0) - (before.items['vertex.predict'] ?? 0);

  const next = random(7);
  const latencies: number[] = [];
  for (let i = 0; i < SEARCHES; i++) {
    const query = Array.from({ length: 6 }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
    const t = performance.now();
    const page = await openai.vectorStores.search(store.id, { query, max_num_results: 5 });
    latencies.push(performance.now() - t);
    if (page.data.length !== 5) throw new Error(`search returned ${page.data.length} results`);
  }

  // The engine's share: the same k-NN straight to the emulator's OpenSearch with the client's retrieval module.
  const index = openSearchIndex({
    node: `${emulator.url}/opensearch`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIALOCALEMULATOR', secretAccessKey: 'local-emulator-secret' },
    indexName: 'genai-chunks',
    dimension: 768,
  });
  const direct: number[] = [];
  for (let i = 0; i < 50; i++) {
    const vector = Array.from({ length: 768 }, () => next() - 0.5);
    const t = performance.now();
    await index.search(vector, { k: 5 });
    direct.push(performance.now() - t);
  }
  await index.close();

  const corpus = loadCorpus();
  const scores = await scoreRetrieval(openai, await ingestCorpus(openai, corpus), corpus);

  console.log(`## RAG: ingestion, search at 10,000 chunks, retrieval quality

\`npm start\`'s stack in one process: emulator at zero latency (lexical embeddings of \`vertex/text-embedding-005\`,
768 dimensions; OpenSearch data plane with exact cosine k-NN), the front's vector store API driven over HTTP by the
official \`openai\` client. Background ingestion with its default bounds (2 files at a time, 4 batches of 64 chunks
in flight per file).

| ingestion | |
| --- | ---: |
| files | ${files.length} |
| chunks (100 tokens, no overlap) | ${chunks.toLocaleString('en-US')} |
| wall time, first attachment to last file completed | ${seconds.toFixed(1)} s |
| chunks/s | ${Math.round(chunks / seconds)} |
| embedding calls (Vertex \`predict\`) | ${embedCalls} (${(texts / Math.max(1, embedCalls)).toFixed(1)} texts a call, ${texts} texts) |
| OpenSearch \`_bulk\` requests | ${delta('opensearch.bulk')} |

| search at ${chunks.toLocaleString('en-US')} chunks (${SEARCHES} queries, 5 results, end to end) | |
| --- | ---: |
| p50 | ${quantile(latencies, 0.5).toFixed(1)} ms |
| p95 | ${quantile(latencies, 0.95).toFixed(1)} ms |
| of which the emulator's k-NN (the same search sent straight to it, p50 of 50) | ${quantile(direct, 0.5).toFixed(1)} ms |

| retrieval quality, test/fixtures/rag-corpus (${corpus.docs.length} documents, ${scores.questions} questions) | |
| --- | ---: |
| recall@1 | ${scores.recallAt1.toFixed(3)} |
| recall@5 | ${scores.recallAt5.toFixed(3)} |
| MRR | ${scores.mrr.toFixed(3)} |

The emulator's OpenSearch scores every chunk exactly on each query (no HNSW graph): search time there grows
linearly with the chunks and is not what OpenSearch Serverless would take. The quality numbers are those of the
emulator's lexical embeddings (texts that share words are near): they check that chunking, embedding, indexing and
search fit together, not what a real embedding model would score.
test/rag-quality.test.ts asserts recall@5 and recall@1 on the same corpus.`);
} finally {
  await running.close();
  await emulator.close();
}
