import { randomUUID } from 'node:crypto';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { GenAiError } from '../index.js';
import { approxBytes, batches, type CheckedChunk, checkChunks, checkId, checkSearch } from './chunks.js';
import {
  attributeMapping,
  FIELDS,
  type Query,
  toOpenSearchQuery,
  typedAttributes,
} from './opensearch-filter.js';
import {
  type EngineErrorFacts,
  engineFailure,
  importEngineClient,
  invalidInput,
  isNetworkCode,
  retryAfterMs,
} from './retrieval-errors.js';
import type { Attributes, SearchHit, SearchOptions, VectorIndex } from './types.js';

export type OpenSearchSpace = 'innerproduct' | 'l2' | 'cosinesimil';

export interface OpenSearchIndexOptions {
  /** The collection (or domain) endpoint, e.g. `https://abc123.us-east-1.aoss.amazonaws.com`; a path prefix is kept. */
  readonly node: string;
  readonly region: string;
  /** @default - the AWS SDK's default chain (@aws-sdk/credential-provider-node: environment, profile, SSO, IMDS, ...) */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly indexName: string;
  /** Length of the embedding model's vectors. */
  readonly dimension: number;
  /** @default 'vector' */
  readonly vectorField?: string;
  /** @default 'text' */
  readonly textField?: string;
  /** Space of the k-NN field when this module creates the index (vectors are unit length: each ranks by cosine). @default 'innerproduct' */
  readonly spaceType?: OpenSearchSpace;
  /** @default 'faiss' (the engine Serverless recommends) */
  readonly engine?: 'faiss' | 'lucene' | 'nmslib';
  /** SigV4 service: 'aoss' for Serverless, 'es' for a managed domain. @default 'aoss' */
  readonly service?: 'aoss' | 'es';
  /** Per request. @default 30000 */
  readonly requestTimeoutMs?: number;
}

/** The methods used, typed loosely: request bodies are built here, responses read defensively. */
interface OsClient {
  indices: {
    exists(p: { index: string }): Promise<{ body: boolean }>;
    create(p: { index: string; body: unknown }): Promise<unknown>;
    getMapping(p: { index: string }): Promise<{
      body: Record<string, { mappings?: { properties?: Record<string, Record<string, unknown>> } }>;
    }>;
  };
  bulk(p: { body: unknown[] }): Promise<{ body: BulkResponse }>;
  search(p: { index: string; body: unknown }): Promise<{ body: SearchResponse }>;
  close(): Promise<void>;
}

interface BulkItem {
  readonly status?: number;
  readonly result?: string;
  readonly error?: { type?: string };
}
interface BulkResponse {
  readonly errors?: boolean;
  readonly items?: readonly Record<string, BulkItem>[];
}
interface SearchResponse {
  readonly hits?: {
    hits?: readonly {
      _id: string;
      _score?: number | null;
      _source?: Record<string, unknown>;
      sort?: unknown[];
    }[];
  };
}

const PAGE = 1000;
const MAX_BULK_BYTES = 5 * 1024 * 1024;

/** Cosine similarity from OpenSearch's score of unit vectors, per space type. */
export function cosineFromScore(space: string, score: number): number {
  if (space === 'cosinesimil') return 2 * score - 1;
  if (space === 'l2') return 1 - (1 / score - 1) / 2;
  return score >= 1 ? score - 1 : 1 - 1 / score;
}

function facts(e: unknown): EngineErrorFacts {
  const err = e as {
    name?: string;
    code?: string;
    meta?: { statusCode?: number; headers?: Record<string, unknown>; body?: unknown };
  };
  if (err?.name === 'TimeoutError') return { timeout: true };
  if (err?.name === 'ConnectionError' || err?.name === 'NoLivingConnectionsError' || isNetworkCode(err?.code))
    return { network: true };
  const body = err?.meta?.body as { error?: { type?: unknown } } | undefined;
  const type = body?.error?.type;
  return {
    ...(typeof err?.meta?.statusCode === 'number' ? { status: err.meta.statusCode } : {}),
    ...(typeof type === 'string' ? { code: type } : {}),
    ...(retryAfterMs(err?.meta?.headers?.['retry-after']) !== undefined
      ? { retryAfterMs: retryAfterMs(err?.meta?.headers?.['retry-after']) }
      : {}),
  };
}

function checkOptions(o: OpenSearchIndexOptions): void {
  if (typeof o?.node !== 'string' || !/^https?:\/\//.test(o.node))
    throw invalidInput(
      'openSearchIndex node',
      o?.node,
      'must be an http(s) URL of the collection endpoint',
      'Use the collection endpoint, e.g. https://<id>.<region>.aoss.amazonaws.com',
    );
  if (typeof o.region !== 'string' || o.region === '')
    throw invalidInput('openSearchIndex region', o.region, 'must be an AWS region such as us-east-1');
  if (typeof o.indexName !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(o.indexName))
    throw invalidInput(
      'openSearchIndex indexName',
      o.indexName,
      'must be a lowercase index name (letters, digits, . _ -; not starting with _ or -)',
    );
  if (!Number.isInteger(o.dimension) || o.dimension < 1 || o.dimension > 16_000)
    throw invalidInput(
      'openSearchIndex dimension',
      o.dimension,
      "must be a whole number from 1 to 16000 (the embedding model's vector length)",
    );
}

/**
 * A VectorIndex on Amazon OpenSearch Serverless (a vector search collection) or an OpenSearch domain, through
 * @opensearch-project/opensearch with SigV4, loaded on first use. Written for Serverless' limits: documents get
 * server-assigned ids (a vector collection rejects client ids), so the chunk id is a field, an upsert deletes the
 * previous copies of its ids first, and deletions list ids with a paged search (`search_after`, no scroll) then
 * bulk-delete them (no `_delete_by_query`). Serverless makes writes searchable after a few seconds.
 */
export function openSearchIndex(options: OpenSearchIndexOptions): VectorIndex {
  checkOptions(options);
  return new OpenSearchVectorIndex(options);
}

async function loadClient(options: OpenSearchIndexOptions, service: string): Promise<OsClient> {
  const [{ Client }, { AwsSigv4Signer }] = await importEngineClient(
    () =>
      Promise.all([
        import('@opensearch-project/opensearch'),
        import('@opensearch-project/opensearch/aws-v3'),
      ]),
    'openSearchIndex',
    '@opensearch-project/opensearch',
  );
  const creds = options.credentials;
  const getCredentials =
    creds === undefined ? undefined : typeof creds === 'function' ? () => creds() : async () => creds;
  return new Client({
    ...AwsSigv4Signer({
      region: options.region,
      service: service as 'aoss',
      ...(getCredentials ? { getCredentials: getCredentials as never } : {}),
    }),
    node: options.node,
    // Callers retry (the errors say whether it helps); the client's own retries would hide throttling.
    maxRetries: 0,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
  }) as unknown as OsClient;
}

class OpenSearchVectorIndex implements VectorIndex {
  readonly engine = 'opensearch' as const;
  private readonly index: string;
  private readonly vectorField: string;
  private readonly textField: string;
  private readonly service: string;
  /** The k-NN field's space: as configured, then as read from the index by ensureIndex. */
  private space: string;
  private readonly hints: { auth: string; notFound: string };
  private client: Promise<OsClient> | undefined;

  constructor(private readonly options: OpenSearchIndexOptions) {
    this.index = options.indexName;
    this.vectorField = options.vectorField ?? 'vector';
    this.textField = options.textField ?? 'text';
    this.service = options.service ?? 'aoss';
    this.space = options.spaceType ?? 'innerproduct';
    this.hints = {
      auth: `Check the credentials and grant the caller's IAM principal a data access policy on index/<collection>/${this.index} (aoss:ReadDocument, aoss:WriteDocument, aoss:CreateIndex, aoss:DescribeIndex) and aoss:APIAccessAll on the collection; requests are signed for service '${this.service}' in ${options.region}`,
      notFound: `Index '${this.index}' does not exist: call ensureIndex() first, or deploy the construct that creates it`,
    };
  }

  private async call<T>(action: string, run: (c: OsClient) => Promise<T>): Promise<T> {
    this.client ??= loadClient(this.options, this.service).catch((e: unknown) => {
      this.client = undefined;
      throw e;
    });
    const c = await this.client;
    try {
      return await run(c);
    } catch (e) {
      throw engineFailure(`OpenSearch ${action} in index '${this.index}'`, facts(e), e, this.hints);
    }
  }

  /** The `_id`s of every document matching `query`, paged by the per-document uid. */
  private async listIds(query: Query): Promise<string[]> {
    const ids: string[] = [];
    let after: unknown[] | undefined;
    for (;;) {
      const body = {
        size: PAGE,
        _source: false,
        query,
        sort: [{ [FIELDS.uid]: 'asc' }],
        ...(after ? { search_after: after } : {}),
      };
      const res = await this.call('listing', (c) => c.search({ index: this.index, body }));
      const hits = res.body.hits?.hits ?? [];
      for (const h of hits) ids.push(h._id);
      if (hits.length < PAGE) return ids;
      after = hits[hits.length - 1]?.sort;
    }
  }

  private async bulk(action: string, body: unknown[]): Promise<BulkItem[]> {
    const res = await this.call(action, (c) => c.bulk({ body }));
    const items = (res.body.items ?? []).map((item) => Object.values(item)[0] ?? {});
    // A delete of a document already gone is a 404 without an error: not a failure.
    const failed = items.filter((i) => i.error !== undefined);
    if (failed.length === 0) return items;
    const first = failed[0]!;
    throw engineFailure(
      `OpenSearch ${action} in index '${this.index}' for ${failed.length} of ${items.length} documents`,
      {
        ...(first.status !== undefined ? { status: first.status } : {}),
        ...(first.error?.type ? { code: first.error.type } : {}),
      },
      failed,
      this.hints,
    );
  }

  private async deleteMatching(action: string, query: Query): Promise<number> {
    const ids = await this.listIds(query);
    let deleted = 0;
    for (const batch of batches(ids, PAGE)) {
      const items = await this.bulk(
        action,
        batch.map((id) => ({ delete: { _index: this.index, _id: id } })),
      );
      deleted += items.filter((i) => i.result === 'deleted').length;
    }
    return deleted;
  }

  private document(c: CheckedChunk) {
    return {
      [this.vectorField]: c.unit,
      [this.textField]: c.text,
      [FIELDS.chunkId]: c.id,
      [FIELDS.vectorStoreId]: c.vectorStoreId,
      [FIELDS.fileId]: c.fileId,
      ...(c.filename !== undefined ? { [FIELDS.filename]: c.filename } : {}),
      [FIELDS.uid]: randomUUID(),
      [FIELDS.attributes]: c.attributes,
      ...typedAttributes(c.attributes),
    };
  }

  private mapping() {
    const { properties, dynamic_templates } = attributeMapping();
    const method = {
      name: 'hnsw',
      engine: this.options.engine ?? 'faiss',
      space_type: this.space,
      parameters: { m: 16, ef_construction: 512 },
    };
    return {
      settings: { index: { knn: true } },
      mappings: {
        dynamic_templates,
        properties: {
          ...properties,
          [this.vectorField]: { type: 'knn_vector', dimension: this.options.dimension, method },
          [this.textField]: { type: 'text' },
        },
      },
    };
  }

  async ensureIndex(): Promise<void> {
    const exists = await this.call('existence check', (c) => c.indices.exists({ index: this.index }));
    if (!exists.body)
      await this.call('index creation', (c) =>
        c.indices.create({ index: this.index, body: this.mapping() }),
      ).catch((e: GenAiError) => {
        // Another instance created it first: fine, the mapping check below decides.
        if (e.code !== 'resource_already_exists_exception') throw e;
      });
    const { body } = await this.call('mapping read', (c) => c.indices.getMapping({ index: this.index }));
    const field = body[this.index]?.mappings?.properties?.[this.vectorField];
    if (field?.type !== 'knn_vector' || field.dimension !== this.options.dimension)
      throw new GenAiError(
        `OpenSearch index '${this.index}' has ${field?.type === 'knn_vector' ? `a knn_vector field '${this.vectorField}' of dimension ${String(field.dimension)}` : `no knn_vector field '${this.vectorField}'`}; this index is configured for dimension ${this.options.dimension}. Fix: use another indexName, or the embedding model the index was made for`,
        { kind: 'invalid-request', code: 'index-mismatch' },
      );
    const method = (field.method ?? {}) as { space_type?: unknown };
    this.space = String(field.space_type ?? method.space_type ?? 'l2');
  }

  async upsert(chunks: Parameters<VectorIndex['upsert']>[0]): Promise<void> {
    const checked = checkChunks(chunks, this.options.dimension);
    for (const batch of batches(checked, 500, MAX_BULK_BYTES, approxBytes)) {
      const previous = await this.listIds({ terms: { [FIELDS.chunkId]: batch.map((c) => c.id) } });
      await this.bulk(`upsert of ${batch.length} chunks`, [
        ...previous.map((id) => ({ delete: { _index: this.index, _id: id } })),
        ...batch.flatMap((c) => [{ index: { _index: this.index } }, this.document(c)]),
      ]);
    }
  }

  async search(vector: readonly number[], opts: SearchOptions): Promise<SearchHit[]> {
    const { unit, k, filter, vectorStoreIds } = checkSearch(vector, opts, this.options.dimension);
    const filters: Query[] = [];
    if (vectorStoreIds) filters.push({ terms: { [FIELDS.vectorStoreId]: vectorStoreIds } });
    if (filter) filters.push(toOpenSearchQuery(filter));
    const knn = {
      vector: unit,
      k,
      ...(filters.length > 0
        ? { filter: filters.length === 1 ? filters[0] : { bool: { filter: filters } } }
        : {}),
    };
    const body = {
      size: k,
      _source: { excludes: [this.vectorField, FIELDS.uid, 'attr_s', 'attr_n', 'attr_b'] },
      query: { knn: { [this.vectorField]: knn } },
    };
    const res = await this.call('search', (c) => c.search({ index: this.index, body }));
    return (res.body.hits?.hits ?? []).map((h) => this.hit(h._source ?? {}, h._id, h._score ?? 0));
  }

  private hit(s: Record<string, unknown>, id: string, score: number): SearchHit {
    const text = s[this.textField];
    const filename = s[FIELDS.filename];
    return {
      id: String(s[FIELDS.chunkId] ?? id),
      vectorStoreId: String(s[FIELDS.vectorStoreId] ?? ''),
      fileId: String(s[FIELDS.fileId] ?? ''),
      filename: typeof filename === 'string' ? filename : '',
      text: typeof text === 'string' ? text : '',
      score: cosineFromScore(this.space, score),
      attributes: (s[FIELDS.attributes] ?? {}) as Attributes,
    };
  }

  async deleteByFile(vectorStoreId: string, fileId: string): Promise<number> {
    checkId(vectorStoreId, 'vectorStoreId');
    checkId(fileId, 'fileId');
    const query = {
      bool: {
        filter: [{ term: { [FIELDS.vectorStoreId]: vectorStoreId } }, { term: { [FIELDS.fileId]: fileId } }],
      },
    };
    return this.deleteMatching('file deletion', query);
  }

  async deleteStore(vectorStoreId: string): Promise<number> {
    checkId(vectorStoreId, 'vectorStoreId');
    return this.deleteMatching('store deletion', { term: { [FIELDS.vectorStoreId]: vectorStoreId } });
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await (await c.catch(() => undefined))?.close();
  }
}
