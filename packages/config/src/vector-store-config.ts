import { z } from 'zod';

/**
 * The front's vector store: where the chunks of OpenAI's vector store API (`/v1/vector_stores`) and of grounded
 * chat live. Each cloud's platform construct fills it in with the store it provisions (OpenSearch Serverless,
 * Vertex AI Vector Search, Azure AI Search); `npm start` uses the emulator's OpenSearch. No secrets: the front
 * authenticates with its identity (SigV4 for AOSS, Google credentials, Entra ID for Search).
 */
export const vectorStoreSchema = z.discriminatedUnion('engine', [
  z.strictObject({
    /** In the front's memory: lost on restart, one instance only. For tests and trials. */
    engine: z.literal('memory'),
    ...common(),
  }),
  z.strictObject({
    /** Amazon OpenSearch Serverless (vector search collection), with SigV4 (service `aoss`). */
    engine: z.literal('opensearch'),
    /** The collection endpoint, `https://<id>.<region>.aoss.amazonaws.com`. */
    endpoint: z.url(),
    region: z.string().min(1),
    /** The index the chunks go in (created by the construct or on first use). @default 'genai-chunks' */
    index: z.string().min(1).default('genai-chunks'),
    ...common(),
  }),
  z.strictObject({
    /** Vertex AI Vector Search (stream-update index); chunk text kept in the cache's Redis. */
    engine: z.literal('vertex'),
    project: z.string().min(1),
    location: z.string().min(1),
    indexId: z.string().min(1),
    indexEndpointId: z.string().min(1),
    deployedIndexId: z.string().min(1),
    /** The index endpoint's public domain (`findNeighbors` goes there). @default - the regional API host */
    publicEndpointDomain: z.string().min(1).optional(),
    ...common(),
  }),
  z.strictObject({
    /** Azure AI Search, with the front's managed identity (RBAC, not admin keys). */
    engine: z.literal('azure-search'),
    /** `https://<service>.search.windows.net`. */
    endpoint: z.url(),
    index: z.string().min(1).default('genai-chunks'),
    ...common(),
  }),
]);

function common() {
  return {
    /** The embedding model (or route) that embeds chunks and queries; its dimension is `dimension`. */
    embeddingModel: z.string().min(1),
    /** Vector size of the embedding model (the index's dimension). */
    dimension: z.number().int().positive().max(4096),
    /** Default chunking of uploaded files (OpenAI's default: 800 tokens, 400 overlap). */
    chunking: z
      .strictObject({
        maxChunkSizeTokens: z.number().int().min(100).max(4096).default(800),
        chunkOverlapTokens: z.number().int().nonnegative().default(400),
      })
      .optional(),
    /** Largest file accepted by `POST /v1/files`, in bytes. @default 10485760 */
    maxFileBytes: z.number().int().positive().optional(),
  };
}

/** Retrieval on a chat route: the front searches these stores and grounds the answer in the chunks it finds. */
export const routeRetrievalSchema = z.strictObject({
  /** Vector store ids (`vs_...`) searched for every request on the route. */
  vectorStoreIds: z.array(z.string().min(1)).min(1),
  /** Chunks put in the prompt. @default 5 */
  maxResults: z.number().int().min(1).max(50).default(5),
  /** Chunks scoring below this are left out (cosine, 0 to 1). @default 0 */
  scoreThreshold: z.number().min(0).max(1).default(0),
});

export type VectorStoreConfig = z.output<typeof vectorStoreSchema>;
export type RouteRetrievalConfig = z.output<typeof routeRetrievalSchema>;
