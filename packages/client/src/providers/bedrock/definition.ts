import type { ProviderDefinition } from '../provider-definition.js';
import { checkEndpointOverride } from '../shared/option-checks.js';
import { BEDROCK_LIMITS } from './limits.js';
import type { BedrockProviderOptions } from './options.js';
import { bedrockRefuses } from './support.js';

/** Amazon Bedrock Runtime: Converse / ConverseStream, InvokeModel for embeddings. */
export const bedrockProvider: ProviderDefinition<'bedrock', BedrockProviderOptions> = {
  name: 'bedrock',
  telemetry: { system: 'aws.bedrock', providerName: 'aws.bedrock' },
  limits: BEDROCK_LIMITS,
  // Region and credentials have defaults (the AWS SDK's chains): usable without options.
  notConfigured: () => undefined,
  refuses: (target, req) => bedrockRefuses(target.model, req),
  checkOptions(options, fail) {
    checkEndpointOverride(options.endpoint, fail);
  },
  async load(options) {
    const { BedrockAdapter } = await import('./adapter.js');
    return new BedrockAdapter(options);
  },
  fromConfig: (config) => (config.providers.bedrock ? { ...config.providers.bedrock } : undefined),
};
