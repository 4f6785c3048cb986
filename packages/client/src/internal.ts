/**
 * `@genai-deploy/client/internal`: the building blocks behind `createClient` (layers, stores, the provider
 * registry), for this repository's tests, benchmarks and packages. No compatibility promise: what users
 * need is exported by the package's main entry.
 */
export {
  PROVIDER_REGISTRY,
  type ProviderOptionsOf,
  providerDefinition,
} from './providers/registry.js';
