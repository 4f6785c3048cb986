export * from './container-image.js';
export * from './errors.js';
export * from './gpu-instances.js';
export * from './model-source.js';
export * from './nag.js';
export * from './redis-cache.js';
export * from './sagemaker-gpu-endpoint.js';
export * from './vector-store.js';
