export * from './accelerator-catalog.js';
export * from './cache-connection.js';
export * from './cloud-run-front.js';
export * from './errors.js';
export * from './memorystore-cache.js';
export * from './provider-project.js';
export * from './secret-ref.js';
export * from './vertex-ai-endpoint.js';
