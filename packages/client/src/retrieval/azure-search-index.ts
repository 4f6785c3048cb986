import type { KeyCredential, TokenCredential } from '@azure/core-auth';
import type { SearchClient, SearchIndex, SearchIndexClient } from '@azure/search-documents';
import { GenAiError } from '../index.js';
import {
  type AttributeEntry,
  attributeEntries,
  attributesOf,
  AZURE_FIELDS as F,
  quote,
  searchIn,
  toOData,
} from './azure-filter.js';
import { batches, type CheckedChunk, checkChunks, checkId, checkSearch } from './chunks.js';
import {
  type EngineErrorFacts,
  engineFailure,
  importEngineClient,
  invalidInput,
  isNetworkCode,
  retryAfterMs,
} from './retrieval-errors.js';
import type { SearchHit, SearchOptions, VectorIndex } from './types.js';

export interface AzureSearchIndexOptions {
  /** The search service endpoint, e.g. `https://<service>.search.windows.net` (http is allowed, e.g. the emulator). */
  readonly endpoint: string;
  readonly indexName: string;
  /** An `AzureKeyCredential` (admin key to create the index and write, query key to search) or a TokenCredential (RBAC). */
  readonly credential: KeyCredential | TokenCredential;
  /** Length of the embedding model's vectors. */
  readonly dimension: number;
  /** @default 'vector' */
  readonly vectorField?: string;
}

interface Doc {
  id: string;
  chunk_id: string;
  vector_store_id: string;
  file_id: string;
  filename?: string | null;
  text: string;
  attributes: AttributeEntry[];
  [vector: string]: unknown;
}

const PROFILE = 'genai-vector-profile';
const ALGORITHM = 'genai-hnsw';
const MAX_BATCH = 1000;
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const SELECT = [F.chunkId, F.vectorStoreId, F.fileId, F.filename, F.text, F.attributes];

function facts(e: unknown): EngineErrorFacts {
  const err = e as {
    statusCode?: unknown;
    code?: unknown;
    response?: { headers?: { get?(name: string): unknown } };
  };
  if (isNetworkCode(err?.code)) return { network: true };
  const retry = retryAfterMs(err?.response?.headers?.get?.('retry-after'));
  return {
    ...(typeof err?.statusCode === 'number' ? { status: err.statusCode } : {}),
    ...(typeof err?.code === 'string' ? { code: err.code } : {}),
    ...(retry !== undefined ? { retryAfterMs: retry } : {}),
  };
}

/** The document key of a chunk id: base64url, since keys allow only letters, digits, `_`, `-` and `=`. */
export function documentKey(chunkId: string): string {
  const key = Buffer.from(chunkId, 'utf8').toString('base64url');
  if (key.length > 1024)
    throw invalidInput(
      'chunk id',
      chunkId,
      'is too long for an Azure AI Search key (768 bytes of UTF-8 at most)',
    );
  return key;
}

function checkOptions(o: AzureSearchIndexOptions): void {
  if (typeof o?.endpoint !== 'string' || !/^https?:\/\//.test(o.endpoint))
    throw invalidInput(
      'azureSearchIndex endpoint',
      o?.endpoint,
      'must be the service URL, e.g. https://<service>.search.windows.net',
    );
  if (typeof o.indexName !== 'string' || !/^[a-z0-9][a-z0-9-]{0,126}[a-z0-9]$/.test(o.indexName))
    throw invalidInput(
      'azureSearchIndex indexName',
      o.indexName,
      'must be 2 to 128 lowercase letters, digits or dashes, starting and ending with a letter or digit',
    );
  if (!Number.isInteger(o.dimension) || o.dimension < 2 || o.dimension > 4096)
    throw invalidInput(
      'azureSearchIndex dimension',
      o.dimension,
      "must be a whole number from 2 to 4096 (the embedding model's vector length)",
    );
  if (typeof o.credential !== 'object' || o.credential === null)
    throw invalidInput(
      'azureSearchIndex credential',
      o.credential,
      'is required',
      'Pass new AzureKeyCredential(key) or a TokenCredential such as DefaultAzureCredential',
    );
}

/**
 * A VectorIndex on Azure AI Search through @azure/search-documents, loaded on first use: one index with a vector
 * field (HNSW, cosine), the chunk's store, file and text, and attributes as a filterable collection. Scores are
 * turned back from Azure's `1 / (2 - cos)` into cosine similarity.
 */
export function azureSearchIndex(options: AzureSearchIndexOptions): VectorIndex {
  checkOptions(options);
  return new AzureVectorIndex(options);
}

interface Clients {
  readonly search: SearchClient<Doc>;
  readonly indexes: SearchIndexClient;
}

class AzureVectorIndex implements VectorIndex {
  readonly engine = 'azure-ai-search' as const;
  private readonly vectorField: string;
  private clients: Promise<Clients> | undefined;

  constructor(private readonly options: AzureSearchIndexOptions) {
    this.vectorField = options.vectorField ?? 'vector';
  }

  private async load(): Promise<Clients> {
    const sdk = await importEngineClient(
      () => import('@azure/search-documents'),
      'azureSearchIndex',
      '@azure/search-documents',
    );
    const { endpoint, indexName, credential } = this.options;
    // The caller retries (errors say whether it helps); http only for a local endpoint such as the emulator.
    const clientOptions = {
      allowInsecureConnection: endpoint.startsWith('http://'),
      retryOptions: { maxRetries: 0 },
    };
    return {
      search: new sdk.SearchClient<Doc>(endpoint, indexName, credential, clientOptions),
      indexes: new sdk.SearchIndexClient(endpoint, credential, clientOptions),
    };
  }

  private async call<T>(action: string, run: (c: Clients) => Promise<T>): Promise<T> {
    this.clients ??= this.load().catch((e: unknown) => {
      this.clients = undefined;
      throw e;
    });
    const clients = await this.clients;
    try {
      return await run(clients);
    } catch (e) {
      throw engineFailure(`Azure AI Search ${action} in index '${this.options.indexName}'`, facts(e), e, {
        auth: 'Check the key (an admin key writes and creates indexes, a query key only searches) or, with Entra ID, the roles Search Index Data Contributor and Search Service Contributor',
        notFound: `Index '${this.options.indexName}' does not exist: call ensureIndex() first, or deploy the construct that creates it`,
      });
    }
  }

  private definition(): SearchIndex {
    const filterable = (name: string, type: 'Edm.String' | 'Edm.Double' | 'Edm.Boolean' = 'Edm.String') => ({
      name,
      type,
      filterable: true,
    });
    return {
      name: this.options.indexName,
      fields: [
        { name: F.key, type: 'Edm.String', key: true, filterable: true, sortable: true },
        filterable(F.chunkId),
        filterable(F.vectorStoreId),
        filterable(F.fileId),
        { name: F.filename, type: 'Edm.String', filterable: false },
        { name: F.text, type: 'Edm.String', searchable: true, filterable: false },
        {
          name: this.vectorField,
          type: 'Collection(Edm.Single)',
          searchable: true,
          hidden: true,
          vectorSearchDimensions: this.options.dimension,
          vectorSearchProfileName: PROFILE,
        },
        {
          name: F.attributes,
          type: 'Collection(Edm.ComplexType)',
          fields: [
            filterable('key'),
            filterable('s'),
            filterable('n', 'Edm.Double'),
            filterable('b', 'Edm.Boolean'),
          ],
        },
      ],
      vectorSearch: {
        algorithms: [
          {
            name: ALGORITHM,
            kind: 'hnsw',
            parameters: { metric: 'cosine', m: 4, efConstruction: 400, efSearch: 500 },
          },
        ],
        profiles: [{ name: PROFILE, algorithmConfigurationName: ALGORITHM }],
      },
    };
  }

  async ensureIndex(): Promise<void> {
    const existing = await this.call('index read', (c) => c.indexes.getIndex(this.options.indexName)).catch(
      (e: GenAiError) => {
        if (e.kind === 'not-found') return undefined;
        throw e;
      },
    );
    if (!existing) {
      await this.call('index creation', (c) => c.indexes.createOrUpdateIndex(this.definition()));
      return;
    }
    const field = existing.fields.find((f) => f.name === this.vectorField) as
      | { vectorSearchDimensions?: number }
      | undefined;
    if (field?.vectorSearchDimensions !== this.options.dimension)
      throw new GenAiError(
        `Azure AI Search index '${this.options.indexName}' has ${field ? `a vector field '${this.vectorField}' of dimension ${String(field.vectorSearchDimensions)}` : `no vector field '${this.vectorField}'`}; this index is configured for dimension ${this.options.dimension}. Fix: use another indexName, or the embedding model the index was made for`,
        { kind: 'invalid-request', code: 'index-mismatch' },
      );
  }

  private document(c: CheckedChunk): Doc {
    return {
      id: documentKey(c.id),
      chunk_id: c.id,
      vector_store_id: c.vectorStoreId,
      file_id: c.fileId,
      ...(c.filename !== undefined ? { filename: c.filename } : {}),
      text: c.text,
      attributes: attributeEntries(c.attributes),
      [this.vectorField]: c.unit,
    };
  }

  /** Throws when any action of a batch failed, with the counts; the per-document results go in `cause`. */
  private async batch(
    action: string,
    run: (c: Clients) => Promise<{ results: { succeeded: boolean; statusCode: number }[] }>,
  ): Promise<void> {
    const { results } = await this.call(action, run);
    const failed = results.filter((r) => !r.succeeded);
    if (failed.length === 0) return;
    throw engineFailure(
      `Azure AI Search ${action} in index '${this.options.indexName}' for ${failed.length} of ${results.length} documents`,
      { status: failed[0]!.statusCode },
      failed,
    );
  }

  async upsert(chunks: Parameters<VectorIndex['upsert']>[0]): Promise<void> {
    // Every document is built (and its key checked) before the first batch goes out.
    const docs = checkChunks(chunks, this.options.dimension).map((c) => this.document(c));
    const size = (d: Doc) => d.text.length + this.options.dimension * 12 + 256;
    for (const batch of batches(docs, MAX_BATCH, MAX_BATCH_BYTES, size))
      await this.batch(`upsert of ${batch.length} chunks`, (c) => c.search.uploadDocuments(batch));
  }

  async search(vector: readonly number[], opts: SearchOptions): Promise<SearchHit[]> {
    const { unit, k, filter, vectorStoreIds } = checkSearch(vector, opts, this.options.dimension);
    const clauses = [
      ...(vectorStoreIds ? [searchIn(F.vectorStoreId, vectorStoreIds)] : []),
      ...(filter ? [toOData(filter)] : []),
    ];
    const hits: SearchHit[] = [];
    await this.call('search', async (c) => {
      // No search text: with text (even '*') the service runs a hybrid query and fuses the scores.
      const response = await c.search.search(undefined, {
        ...(clauses.length > 0 ? { filter: clauses.join(' and ') } : {}),
        select: SELECT as never,
        top: k,
        vectorSearchOptions: {
          queries: [
            { kind: 'vector', vector: unit, fields: [this.vectorField] as never, kNearestNeighborsCount: k },
          ],
          filterMode: 'preFilter',
        },
      });
      for await (const r of response.results) {
        const d = r.document as Partial<Doc>;
        hits.push({
          id: String(d.chunk_id ?? ''),
          vectorStoreId: String(d.vector_store_id ?? ''),
          fileId: String(d.file_id ?? ''),
          filename: typeof d.filename === 'string' ? d.filename : '',
          text: typeof d.text === 'string' ? d.text : '',
          score: 2 - 1 / r.score,
          attributes: attributesOf(d.attributes),
        });
        if (hits.length >= k) break;
      }
    });
    return hits;
  }

  /** Keys of every document matching `filter`, paged by key (the service caps skip). */
  private async keys(filter: string): Promise<string[]> {
    const keys: string[] = [];
    for (;;) {
      const last = keys[keys.length - 1];
      const page = await this.call('listing', async (c) => {
        const response = await c.search.search(undefined, {
          filter: last === undefined ? filter : `${filter} and ${F.key} gt ${quote(last)}`,
          select: [F.key] as never,
          orderBy: [`${F.key} asc`],
          top: MAX_BATCH,
        });
        const out: string[] = [];
        for await (const r of response.results) out.push((r.document as Doc).id);
        return out;
      });
      keys.push(...page);
      if (page.length < MAX_BATCH) return keys;
    }
  }

  private async deleteMatching(action: string, filter: string): Promise<number> {
    const keys = await this.keys(filter);
    for (const batch of batches(keys, MAX_BATCH))
      await this.batch(action, (c) => c.search.deleteDocuments(F.key, batch));
    return keys.length;
  }

  async deleteByFile(vectorStoreId: string, fileId: string): Promise<number> {
    checkId(vectorStoreId, 'vectorStoreId');
    checkId(fileId, 'fileId');
    return this.deleteMatching(
      'file deletion',
      `${F.vectorStoreId} eq ${quote(vectorStoreId)} and ${F.fileId} eq ${quote(fileId)}`,
    );
  }

  async deleteStore(vectorStoreId: string): Promise<number> {
    checkId(vectorStoreId, 'vectorStoreId');
    return this.deleteMatching('store deletion', `${F.vectorStoreId} eq ${quote(vectorStoreId)}`);
  }

  async close(): Promise<void> {
    // The search clients hold no connection of their own (the shared HTTP agent closes with the process).
    this.clients = undefined;
  }
}
