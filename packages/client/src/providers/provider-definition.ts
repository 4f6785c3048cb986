/**
 * The contract of a provider: what its folder (`providers/<name>/`) gives the registry (registry.ts), and the
 * adapter it loads on first use. Every piece is required, so a provider missing one fails the type check.
 */
import type { FrontConfig, ProviderName } from '@genai-deploy/config';
import type {
  EmbedResult,
  GenerateRequest,
  GenerateResult,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  StreamDelta,
  StreamFinish,
  StreamToolCall,
  StreamToolCallDelta,
  Target,
} from '../types.js';

/** What a provider returns for one attempt; the pipeline fills in cached/attempts/latencyMs. */
export type ProviderGenerateResult = Omit<GenerateResult, 'cached' | 'attempts' | 'latencyMs'>;
export type ProviderEmbedResult = Omit<EmbedResult, 'cached' | 'attempts' | 'latencyMs'>;
export type ProviderStreamEvent =
  | StreamDelta
  | StreamToolCallDelta
  | StreamToolCall
  | Omit<StreamFinish, 'cached' | 'attempts' | 'latencyMs'>;

/**
 * A provider adapter: one upstream request per call, no retries of its own, errors thrown as GenAiError.
 * `signal` aborts the upstream request (and its socket).
 */
export interface ProviderAdapter {
  readonly name: ProviderName;
  generate(
    target: Target,
    req: NormalizedGenerateRequest,
    signal: AbortSignal,
  ): Promise<ProviderGenerateResult>;
  stream(
    target: Target,
    req: NormalizedGenerateRequest,
    signal: AbortSignal,
  ): AsyncIterable<ProviderStreamEvent>;
  embed(target: Target, req: NormalizedEmbedRequest, signal: AbortSignal): Promise<ProviderEmbedResult>;
  close(): void;
}

export interface EmbeddingLimits {
  /** Most texts one upstream call takes. */
  readonly maxTextsPerCall: number;
  /** Most (estimated) tokens one upstream call takes, all texts together. @default - no limit */
  readonly maxTokensPerCall?: number;
  /** Most (estimated) tokens in one text. @default - no limit */
  readonly maxTokensPerText?: number;
  /** Most characters in one text. @default - no limit */
  readonly maxCharsPerText?: number;
  /** Vector size when `dimensions` is not given. @default - unknown */
  readonly defaultDimensions?: number;
  /** `dimensions` values the model accepts: a list, or an inclusive range. @default - `dimensions` not supported */
  readonly dimensions?: readonly number[] | { readonly min: number; readonly max: number };
}

export interface ModelLimits {
  readonly provider: ProviderName;
  /** Matches the model id (without the provider prefix). */
  readonly match: RegExp;
  /** Inclusive temperature range. */
  readonly temperature?: { readonly min: number; readonly max: number };
  readonly embedding?: EmbeddingLimits;
}

/** One row of a provider's limits table (its folder's limits.ts); the registry adds `provider`. */
export type ModelLimitsRow = Omit<ModelLimits, 'provider'>;

/** Refuses an option at createClient: `field` is relative to `providers.<name>.`. Always throws. */
export type OptionFailure = (field: string, value: unknown, rule: string) => never;

/** Environment variables, by name (the front's FRONT_ENV contract). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * One provider, as the registry holds it. Members are methods (not function-valued properties) so that a
 * definition with its own options type still fits `ProviderDefinition<P>` where any provider is handled.
 */
export interface ProviderDefinition<P extends ProviderName, O extends object = object> {
  readonly name: P;
  /** OpenTelemetry `gen_ai.system` (conventions up to v1.36) and its successor `gen_ai.provider.name`. */
  readonly telemetry: { readonly system: string; readonly providerName: string };
  /** Per-model limits, specific models first, the provider's catch-all row last (see model-limits.ts). */
  readonly limits: readonly ModelLimitsRow[];
  /** Why a call to this provider cannot be made with these options (e.g. not configured), or undefined. */
  notConfigured(options: O | undefined): string | undefined;
  /**
   * Why `target` cannot honour `req` (a sampling field the provider lacks, images beyond its limits, tools on a
   * container that has none), or undefined. Checked for every target of a call before any network call.
   */
  refuses(target: Target, req: GenerateRequest, options: O | undefined): string | undefined;
  /** Checks the options at createClient, so that a bad one fails there rather than on every call. */
  checkOptions(options: O, fail: OptionFailure): void;
  /**
   * Creates the adapter. The official SDK is loaded here, by a dynamic `import()`, so that an application that
   * never calls this provider never loads it.
   */
  load(options: O | undefined): Promise<ProviderAdapter>;
  /** The options the front's configuration (and environment) gives this provider, or undefined for none. */
  fromConfig(config: FrontConfig, env: Env): O | undefined;
}
