import type { AwsProviderOptions } from '../shared/aws-config.js';
import type { BuiltInSageMakerAdapter, SageMakerAdapter } from './payloads.js';

/** `providers.sagemaker`. @default - region and credentials from the AWS SDK's default chains, the 'tgi' adapter */
export interface SageMakerProviderOptions extends AwsProviderOptions {
  /**
   * Payload adapter per endpoint name: a built-in ('tgi', 'messages', 'embeddings') or your own SageMakerAdapter.
   * @default - 'tgi' for generate/stream, 'embeddings' for embed
   */
  readonly adapters?: Readonly<Record<string, SageMakerAdapter | BuiltInSageMakerAdapter>>;
  /**
   * Inference component per endpoint name, sent as `InferenceComponentName` on InvokeEndpoint and
   * InvokeEndpointWithResponseStream. Endpoints that host their model as an inference component (such as
   * scale-to-zero endpoints) need it.
   * @default {} (no component: the endpoint's production variant answers)
   */
  readonly inferenceComponents?: Readonly<Record<string, string>>;
}
