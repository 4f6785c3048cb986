export * from './azapi-provider.js';
export * from './azapi-resource.js';
export * from './azapi-update-resource.js';
export * from './errors.js';
