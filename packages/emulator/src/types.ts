/** Public types of @genai-deploy/emulator. */

/**
 * The emulated providers and their operations: the emulator's one list of them. `ProviderName`,
 * `OperationName`, `PROVIDERS`, `OPERATIONS`, the fault rules' check (faults.ts) and the server's routers
 * (server.ts, one entry per provider) derive from it. Model providers carry @genai-deploy/config's names
 * (test/provider-registry.test.ts); the vector engines follow (Vertex AI Vector Search answers as `vertex`,
 * the API it is part of).
 */
export const PROVIDER_OPERATIONS = {
  bedrock: ['converse', 'converseStream', 'invokeModel', 'invokeModelWithResponseStream'],
  sagemaker: ['invokeEndpoint', 'invokeEndpointWithResponseStream'],
  vertex: [
    'generateContent',
    'streamGenerateContent',
    'predict',
    'rawPredict',
    'upsertDatapoints',
    'removeDatapoints',
    'findNeighbors',
    'readIndexDatapoints',
  ],
  azure: ['chatCompletions', 'embeddings'],
  opensearch: [
    'createIndex',
    'indexExists',
    'getIndex',
    'getMapping',
    'deleteIndex',
    'bulk',
    'search',
    'indexDocument',
    'getDocument',
    'deleteDocument',
    'unsupported',
  ],
  'azure-search': [
    'createOrUpdateIndex',
    'getIndex',
    'deleteIndex',
    'index',
    'search',
    'count',
    'getDocument',
  ],
} as const;

export type ProviderName = keyof typeof PROVIDER_OPERATIONS;

/** `<provider>.<operation>`, e.g. `bedrock.converse`. */
export type OperationName = {
  [P in ProviderName]: `${P}.${(typeof PROVIDER_OPERATIONS)[P][number]}`;
}[ProviderName];

export const PROVIDERS = Object.keys(PROVIDER_OPERATIONS) as readonly ProviderName[];

export const OPERATIONS: readonly OperationName[] = PROVIDERS.flatMap((provider) =>
  PROVIDER_OPERATIONS[provider].map((op) => `${provider}.${op}` as OperationName),
);

export type FaultKind = 'error' | 'reset' | 'hang' | 'stream-cut' | 'stream-error';

/** One fault-injection rule. Unset matchers match everything; the first matching live rule wins. */
export interface FaultRule {
  readonly provider?: ProviderName;
  /** Operation name, e.g. `bedrock.converse`. */
  readonly operation?: string;
  /**
   * Model id (Bedrock, Vertex publisher model), endpoint name (SageMaker, Vertex endpoint), Azure `model`, or the
   * index of a vector operation (OpenSearch and Azure AI Search index name, Vertex index or deployed index id).
   */
  readonly model?: string;
  /** @default 'error' */
  readonly kind?: FaultKind;
  /** HTTP status of an `error` fault; alone it picks the provider's natural error for that status. @default - from errorType, else 500 */
  readonly status?: number;
  /** Provider error name, e.g. `ThrottlingException`, `ModelError`, `RESOURCE_EXHAUSTED`. @default - from status */
  readonly errorType?: string;
  /** @default - the provider's usual message for the error */
  readonly message?: string;
  /** SageMaker `ModelError.OriginalStatusCode`. @default 500 */
  readonly originalStatusCode?: number;
  /** Retry hint in the provider's form (Retry-After, retry-after-ms, RetryInfo.retryDelay). @default - none (Vertex/Azure 429: 1000) */
  readonly retryAfterMs?: number;
  /** Probability 0..1 that a matching request faults, drawn from the seeded generator. @default 1 */
  readonly rate?: number;
  /** Fault only the next N matching requests, then the rule is spent. @default - unlimited */
  readonly count?: number;
  /** `stream-cut` / `stream-error`: content chunks sent before the fault. @default 0 */
  readonly afterChunks?: number;
  /** `hang`: stall this long, then answer normally. @default - until the client gives up (or close()) */
  readonly hangMs?: number;
}

/** Latency model. Everything is zero by default. */
export interface LatencyOptions {
  /** Delay before every response's first byte, in ms. @default 0 */
  readonly baseMs?: number;
  /** Time per output token, in ms: paces stream chunks; non-streaming answers wait tokens × this. @default 0 */
  readonly perTokenMs?: number;
  /** Time per input token (prefill), in ms. @default 0 */
  readonly perInputTokenMs?: number;
  /**
   * `'h100'`: add costs calibrated from the H100 batch profile: embeddings pay the encoder's batch cost
   * curve for the call's text count; generation pays prefill and a per-token decode step that grows with
   * the number of generations in flight (continuous batching).
   * @default 'none'
   */
  readonly profile?: 'none' | 'h100';
  /** Multiplier applied to every modelled delay (e.g. 0.1 to run the H100 shape ten times faster). @default 1 */
  readonly scale?: number;
  /** Seeded random jitter, as a fraction of each delay (0.1 = ±10 %). @default 0 */
  readonly jitter?: number;
  /**
   * GPUs (replicas) serving each embedding model. A replica runs one forward pass at a time, so concurrent
   * embedding calls to one model queue behind each other as they would on real hardware: 1,000 single-text
   * calls pay 1,000 forward passes, one call of 250 texts pays one.
   * @default 1 with profile 'h100', unlimited otherwise
   */
  readonly embeddingReplicas?: number;
}

export type SageMakerContainer = 'tgi' | 'embeddings';

export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default - no latency */
  readonly latency?: LatencyOptions;
  /** Seed of the fault-rate and jitter generator (content never depends on it). @default 0 */
  readonly seed?: number;
  /** Container type per SageMaker endpoint. @default - names containing "embed" are embeddings, others TGI */
  readonly sagemakerEndpoints?: Readonly<Record<string, SageMakerContainer>>;
}

export interface RequestCounts {
  readonly total: number;
  readonly byOperation: Readonly<Record<string, number>>;
  /** Texts embedded, per embedding operation (successful requests only). */
  readonly items: Readonly<Record<string, number>>;
  /** Model requests whose response is not finished or closed yet (open streams included); not reset by reset(). */
  readonly inFlight: number;
}

export interface Emulator {
  /** e.g. `http://127.0.0.1:4010` */
  readonly url: string;
  readonly port: number;
  /** Stops listening and destroys every open socket and HTTP/2 session. */
  close(): Promise<void>;
  /** Clears faults and counters. */
  reset(): void;
  /** Replaces the fault rules. */
  setFaults(rules: readonly FaultRule[]): void;
  requests(): RequestCounts;
}
