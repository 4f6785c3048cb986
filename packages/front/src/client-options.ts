import type { FrontConfig } from '@genai-deploy/config';
import { parseModelAddress } from '@genai-deploy/config';
import { ENV } from './environment.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The part of `createClient`'s options that the configuration decides. Credentials are not here: in the
 * cloud they come from each provider's default chain (the function's or container's identity), except an
 * Azure key, which comes from GENAI_AZURE_API_KEY when set.
 */
export interface ClientOptionsFromConfig {
  providers: {
    bedrock?: { region: string; endpoint?: string };
    sagemaker?: { region: string; endpoint?: string; adapters?: Record<string, 'tgi' | 'embeddings'> };
    vertex?: { project: string; location: string; endpoint?: string };
    azure?: { endpoint: string; apiKey?: string };
  };
  routes: Record<string, { targets: string[]; cacheTtlSeconds?: number; hedgeAfterMs?: number }>;
  cache: {
    redisUrl?: string;
    redisPassword?: string;
    keyPrefix?: string;
    ttlSeconds: number;
    maxEntryBytes: number;
    memoryBytes: number;
  };
}

/**
 * Turns the front's configuration into client options: the constructs set the configuration, the front
 * maps it here (and nowhere else).
 */
export function toClientOptions(config: FrontConfig, env: Env = process.env): ClientOptionsFromConfig {
  const p = config.providers;
  const providers: ClientOptionsFromConfig['providers'] = {};
  if (p.bedrock) providers.bedrock = { ...p.bedrock };
  if (p.vertex) providers.vertex = { ...p.vertex };
  if (p.azure) {
    const apiKey = env[ENV.azureApiKey];
    providers.azure = { ...p.azure, ...(apiKey ? { apiKey } : {}) };
  }
  if (p.sagemaker) {
    const adapters: Record<string, 'tgi' | 'embeddings'> = {};
    for (const m of config.models) {
      const address = parseModelAddress(m.id);
      if (address?.provider !== 'sagemaker') continue;
      adapters[address.model] = m.adapter ?? (m.kind === 'embedding' ? 'embeddings' : 'tgi');
    }
    providers.sagemaker = { ...p.sagemaker, ...(Object.keys(adapters).length > 0 ? { adapters } : {}) };
  }
  const routes: ClientOptionsFromConfig['routes'] = {};
  for (const [name, route] of Object.entries(config.routes))
    routes[name] = { ...route, targets: [...route.targets] };
  const redisPassword = env[ENV.redisPassword];
  return {
    providers,
    routes,
    cache: {
      ...config.cache,
      ...(redisPassword ? { redisPassword } : {}),
    },
  };
}
