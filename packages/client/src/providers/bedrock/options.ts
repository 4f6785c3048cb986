import type { AwsProviderOptions } from '../shared/aws-config.js';

/** `providers.bedrock`. @default - region and credentials from the AWS SDK's default chains */
export type BedrockProviderOptions = AwsProviderOptions;
