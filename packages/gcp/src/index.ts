export * from './accelerator-catalog.js';
export * from './errors.js';
export * from './secret-ref.js';
export * from './vertex-ai-endpoint.js';
