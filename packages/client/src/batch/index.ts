export { type BatchLimitOverride, type BatchOptions, createEmbedBatchLayer } from './embed-batch-layer.js';
export { type BatchFunction, MicroBatcher, type MicroBatcherOptions } from './micro-batcher.js';
