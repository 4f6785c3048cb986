import { z } from 'zod';
import { modelPriceSchema } from './prices.js';
import { routeRetrievalSchema, vectorStoreSchema } from './vector-store-config.js';

/**
 * The providers, the one list of their names: model addresses `<provider>/<model-or-endpoint>`, the
 * configuration's `providers`, the client's provider registry and the emulator are all keyed by it.
 */
export const PROVIDERS = ['bedrock', 'sagemaker', 'vertex', 'azure'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

const MODEL_ADDRESS = new RegExp(`^(${PROVIDERS.join('|')})\\/[^\\s]+$`);

/** A model address such as `bedrock/anthropic.claude-3-5-haiku-20241022-v1:0` or `sagemaker/my-endpoint`. */
export const modelAddressSchema = z
  .string()
  .regex(
    MODEL_ADDRESS,
    `expected "<provider>/<model-or-endpoint>" with provider one of ${PROVIDERS.join(', ')}`,
  );

/** Payload adapters built into the client for SageMaker endpoints (the container decides the wire format). */
export const SAGEMAKER_ADAPTERS = ['tgi', 'messages', 'embeddings'] as const;

export const modelSchema = z.strictObject({
  /** Address of the model, `<provider>/<model-or-endpoint>`. */
  id: modelAddressSchema,
  /** What the model does. @default 'chat' */
  kind: z.enum(['chat', 'embedding']).default('chat'),
  /** Largest prompt the front accepts for this model, in estimated tokens. @default - no limit beyond the provider's */
  maxInputTokens: z.number().int().positive().optional(),
  /** Largest `max_tokens` the front accepts for this model. @default 4096 */
  maxOutputTokens: z.number().int().positive().default(4096),
  /** SageMaker only: payload adapter of the endpoint's container. @default 'tgi' for chat, 'embeddings' for embedding */
  adapter: z.enum(SAGEMAKER_ADAPTERS).optional(),
  /** Region override for this model (AWS region, Vertex location). @default - the provider's region */
  region: z.string().min(1).optional(),
  /**
   * SageMaker only: the inference component to invoke on the endpoint (sent as `InferenceComponentName`).
   * Required by endpoints that host their model as an inference component, such as scale-to-zero endpoints
   * (their minimum instance count can be 0 only with inference components).
   * @default - none: the endpoint's production variant answers
   */
  inferenceComponent: z
    .string()
    .max(63)
    .regex(
      /^[a-zA-Z0-9](?:-*[a-zA-Z0-9])*$/,
      'expected a SageMaker inference component name: letters, digits and hyphens, up to 63 characters',
    )
    .optional(),
});

export const routeSchema = z.strictObject({
  /** Ordered targets: the first answers unless it is throttled, unavailable or its circuit is open. */
  targets: z.array(modelAddressSchema).min(1, 'a route needs at least one target'),
  /** Cache TTL for answers on this route, in seconds. @default - the cache's ttlSeconds */
  cacheTtlSeconds: z.number().int().nonnegative().optional(),
  /** Hedge: start the next target when the first has not answered after this many ms. @default - no hedging */
  hedgeAfterMs: z.number().int().positive().optional(),
  /** Ground every answer on this route in chunks from these vector stores. @default - no retrieval */
  retrieval: routeRetrievalSchema.optional(),
});

/** Each provider's settings in the configuration, keyed by every provider name (a missing one fails the type check). */
const PROVIDER_SETTINGS = {
  bedrock: z.strictObject({ region: z.string().min(1), endpoint: z.url().optional() }),
  sagemaker: z.strictObject({ region: z.string().min(1), endpoint: z.url().optional() }),
  vertex: z.strictObject({
    project: z.string().min(1),
    location: z.string().min(1),
    endpoint: z.url().optional(),
    /** How embeddings reach `predict`: the official client, or the same REST call decoded as plain JSON. @default 'client' */
    embedTransport: z.enum(['client', 'rest-json']).optional(),
  }),
  azure: z.strictObject({ endpoint: z.url() }),
} as const satisfies { readonly [P in ProviderName]: z.ZodType };

/** `providers`: settings per provider, each optional. */
export const providersSchema = z.strictObject(
  Object.fromEntries(PROVIDERS.map((p) => [p, PROVIDER_SETTINGS[p].optional()])) as {
    readonly [P in ProviderName]: z.ZodOptional<(typeof PROVIDER_SETTINGS)[P]>;
  },
);

export const cacheSchema = z.strictObject({
  /** Redis URL of the shared tier (rediss:// for TLS). Never put a password here: use `redisAuthSecret`. @default - memory only */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  /** Default TTL of cached answers in seconds. @default 3600 */
  ttlSeconds: z.number().int().positive().default(3600),
  /** Largest cached entry in bytes. @default 262144 */
  maxEntryBytes: z.number().int().positive().default(262_144),
  /** Bytes held by the in-process LRU. @default 67108864 */
  memoryBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  /**
   * Who shares cached answers (and answers in flight). `key`: each API key has its own, so no tenant is served,
   * or can learn by timing or `x-genai-cache`, what another asked. `shared`: every key shares one cache, which
   * saves upstream calls when tenants ask the same deterministic questions, at that cost; opt in only when the
   * keys belong to one trust domain. The scope is the key's short hash id, never the key.
   * @default 'key'
   */
  scope: z.enum(['key', 'shared']).optional(),
  /**
   * Deprecated: `scope`. `true` is `scope: 'key'`, `false` is `scope: 'shared'`.
   * @default - `scope` decides
   */
  scopeByKey: z.boolean().optional(),
});

/** The cache scope a configuration asks for: `scope`, else the deprecated `scopeByKey`, else per key. */
export function cacheScope(cache: { scope?: 'key' | 'shared'; scopeByKey?: boolean }): 'key' | 'shared' {
  return cache.scope ?? (cache.scopeByKey === false ? 'shared' : 'key');
}

/** `budgets`: how budgets (kept per API key and team in the key store, not here) report. */
export const budgetsSchema = z.strictObject({
  /**
   * Fraction of a budget past which a call reports a soft limit (an event and a metric for alerting; the call
   * still runs). @default 0.8
   */
  softLimitFraction: z
    .number({ error: 'expected budgets.softLimitFraction as a number between 0 and 1, e.g. 0.8' })
    .gt(0, 'expected budgets.softLimitFraction > 0 (a fraction of the budget, e.g. 0.8)')
    .max(
      1,
      'expected budgets.softLimitFraction <= 1 (a fraction of the budget, e.g. 0.8; 1 reports only a budget fully used)',
    )
    .default(0.8),
});

export const limitsSchema = z.strictObject({
  /** Requests per minute per API key. @default 600 */
  requestsPerMinute: z.number().int().positive().default(600),
  /** Estimated tokens per minute per API key. @default 200000 */
  tokensPerMinute: z.number().int().positive().default(200_000),
  /** Largest request body in bytes. @default 1048576 */
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Concurrent async jobs per instance. @default 4 */
  jobConcurrency: z.number().int().positive().default(4),
  /** How long job results are kept, in seconds. @default 86400 */
  jobTtlSeconds: z.number().int().positive().default(86_400),
  /**
   * Tokens charged per embeddings input on top of the input's own tokens, against tokens/min: the front's work
   * (vectors held and encoded) grows with the inputs however short they are. Cache hits pay it too.
   * @default 64
   */
  embeddingInputTokens: z.number().int().nonnegative().optional(),
  /**
   * In-flight work per API key (a chat or job request weighs 1, an embeddings request 1 per input); beyond it
   * 429 with Retry-After. @default 2048 (one embeddings request of OpenAI's largest size at a time)
   */
  maxInFlightPerKey: z.number().int().positive().optional(),
  /**
   * In-flight work per instance, weighed as maxInFlightPerKey; beyond it 503 with Retry-After. Two 2,048-input
   * Vertex requests take the front to 0.5-0.9 GiB of RSS (docs/BENCHMARKS.md, front-embeddings): raise it with
   * the memory.
   * @default 4096
   */
  maxInFlight: z.number().int().positive().optional(),
  /**
   * Failed authentications per client address per minute (shared through Redis when configured); beyond it
   * the address gets 429, valid key or not, until its failures age out. @default 30
   */
  authFailuresPerMinute: z.number().int().positive().optional(),
  /** Time allowed to receive a request's headers, in ms. @default 10000 */
  headersTimeoutMs: z.number().int().positive().optional(),
  /**
   * Time allowed to receive a whole request (headers and body), in ms.
   * @default - headersTimeoutMs plus 1 s per 16 KiB of maxBodyBytes (74 s for 1 MiB)
   */
  requestTimeoutMs: z.number().int().positive().optional(),
});

/**
 * Images given by URL in chat requests. The front fetches such a URL itself, so by default only `data:` URLs are
 * accepted (a remote URL would let a caller make the front fetch any address: SSRF).
 */
export const imagesSchema = z.strictObject({
  /**
   * Hosts the front may fetch `http(s)` image URLs from (exact host names; `https` only unless the host is listed
   * as `http://host`). @default [] - remote image URLs are refused
   */
  allowedHosts: z
    .array(
      z
        .string()
        .regex(/^(?:http:\/\/)?[a-z0-9.-]+(?::\d+)?$/i, 'expected a host name such as images.example.com'),
    )
    .default([]),
  /** Largest image fetched, in bytes. @default 5242880 */
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
  /** Time allowed to fetch one image, in ms. @default 5000 */
  timeoutMs: z.number().int().positive().default(5000),
});

/**
 * The front's configuration. The constructs build it and hand it to the front as the JSON environment
 * variable `GENAI_CONFIG`; it never holds secrets (API keys and Redis AUTH come from the secret store).
 */
export const frontConfigSchema = z
  .strictObject({
    models: z.array(modelSchema).default([]),
    routes: z
      .record(
        z.string().regex(/^[a-zA-Z0-9][\w.-]*$/, 'route names are letters, digits, ".", "_" and "-"'),
        routeSchema,
      )
      .default({}),
    providers: providersSchema.default({}),
    cache: cacheSchema.default({ ttlSeconds: 3600, maxEntryBytes: 262_144, memoryBytes: 64 * 1024 * 1024 }),
    limits: limitsSchema.default({
      requestsPerMinute: 600,
      tokensPerMinute: 200_000,
      maxBodyBytes: 1024 * 1024,
      jobConcurrency: 4,
      jobTtlSeconds: 86_400,
    }),
    /**
     * Prices by model address (USD per million tokens), over the built-in DEFAULT_PRICES: a model missing there,
     * a negotiated price, or an amortized per-token price for a SageMaker endpoint.
     * @default - DEFAULT_PRICES alone
     */
    pricing: z.record(z.string(), modelPriceSchema).optional(),
    /** How budgets report. @default - { softLimitFraction: 0.8 } */
    budgets: budgetsSchema.optional(),
    /** Log prompts and completions. Off by default: they may hold personal data. @default false */
    logPrompts: z.boolean().default(false),
    /** Remote image URLs in chat requests. @default - only data: URLs (remote image URLs are refused) */
    images: imagesSchema.optional(),
    /** Allowed CORS origins. @default - CORS off */
    corsOrigins: z.array(z.string()).optional(),
    /** The vector store behind `/v1/vector_stores` and grounded chat. @default - the vector store API is off */
    vectorStore: vectorStoreSchema.optional(),
    /**
     * How many proxies in front of the gateway append to X-Forwarded-For: the client address (for the failed
     * authentication limit) is the entry that many places from the right. 0 ignores the header.
     * @default - the last entry when the connection comes from a private, loopback or link-local address
     * (a load balancer in front, as on Cloud Run or Container Apps), else the connection's address
     */
    trustedProxyHops: z.number().int().min(0).max(16).optional(),
  })
  .superRefine((config, ctx) => {
    const { scope, scopeByKey } = config.cache;
    if (scope !== undefined && scopeByKey !== undefined && (scope === 'key') !== scopeByKey) {
      ctx.addIssue({
        code: 'custom',
        path: ['cache', 'scopeByKey'],
        message: `cache.scopeByKey (${scopeByKey}) contradicts cache.scope ("${scope}"); remove the deprecated scopeByKey`,
      });
    }
    config.models.forEach((m, i) => {
      if (m.inferenceComponent !== undefined && !m.id.startsWith('sagemaker/')) {
        ctx.addIssue({
          code: 'custom',
          path: ['models', i, 'inferenceComponent'],
          message: `inferenceComponent is for SageMaker endpoints only, and "${m.id}" is not a sagemaker/ model; remove it`,
        });
      }
    });
    for (const address of Object.keys(config.pricing ?? {})) {
      if (!MODEL_ADDRESS.test(address)) {
        ctx.addIssue({
          code: 'custom',
          path: ['pricing', address],
          message: `"${address}" is not a model address; expected "<provider>/<model-or-endpoint>" with provider one of ${PROVIDERS.join(', ')} (routes are priced by the target that answers)`,
        });
      }
    }
    const ids = new Set(config.models.map((m) => m.id));
    for (const [name, route] of Object.entries(config.routes)) {
      if (name.includes('/')) continue;
      route.targets.forEach((target, i) => {
        if (!ids.has(target)) {
          ctx.addIssue({
            code: 'custom',
            path: ['routes', name, 'targets', i],
            message: `route "${name}" targets "${target}", which is not in models; add { id: "${target}" } to models`,
          });
        }
      });
    }
  });

export type FrontConfigInput = z.input<typeof frontConfigSchema>;
export type FrontConfig = z.output<typeof frontConfigSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type RouteConfig = z.output<typeof routeSchema>;

/** Thrown when a configuration does not match the schema; `issues` lists every problem with its path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(message);
  }
}

/** Validates a configuration (an object or its JSON text) and applies the defaults. */
export function parseFrontConfig(input: unknown, source = 'configuration'): FrontConfig {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new ConfigError(`${source} is not valid JSON: ${(e as Error).message}`, []);
    }
  }
  const result = frontConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
  throw new ConfigError(
    `invalid ${source}:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
    issues,
  );
}

/** Splits `<provider>/<model-or-endpoint>`; returns undefined for a route name. */
export function parseModelAddress(address: string): { provider: ProviderName; model: string } | undefined {
  const slash = address.indexOf('/');
  if (slash <= 0) return undefined;
  const provider = address.slice(0, slash);
  const model = address.slice(slash + 1);
  if (!(PROVIDERS as readonly string[]).includes(provider) || model.length === 0) return undefined;
  return { provider: provider as ProviderName, model };
}
