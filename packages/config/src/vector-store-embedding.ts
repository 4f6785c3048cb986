import type { ProviderName } from './schema.js';

/**
 * The embedding model behind a vector store, checked where the platform constructs build the front's
 * `vectorStore`: the index is made for one vector length, and every chunk and query must be embedded by one
 * model that produces it. Vectors of two models are not comparable even at the same length, so a route with a
 * fallback to another model cannot feed an index.
 */

/** Vector lengths of an embedding model. */
export interface EmbeddingDimensions {
  /** The length returned when the request names none. */
  readonly default: number;
  /** Lengths the model can be asked for (`dimensions`). @default - only `default` */
  readonly allowed?: readonly number[] | { readonly min: number; readonly max: number };
}

/**
 * Known embedding models, by provider. The client's limits table (`providers/<name>/limits.ts`) holds the same
 * facts for the models it batches; test/vector-store-embedding.test.ts keeps the two equal.
 */
const KNOWN: readonly { provider: ProviderName; match: RegExp; dimensions: EmbeddingDimensions }[] = [
  {
    provider: 'bedrock',
    match: /^(?:[a-z]{2}\.)?amazon\.titan-embed-text-v2/,
    dimensions: { default: 1024, allowed: [256, 512, 1024] },
  },
  {
    provider: 'bedrock',
    match: /^(?:[a-z]{2}\.)?amazon\.titan-embed-text-v1/,
    dimensions: { default: 1536 },
  },
  {
    provider: 'bedrock',
    match: /^(?:[a-z]{2}\.)?cohere\.embed-(?:english|multilingual)-v3/,
    dimensions: { default: 1024 },
  },
  {
    provider: 'vertex',
    match: /^gemini-embedding-001$/,
    dimensions: { default: 3072, allowed: { min: 1, max: 3072 } },
  },
  {
    provider: 'vertex',
    match: /^(?:text-embedding-00[45]|text-multilingual-embedding-002)$/,
    dimensions: { default: 768, allowed: { min: 1, max: 768 } },
  },
  {
    provider: 'azure',
    match: /^text-embedding-3-small$/,
    dimensions: { default: 1536, allowed: { min: 1, max: 1536 } },
  },
  {
    provider: 'azure',
    match: /^text-embedding-3-large$/,
    dimensions: { default: 3072, allowed: { min: 1, max: 3072 } },
  },
  { provider: 'azure', match: /^text-embedding-ada-002$/, dimensions: { default: 1536 } },
];

/** The vector lengths of a model address (`bedrock/amazon.titan-embed-text-v2:0`), when the model is known. */
export function embeddingDimensions(address: string): EmbeddingDimensions | undefined {
  const slash = address.indexOf('/');
  const provider = address.slice(0, slash);
  const model = address.slice(slash + 1);
  return KNOWN.find((k) => k.provider === provider && k.match.test(model))?.dimensions;
}

/** Whether the model can return vectors of length `dimension`. */
export function acceptsDimension(known: EmbeddingDimensions, dimension: number): boolean {
  const allowed = known.allowed;
  if (allowed === undefined) return dimension === known.default;
  if ('min' in allowed) return dimension >= allowed.min && dimension <= allowed.max;
  return allowed.includes(dimension);
}

/** The lengths a model accepts, for messages: "1024", "256, 512, 1024" or "1 to 768". */
export function describeDimensions(known: EmbeddingDimensions): string {
  const allowed = known.allowed;
  if (allowed === undefined) return String(known.default);
  if ('min' in allowed) return `${allowed.min} to ${allowed.max}`;
  return allowed.join(', ');
}

/** What the platform asks for: both may be left out when the configuration decides them. */
export interface VectorStoreEmbeddingRequest {
  /** A model address or a route name. @default - the configuration's only embedding model */
  readonly embeddingModel?: string;
  /** @default - the embedding model's default length */
  readonly dimension?: number;
}

/** The models and routes the embedding model is looked up in (a configuration, before or after parsing). */
export interface EmbeddingModelCatalog {
  readonly models?: readonly { readonly id: string; readonly kind?: 'chat' | 'embedding' | undefined }[];
  readonly routes?: Readonly<Record<string, { readonly targets: readonly string[] }>>;
}

export interface VectorStoreEmbedding {
  /** As the front's `vectorStore.embeddingModel`: a model address or a route name. */
  readonly embeddingModel: string;
  readonly dimension: number;
  /** The one model address that embeds chunks and queries. */
  readonly model: string;
}

export type VectorStoreEmbeddingProblem =
  | { readonly code: 'vector-store-embedding-model-missing'; readonly candidates: readonly string[] }
  | {
      readonly code: 'vector-store-embedding-model-unknown';
      readonly embeddingModel: string;
      readonly candidates: readonly string[];
    }
  | {
      readonly code: 'vector-store-embedding-model-kind';
      readonly embeddingModel: string;
      readonly model: string;
    }
  | {
      readonly code: 'vector-store-embedding-models-mixed';
      readonly embeddingModel: string;
      readonly targets: readonly string[];
    }
  | { readonly code: 'vector-store-dimension-unknown'; readonly model: string }
  | {
      readonly code: 'vector-store-dimension-mismatch';
      readonly model: string;
      readonly dimension: number;
      readonly known: EmbeddingDimensions;
    }
  | { readonly code: 'vector-store-dimension-invalid'; readonly dimension: number; readonly max: number };

export type VectorStoreEmbeddingResult =
  | { readonly ok: true; readonly value: VectorStoreEmbedding }
  | { readonly ok: false; readonly problem: VectorStoreEmbeddingProblem };

/**
 * Picks the embedding model of a vector store and its vector length, or says why it cannot. `maxDimension` is
 * the engine's limit (the configuration's own is 4096).
 */
export function resolveVectorStoreEmbedding(
  catalog: EmbeddingModelCatalog,
  request: VectorStoreEmbeddingRequest,
  maxDimension = 4096,
): VectorStoreEmbeddingResult {
  const fail = (problem: VectorStoreEmbeddingProblem): VectorStoreEmbeddingResult => ({ ok: false, problem });
  const models = catalog.models ?? [];
  const embeddingModels = models.filter((m) => m.kind === 'embedding').map((m) => m.id);
  const routes = Object.entries(catalog.routes ?? {});
  const candidates = [
    ...embeddingModels,
    ...routes.filter(([, r]) => r.targets.every((t) => embeddingModels.includes(t))).map(([name]) => name),
  ];

  let embeddingModel = request.embeddingModel;
  if (embeddingModel === undefined) {
    if (embeddingModels.length !== 1)
      return fail({ code: 'vector-store-embedding-model-missing', candidates });
    embeddingModel = embeddingModels[0] as string;
  }
  const route = catalog.routes?.[embeddingModel];
  const targets = route ? [...new Set(route.targets)] : [embeddingModel];
  if (!route && !models.some((m) => m.id === embeddingModel))
    return fail({ code: 'vector-store-embedding-model-unknown', embeddingModel, candidates });
  const chat = targets.find((t) => !embeddingModels.includes(t));
  if (chat !== undefined)
    return fail({ code: 'vector-store-embedding-model-kind', embeddingModel, model: chat });
  if (targets.length > 1)
    return fail({ code: 'vector-store-embedding-models-mixed', embeddingModel, targets });

  const model = targets[0] as string;
  const known = embeddingDimensions(model);
  const dimension = request.dimension ?? known?.default;
  if (dimension === undefined) return fail({ code: 'vector-store-dimension-unknown', model });
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > maxDimension)
    return fail({ code: 'vector-store-dimension-invalid', dimension, max: maxDimension });
  if (known && !acceptsDimension(known, dimension))
    return fail({ code: 'vector-store-dimension-mismatch', model, dimension, known });
  return { ok: true, value: { embeddingModel, dimension, model } };
}

/** The problem as an error message: what was received, what is expected, how to fix it. */
export function describeVectorStoreEmbeddingProblem(problem: VectorStoreEmbeddingProblem): string {
  const list = (names: readonly string[]) => (names.length ? names.map((n) => `"${n}"`).join(', ') : 'none');
  switch (problem.code) {
    case 'vector-store-embedding-model-missing':
      return (
        'the vector store needs one embedding model to embed chunks and queries, and none was named. ' +
        `Embedding models and routes in the configuration: ${list(problem.candidates)}. Fix: add a model with ` +
        'kind "embedding" (e.g. bedrock/amazon.titan-embed-text-v2:0), or name one with `embeddingModel`.'
      );
    case 'vector-store-embedding-model-unknown':
      return (
        `embeddingModel "${problem.embeddingModel}" is neither a model nor a route of the configuration. ` +
        `Expected one of: ${list(problem.candidates)}. Fix: add it to the models with kind "embedding", or name one of these.`
      );
    case 'vector-store-embedding-model-kind':
      return (
        `embeddingModel "${problem.embeddingModel}" resolves to "${problem.model}", which is not an embedding model. ` +
        'Expected a model of kind "embedding". Fix: set kind: "embedding" on that model if it embeds, or name an embedding model.'
      );
    case 'vector-store-embedding-models-mixed':
      return (
        `embeddingModel "${problem.embeddingModel}" is a route over ${list(problem.targets)}: vectors of different ` +
        'models are not comparable, so a fallback would write or query the index with the wrong model. Expected ' +
        'one model. Fix: name the model address, or a route with that one target.'
      );
    case 'vector-store-dimension-unknown':
      return (
        `the vector length of "${problem.model}" is not known here. Expected \`dimension\` with the model's ` +
        'vector length. Fix: pass dimension (the length of the vectors the model returns).'
      );
    case 'vector-store-dimension-invalid':
      return (
        `dimension is ${problem.dimension}; expected a whole number from 1 to ${problem.max}. ` +
        "Fix: pass the embedding model's vector length."
      );
    case 'vector-store-dimension-mismatch':
      return (
        `dimension ${problem.dimension} does not match the embedding model "${problem.model}", which returns ` +
        `vectors of ${describeDimensions(problem.known)} dimensions` +
        `${problem.known.allowed ? ` (${problem.known.default} unless asked)` : ''}. ` +
        `Fix: use dimension ${problem.known.default}, or an embedding model of ${problem.dimension} dimensions.`
      );
  }
}
