import { memoryIndex, type VectorIndex } from '@genai-deploy/client/retrieval';
import type { VectorStoreConfig } from '@genai-deploy/config';
import type { Redis } from 'ioredis';
import type { FrontState } from '../context.js';
import { MemoryJobStore, RedisJobStore } from '../jobs.js';
import { Grounding } from './grounding.js';
import { Ingestion, type IngestionOptions } from './ingestion.js';
import { MemoryVectorStoreMetadata, type VectorStoreMetadata } from './metadata.js';
import { RedisVectorStoreMetadata } from './redis-metadata.js';
import { scopedStoreId, VectorStoreService } from './service.js';

/** The vector store API and grounded chat of one front. */
export interface VectorStores {
  /** Undefined when the configuration has no `vectorStore`: the routes then answer 404 saying so. */
  readonly service: VectorStoreService | undefined;
  readonly grounding: Grounding;
  /** Stops the ingestion workers (files still running after `drainMs` go back to the queue). */
  stop(drainMs?: number): Promise<void>;
  /** Releases the index's client. */
  close(): Promise<void>;
}

export interface VectorStoresOptions {
  /** @default - built from config.vectorStore when its engine is `memory`; required for the other engines */
  readonly index?: VectorIndex;
  readonly ingestion?: IngestionOptions;
  readonly redis?: Redis;
  readonly keyPrefix: string;
}

/**
 * The vector store API over the configuration's `vectorStore`: metadata and the ingestion queue in Redis when the
 * front has it (any instance serves any request and runs any file), else in this process.
 */
export function createVectorStores(front: FrontState, options: VectorStoresOptions): VectorStores {
  const config = front.config.vectorStore;
  if (!config) {
    const grounded = Object.entries(front.config.routes).find(([, r]) => r.retrieval);
    if (grounded) {
      throw new Error(
        `route "${grounded[0]}" has retrieval, but the configuration has no vectorStore; add config.vectorStore (engine, embeddingModel, dimension) or remove the route's retrieval`,
      );
    }
    return {
      service: undefined,
      grounding: new Grounding(front, undefined),
      stop: async () => {},
      close: async () => {},
    };
  }
  const index = options.index ?? memoryOnly(config);
  const { redis, keyPrefix } = options;
  const meta: VectorStoreMetadata = redis
    ? new RedisVectorStoreMetadata(redis, keyPrefix)
    : new MemoryVectorStoreMetadata();
  const jobs = redis ? new RedisJobStore(redis, `${keyPrefix}vs:ingest:`) : new MemoryJobStore();
  let service: VectorStoreService | undefined;
  const ingestion = new Ingestion(
    { front, config, index, meta, jobs, scopedStoreId, ready: () => service!.ready() },
    options.ingestion,
  );
  service = new VectorStoreService({ front, config, index, meta, ingestion });
  const built = service;
  return {
    service: built,
    grounding: new Grounding(front, built),
    stop: (drainMs) => ingestion.stop(drainMs),
    close: () => built.close(),
  };
}

function memoryOnly(config: VectorStoreConfig): VectorIndex {
  if (config.engine !== 'memory') {
    throw new Error(
      `config.vectorStore.engine is "${config.engine}": createFront needs its index (the vectorIndex option); createFrontFromEnv and startFront build it from the configuration`,
    );
  }
  return memoryIndex({ dimension: config.dimension });
}
