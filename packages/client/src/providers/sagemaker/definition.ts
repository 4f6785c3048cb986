import { parseModelAddress } from '@genai-deploy/config';
import type { ProviderDefinition } from '../provider-definition.js';
import { checkEndpointOverride } from '../shared/option-checks.js';
import { SAGEMAKER_LIMITS } from './limits.js';
import type { SageMakerProviderOptions } from './options.js';
import { BUILT_IN_SAGEMAKER_ADAPTERS, type BuiltInSageMakerAdapter } from './payloads.js';

/** Amazon SageMaker Runtime: InvokeEndpoint / InvokeEndpointWithResponseStream through a payload adapter. */
export const sagemakerProvider: ProviderDefinition<'sagemaker', SageMakerProviderOptions> = {
  name: 'sagemaker',
  // No well-known value in the GenAI conventions: ours.
  telemetry: { system: 'aws.sagemaker', providerName: 'aws.sagemaker' },
  limits: SAGEMAKER_LIMITS,
  // Region and credentials have defaults (the AWS SDK's chains), the payload adapter too.
  notConfigured: () => undefined,
  refuses(target, req, options) {
    const chosen = options?.adapters?.[target.model] ?? 'tgi';
    const adapter = typeof chosen === 'string' ? BUILT_IN_SAGEMAKER_ADAPTERS[chosen] : chosen;
    return adapter.refuses?.(req);
  },
  checkOptions(options, fail) {
    for (const [endpoint, component] of Object.entries(options.inferenceComponents ?? {})) {
      if (typeof component !== 'string' || !/^[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}$/.test(component)) {
        fail(
          `inferenceComponents["${endpoint}"]`,
          component,
          'expected a SageMaker inference component name (letters, digits and hyphens, up to 63 characters)',
        );
      }
    }
    checkEndpointOverride(options.endpoint, fail);
  },
  async load(options) {
    const { SageMakerAdapterProvider } = await import('./adapter.js');
    return new SageMakerAdapterProvider(options);
  },
  fromConfig(config) {
    // The container decides the payload format: each sagemaker/ model names its adapter (by kind when unset).
    const adapters: Record<string, BuiltInSageMakerAdapter> = {};
    const inferenceComponents: Record<string, string> = {};
    for (const m of config.models) {
      const address = parseModelAddress(m.id);
      if (address?.provider !== 'sagemaker') continue;
      adapters[address.model] = m.adapter ?? (m.kind === 'embedding' ? 'embeddings' : 'tgi');
      if (m.inferenceComponent) inferenceComponents[address.model] = m.inferenceComponent;
    }
    const p = config.providers.sagemaker;
    if (!p && Object.keys(adapters).length === 0) return undefined;
    return {
      ...p,
      ...(Object.keys(adapters).length > 0 ? { adapters } : {}),
      ...(Object.keys(inferenceComponents).length > 0 ? { inferenceComponents } : {}),
    };
  },
};
