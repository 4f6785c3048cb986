export * from './bedrock-models.js';
export * from './container-image.js';
export * from './errors.js';
export { FRONT_BUNDLE_DIR, type FrontBundle, frontBundle } from './front-bundle.js';
export * from './genai-platform.js';
export * from './gpu-instances.js';
export * from './lambda-front.js';
export * from './model-source.js';
export * from './nag.js';
export * from './redis-cache.js';
export * from './sagemaker-gpu-endpoint.js';
// The base class stays private: ISageMakerGpuEndpoint and fromEndpointName are the way to other endpoints.
export {
  endpointArnFor,
  type ISageMakerGpuEndpoint,
  inferenceComponentArnFor,
  VARIANT_NAME,
} from './sagemaker-gpu-endpoint-base.js';
export type * from './sagemaker-gpu-endpoint-props.js';
export * from './vector-store.js';
