import { type CheckedChunk, checkChunks, checkId, checkSearch } from './chunks.js';
import { matchesFilter } from './filter.js';
import type { SearchHit, VectorIndex } from './types.js';

export interface MemoryIndexOptions {
  /** Vector length every chunk and query must have. @default - set by the first upsert */
  readonly dimension?: number;
}

/**
 * An exact-cosine index in this process: for tests and `npm start`, and the reference the engines are tested
 * against. Nothing persists; `close()` empties it.
 */
export function memoryIndex(options: MemoryIndexOptions = {}): VectorIndex {
  const chunks = new Map<string, CheckedChunk>();
  let dimension = options.dimension;

  const remove = (match: (c: CheckedChunk) => boolean): number => {
    let removed = 0;
    for (const [id, c] of chunks)
      if (match(c)) {
        chunks.delete(id);
        removed += 1;
      }
    return removed;
  };

  return {
    engine: 'memory',
    async ensureIndex() {},
    async upsert(input) {
      const checked = checkChunks(input, dimension);
      if (checked.length > 0) dimension ??= checked[0]!.unit.length;
      for (const c of checked) chunks.set(c.id, c);
    },
    async search(vector, opts) {
      const { unit, k, filter, vectorStoreIds } = checkSearch(vector, opts, dimension);
      const hits: SearchHit[] = [];
      for (const c of chunks.values()) {
        if (vectorStoreIds && !vectorStoreIds.includes(c.vectorStoreId)) continue;
        if (filter && !matchesFilter(c.attributes, filter)) continue;
        let score = 0;
        for (let i = 0; i < unit.length; i++) score += unit[i]! * c.unit[i]!;
        hits.push({
          id: c.id,
          vectorStoreId: c.vectorStoreId,
          fileId: c.fileId,
          filename: c.filename ?? '',
          text: c.text,
          score,
          attributes: c.attributes,
        });
      }
      return hits.sort((a, b) => b.score - a.score).slice(0, k);
    },
    async deleteByFile(vectorStoreId, fileId) {
      checkId(vectorStoreId, 'vectorStoreId');
      checkId(fileId, 'fileId');
      return remove((c) => c.vectorStoreId === vectorStoreId && c.fileId === fileId);
    },
    async deleteStore(vectorStoreId) {
      checkId(vectorStoreId, 'vectorStoreId');
      return remove((c) => c.vectorStoreId === vectorStoreId);
    },
    async close() {
      chunks.clear();
    },
  };
}
