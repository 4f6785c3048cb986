/**
 * The providers of the client, one line each. Names come from @genai-deploy/config (`PROVIDERS`); each
 * provider's folder gives its definition (provider-definition.ts). The client's option checks, the "not
 * configured" hints, adapter loading, the limits table, telemetry names, `ProvidersOptions` and the front's
 * mapping of its configuration all read this record, so adding a provider is a folder plus a line here.
 */
import { type FrontConfig, PROVIDERS, type ProviderName } from '@genai-deploy/config';
import { azureProvider } from './azure/definition.js';
import { bedrockProvider } from './bedrock/definition.js';
import type { Env, ProviderDefinition } from './provider-definition.js';
import { sagemakerProvider } from './sagemaker/definition.js';
import { vertexProvider } from './vertex/definition.js';

/** Keyed by every provider name: a name without its definition, or a definition missing a piece, fails the type check. */
export const PROVIDER_REGISTRY = {
  bedrock: bedrockProvider,
  sagemaker: sagemakerProvider,
  vertex: vertexProvider,
  azure: azureProvider,
} as const satisfies { readonly [P in ProviderName]: ProviderDefinition<P> };

/** The options type of provider `P`, as its definition declares it. */
export type ProviderOptionsOf<P extends ProviderName> =
  (typeof PROVIDER_REGISTRY)[P] extends ProviderDefinition<P, infer O> ? O : never;

/**
 * Provider settings, one optional entry per provider. A provider left out can still be used when its
 * defaults suffice (Bedrock, SageMaker); Vertex AI and Azure AI inference need theirs.
 */
export type ProvidersOptions = { readonly [P in ProviderName]?: ProviderOptionsOf<P> };

/** The definition of any provider (its options typed loosely: each definition reads its own). */
export function providerDefinition(name: ProviderName): ProviderDefinition<ProviderName> {
  return PROVIDER_REGISTRY[name];
}

/**
 * The `providers` option of `createClient` that the front's configuration gives (plus the secrets its
 * environment holds, such as GENAI_AZURE_API_KEY); providers the configuration leaves out are left out.
 */
export function providersFromConfig(config: FrontConfig, env: Env = process.env): ProvidersOptions {
  const providers: Partial<Record<ProviderName, object>> = {};
  for (const name of PROVIDERS) {
    const options = providerDefinition(name).fromConfig(config, env);
    if (options) providers[name] = options;
  }
  return providers as ProvidersOptions;
}
