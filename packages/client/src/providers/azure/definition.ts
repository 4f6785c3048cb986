import { FRONT_ENV } from '@genai-deploy/config';
import type { ProviderDefinition } from '../provider-definition.js';
import { imageProblem, type SamplingField, unsupportedSampling } from '../shared/support.js';
import { AZURE_LIMITS } from './limits.js';

/** Azure AI inference's chat completions take seed and penalties, and no top-k. */
const AZURE_SAMPLING: ReadonlySet<SamplingField> = new Set(['seed', 'presencePenalty', 'frequencyPenalty']);

import type { AzureProviderOptions } from './options.js';

/** Azure AI inference: `/chat/completions` (SSE streaming) and `/embeddings`. */
export const azureProvider: ProviderDefinition<'azure', AzureProviderOptions> = {
  name: 'azure',
  telemetry: { system: 'az.ai.inference', providerName: 'azure.ai.inference' },
  limits: AZURE_LIMITS,
  refuses: (_target, req) =>
    unsupportedSampling(req, AZURE_SAMPLING, 'Azure AI inference') ??
    imageProblem(
      req,
      { maxCount: 500, maxBytes: 20 * 1024 * 1024, maxTotalBytes: 50 * 1024 * 1024 },
      'Azure AI inference',
    ),
  notConfigured: (options) =>
    options
      ? undefined
      : 'Azure AI inference is not configured; pass providers.azure: { endpoint, apiKey | credential } to createClient',
  checkOptions(options, fail) {
    if (typeof options.endpoint !== 'string' || !/^https?:\/\/\S+$/.test(options.endpoint)) {
      fail('endpoint', options.endpoint, 'expected the https:// URL of an Azure AI inference endpoint');
    }
    if (options.credential && 'getToken' in options.credential && options.endpoint.startsWith('http://')) {
      // The Azure pipeline refuses to send bearer tokens over plain http; say so now rather than on every call.
      fail(
        'credential',
        'a TokenCredential',
        `Entra ID tokens are only sent over https, and the endpoint is ${options.endpoint}; use apiKey for a local http endpoint`,
      );
    }
    const { scopes } = options;
    if (
      scopes !== undefined &&
      !(Array.isArray(scopes) && scopes.length > 0 && scopes.every((s) => typeof s === 'string' && s !== ''))
    ) {
      fail(
        'scopes',
        scopes,
        "expected a non-empty list of Entra ID scopes such as ['https://ml.azure.com/.default']",
      );
    }
  },
  async load(options) {
    const { AzureAdapter } = await import('./adapter.js');
    // Validation refuses azure/ models before any call when the provider is not configured.
    return new AzureAdapter(options as AzureProviderOptions);
  },
  fromConfig(config, env) {
    const p = config.providers.azure;
    if (!p) return undefined;
    // The key is a secret: from the environment (a secret store), never from the configuration.
    const apiKey = env[FRONT_ENV.azureApiKey.name];
    return { ...p, ...(apiKey ? { apiKey } : {}) };
  },
};
