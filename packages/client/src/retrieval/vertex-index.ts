import type { v1 } from '@google-cloud/aiplatform';
import type { AuthClient } from 'google-auth-library';
import type { ChunkTextStore } from './chunk-text-store.js';
import { approxBytes, batches, checkChunks, checkId, checkSearch } from './chunks.js';
import {
  type EngineErrorFacts,
  engineFailure,
  importEngineClient,
  invalidInput,
  isNetworkCode,
} from './retrieval-errors.js';
import type { SearchHit, SearchOptions, VectorIndex } from './types.js';
import { datapointRestricts, queryRestricts } from './vertex-filter.js';

export interface VertexVectorSearchIndexOptions {
  readonly project: string;
  readonly location: string;
  /** The stream-update index chunks are upserted into. */
  readonly indexId: string;
  readonly indexEndpointId: string;
  /** The id the index is deployed under on the endpoint. */
  readonly deployedIndexId: string;
  /**
   * Where upserts and removals go (IndexService): an http(s) URL, e.g. the emulator's, or a host.
   * @default `{location}-aiplatform.googleapis.com`
   */
  readonly apiEndpoint?: string;
  /**
   * Where searches go (MatchService): for a public index endpoint, its `publicEndpointDomainName`
   * (`<n>.<location>-<project number>.vdb.vertexai.goog`); a URL or a host.
   * @default apiEndpoint
   */
  readonly matchEndpoint?: string;
  /** @default - Application Default Credentials */
  readonly authClient?: AuthClient;
  /**
   * Where chunk text, file names and attributes live: Vector Search keeps vectors and restricts only. Use
   * `redisChunkTextStore` (Memorystore) in a service, `memoryChunkTextStore` in tests. Not closed by close().
   */
  readonly textStore: ChunkTextStore;
  /** Vector length, checked before sending. @default - not checked here (the index checks it) */
  readonly dimension?: number;
  /** Per request. @default 30000 */
  readonly requestTimeoutMs?: number;
}

const REMOVE_BATCH = 1000;
const MAX_UPSERT_BYTES = 4 * 1024 * 1024;

/** gRPC status codes (gax errors) as the HTTP statuses the REST API uses for them. */
const HTTP_OF_GRPC: Readonly<Record<number, number>> = {
  3: 400,
  4: 504,
  5: 404,
  7: 403,
  8: 429,
  9: 400,
  13: 500,
  14: 503,
  16: 401,
};

/** google-auth-library's errors when it has no credentials to send (it throws before any request). */
const NO_CREDENTIALS =
  /No access, refresh token|Could not load the default credentials|invalid_grant|unauthorized_client/;

function facts(e: unknown): EngineErrorFacts {
  const err = e as { status?: unknown; code?: unknown; response?: { status?: unknown }; message?: unknown };
  if (isNetworkCode(err?.code)) return { network: true };
  if (err?.status === undefined && NO_CREDENTIALS.test(String(err?.message))) return { credentials: true };
  const status =
    typeof err?.status === 'number'
      ? err.status
      : typeof err?.response?.status === 'number'
        ? err.response.status
        : typeof err?.code === 'number'
          ? HTTP_OF_GRPC[err.code]
          : undefined;
  // Over REST the client raises gaxios's error with the google.rpc.Status JSON as its message.
  let code: string | undefined;
  let retryAfterMs: number | undefined;
  try {
    const body = JSON.parse(String(err?.message)) as {
      error?: { status?: string; details?: { retryDelay?: string }[] };
    };
    code = body.error?.status;
    const delay = body.error?.details?.find((d) => typeof d.retryDelay === 'string')?.retryDelay;
    if (delay) retryAfterMs = Number.parseFloat(delay) * 1000;
  } catch {
    // Not JSON: no code or hint to read.
  }
  return {
    ...(status !== undefined ? { status } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(retryAfterMs !== undefined && Number.isFinite(retryAfterMs) ? { retryAfterMs } : {}),
  };
}

/** gax REST options for an endpoint given as a URL or a host. */
function restOptions(endpoint: string, authClient: AuthClient | undefined) {
  const url = /^https?:\/\//.test(endpoint) ? new URL(endpoint) : undefined;
  const host = url?.hostname ?? endpoint.replace(/:\d+$/, '');
  const secure = url ? url.protocol === 'https:' : true;
  const explicit = url?.port || /:(\d+)$/.exec(endpoint)?.[1];
  return {
    apiEndpoint: host,
    port: explicit ? Number(explicit) : secure ? 443 : 80,
    protocol: secure ? 'https' : 'http',
    // REST (JSON over HTTP/1.1) on every endpoint: one transport, the one the emulator tests.
    fallback: true,
    // google-gax types its own nested copy of google-auth-library; the root copy works the same at run time.
    ...(authClient ? { authClient: authClient as never } : {}),
  };
}

function checkOptions(o: VertexVectorSearchIndexOptions): void {
  for (const key of ['project', 'location', 'indexId', 'indexEndpointId', 'deployedIndexId'] as const)
    if (typeof o?.[key] !== 'string' || o[key] === '')
      throw invalidInput(`vertexVectorSearchIndex ${key}`, o?.[key], 'is required (a non-empty string)');
  if (typeof o.textStore?.get !== 'function')
    throw invalidInput(
      'vertexVectorSearchIndex textStore',
      o.textStore,
      'is required: Vector Search keeps vectors, not text',
      'Pass redisChunkTextStore({ redis }) or memoryChunkTextStore()',
    );
}

/**
 * A VectorIndex on Vertex AI Vector Search (a stream-update index deployed on an index endpoint) through
 * @google-cloud/aiplatform's IndexServiceClient and MatchServiceClient over REST, loaded on first use. The index
 * must use DOT_PRODUCT_DISTANCE with UNIT_L2_NORM (the construct's default): scores are then cosine similarity.
 * Chunk text lives in `textStore`; ensureIndex() does nothing (the index is provisioned, which takes long).
 */
export function vertexVectorSearchIndex(options: VertexVectorSearchIndexOptions): VectorIndex {
  checkOptions(options);
  return new VertexVectorIndex(options);
}

interface Clients {
  readonly index: v1.IndexServiceClient;
  readonly match: v1.MatchServiceClient;
}

class VertexVectorIndex implements VectorIndex {
  readonly engine = 'vertex-vector-search' as const;
  private readonly indexName: string;
  private readonly endpointName: string;
  private readonly textStore: ChunkTextStore;
  private clients: Promise<Clients> | undefined;

  constructor(private readonly options: VertexVectorSearchIndexOptions) {
    const parent = `projects/${options.project}/locations/${options.location}`;
    this.indexName = `${parent}/indexes/${options.indexId}`;
    this.endpointName = `${parent}/indexEndpoints/${options.indexEndpointId}`;
    this.textStore = options.textStore;
  }

  private async load(): Promise<Clients> {
    const aiplatform = await importEngineClient(
      () => import('@google-cloud/aiplatform'),
      'vertexVectorSearchIndex',
      '@google-cloud/aiplatform',
    );
    const api = this.options.apiEndpoint ?? `${this.options.location}-aiplatform.googleapis.com`;
    const { authClient } = this.options;
    return {
      index: new aiplatform.v1.IndexServiceClient(restOptions(api, authClient)),
      match: new aiplatform.v1.MatchServiceClient(restOptions(this.options.matchEndpoint ?? api, authClient)),
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
      throw engineFailure(`Vertex AI Vector Search ${action}`, facts(e), e, {
        auth: `Check the credentials: the caller needs aiplatform.indexes.update on ${this.indexName} and aiplatform.indexEndpoints.queryVectors on ${this.endpointName} (roles/aiplatform.user)`,
        notFound: `Check indexId, indexEndpointId and deployedIndexId ('${this.options.deployedIndexId}'), and that the index is deployed`,
      });
    }
  }

  private get callOptions() {
    // The caller retries (errors say whether it helps): gax's own retries off, as in the rest of the client.
    return { retry: null as never, timeout: this.options.requestTimeoutMs ?? 30_000 };
  }

  async ensureIndex(): Promise<void> {}

  async upsert(chunks: Parameters<VectorIndex['upsert']>[0]): Promise<void> {
    const checked = checkChunks(chunks, this.options.dimension);
    // Text first: a datapoint the index returns always has its text.
    await this.textStore.put(
      checked.map((c) => ({
        id: c.id,
        vectorStoreId: c.vectorStoreId,
        fileId: c.fileId,
        text: c.text,
        ...(c.filename !== undefined ? { filename: c.filename } : {}),
        attributes: c.attributes,
      })),
    );
    for (const batch of batches(checked, 1000, MAX_UPSERT_BYTES, approxBytes)) {
      const datapoints = batch.map((c) => ({
        datapointId: c.id,
        featureVector: c.unit as number[],
        ...datapointRestricts(c.vectorStoreId, c.fileId, c.attributes),
      }));
      await this.call(`upsert of ${batch.length} chunks into ${this.indexName}`, (c) =>
        c.index.upsertDatapoints({ index: this.indexName, datapoints }, this.callOptions),
      );
    }
  }

  async search(vector: readonly number[], opts: SearchOptions): Promise<SearchHit[]> {
    const { unit, k, filter, vectorStoreIds } = checkSearch(vector, opts, this.options.dimension);
    const restricts = queryRestricts(filter, vectorStoreIds);
    if (!restricts) return [];
    const [response] = await this.call(`search on ${this.endpointName}`, (c) =>
      c.match.findNeighbors(
        {
          indexEndpoint: this.endpointName,
          deployedIndexId: this.options.deployedIndexId,
          queries: [
            { datapoint: { datapointId: 'query', featureVector: unit, ...restricts }, neighborCount: k },
          ],
        },
        this.callOptions,
      ),
    );
    const neighbors = (response.nearestNeighbors?.[0]?.neighbors ?? []).filter(
      (n) => n.datapoint?.datapointId,
    );
    const stored = await this.textStore.get(neighbors.map((n) => n.datapoint!.datapointId!));
    // A datapoint whose text is gone was deleted between the search and the read: left out.
    return neighbors.flatMap((n, i): SearchHit[] => {
      const chunk = stored[i];
      if (!chunk) return [];
      return [
        {
          id: chunk.id,
          vectorStoreId: chunk.vectorStoreId,
          fileId: chunk.fileId,
          filename: chunk.filename ?? '',
          text: chunk.text,
          score: Number(n.distance ?? 0),
          attributes: chunk.attributes,
        },
      ];
    });
  }

  private async remove(ids: readonly string[]): Promise<number> {
    for (const batch of batches(ids, REMOVE_BATCH))
      await this.call(`removal of ${batch.length} datapoints from ${this.indexName}`, (c) =>
        c.index.removeDatapoints({ index: this.indexName, datapointIds: batch }, this.callOptions),
      );
    await this.textStore.delete(ids);
    return ids.length;
  }

  async deleteByFile(vectorStoreId: string, fileId: string): Promise<number> {
    checkId(vectorStoreId, 'vectorStoreId');
    checkId(fileId, 'fileId');
    return this.remove(await this.textStore.idsOfFile(vectorStoreId, fileId));
  }

  async deleteStore(vectorStoreId: string): Promise<number> {
    checkId(vectorStoreId, 'vectorStoreId');
    return this.remove(await this.textStore.idsOfStore(vectorStoreId));
  }

  async close(): Promise<void> {
    const c = this.clients;
    this.clients = undefined;
    const clients = await c?.catch(() => undefined);
    if (clients) await Promise.all([clients.index.close(), clients.match.close()]);
  }
}
