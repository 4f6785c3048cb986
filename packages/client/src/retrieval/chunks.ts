import { MAX_ATTRIBUTE_KEY_LENGTH, type VectorStoreFilter, validateFilter } from './filter.js';
import { invalidInput } from './retrieval-errors.js';
import type { Attributes, Chunk, SearchOptions } from './types.js';

/** Input checks shared by every engine, run before any network call, and the vector arithmetic they share. */

export const MAX_ATTRIBUTES = 16;
export const MAX_ATTRIBUTE_STRING_LENGTH = 512;
export const MAX_K = 1000;

/** The vector scaled to unit length, so every engine compares by cosine similarity. */
export function unitVector(vector: readonly number[], at: string): number[] {
  let sum = 0;
  for (const x of vector) sum += x * x;
  if (sum === 0) throw invalidInput(at, vector, 'an all-zero vector has no direction to compare');
  const n = Math.sqrt(sum);
  return vector.map((x) => x / n);
}

export function checkVector(vector: unknown, dimension: number | undefined, at: string): number[] {
  if (!Array.isArray(vector) || vector.length === 0)
    throw invalidInput(at, vector, 'must be a non-empty array of numbers (an embedding)');
  const bad = vector.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) throw invalidInput(`${at}[${bad}]`, vector[bad], 'must be a finite number');
  if (dimension !== undefined && vector.length !== dimension)
    throw invalidInput(
      at,
      vector,
      `has ${vector.length} dimensions; the index has ${dimension}`,
      "Embed with the model the index was created for, or set the index's dimension to the model's",
    );
  return unitVector(vector, at);
}

export function checkId(value: unknown, at: string): string {
  if (typeof value !== 'string' || value === '' || value.length > 512)
    throw invalidInput(at, value, 'must be a non-empty string of at most 512 characters');
  return value;
}

function checkAttributes(value: unknown, at: string): Attributes {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidInput(at, value, 'must be an object of string, number or boolean values');
  const entries = Object.entries(value);
  if (entries.length > MAX_ATTRIBUTES)
    throw invalidInput(at, value, `has ${entries.length} keys; at most ${MAX_ATTRIBUTES} are allowed`);
  for (const [key, v] of entries) {
    if (key === '' || key.length > MAX_ATTRIBUTE_KEY_LENGTH)
      throw invalidInput(`${at} key`, key, `must be 1 to ${MAX_ATTRIBUTE_KEY_LENGTH} characters`);
    if (
      typeof v === 'string'
        ? v.length > MAX_ATTRIBUTE_STRING_LENGTH
        : typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))
    )
      throw invalidInput(
        `${at}.${key}`,
        v,
        `must be a string of at most ${MAX_ATTRIBUTE_STRING_LENGTH} characters, a finite number or a boolean`,
      );
  }
  return value as Attributes;
}

/** A chunk as checked: ids present, attributes in bounds, the vector of the index's dimension and unit length. */
export interface CheckedChunk extends Chunk {
  readonly unit: readonly number[];
  readonly attributes: Attributes;
}

export function checkChunks(chunks: unknown, dimension: number | undefined): CheckedChunk[] {
  if (!Array.isArray(chunks)) throw invalidInput('chunks', chunks, 'must be an array of chunks');
  const seen = new Set<string>();
  return chunks.map((c: unknown, i): CheckedChunk => {
    const at = `chunks[${i}]`;
    if (typeof c !== 'object' || c === null) throw invalidInput(at, c, 'must be a chunk object');
    const chunk = c as Record<string, unknown>;
    const id = checkId(chunk.id, `${at}.id`);
    if (seen.has(id))
      throw invalidInput(`${at}.id`, id, 'appears twice in one upsert', 'Give every chunk its own id');
    seen.add(id);
    checkId(chunk.vectorStoreId, `${at}.vectorStoreId`);
    checkId(chunk.fileId, `${at}.fileId`);
    if (typeof chunk.text !== 'string') throw invalidInput(`${at}.text`, chunk.text, 'must be a string');
    if (chunk.filename !== undefined && typeof chunk.filename !== 'string')
      throw invalidInput(`${at}.filename`, chunk.filename, 'must be a string when set');
    const unit = checkVector(chunk.vector, dimension, `${at}.vector`);
    return {
      ...(chunk as unknown as Chunk),
      unit,
      attributes: checkAttributes(chunk.attributes, `${at}.attributes`),
    };
  });
}

export interface CheckedSearch {
  readonly unit: number[];
  readonly k: number;
  readonly filter?: VectorStoreFilter;
  readonly vectorStoreIds?: readonly string[];
}

export function checkSearch(
  vector: unknown,
  options: SearchOptions,
  dimension: number | undefined,
): CheckedSearch {
  const unit = checkVector(vector, dimension, 'vector');
  const { k, filter, vectorStoreIds } = options ?? ({} as SearchOptions);
  if (!Number.isInteger(k) || k < 1 || k > MAX_K)
    throw invalidInput('k', k, `must be a whole number from 1 to ${MAX_K}`);
  if (vectorStoreIds !== undefined) {
    if (!Array.isArray(vectorStoreIds) || vectorStoreIds.length === 0)
      throw invalidInput(
        'vectorStoreIds',
        vectorStoreIds,
        'must be a non-empty array when set',
        'Omit it to search every store',
      );
    for (const [i, id] of vectorStoreIds.entries()) checkId(id, `vectorStoreIds[${i}]`);
  }
  return {
    unit,
    k,
    ...(filter !== undefined ? { filter: validateFilter(filter) } : {}),
    ...(vectorStoreIds !== undefined ? { vectorStoreIds: [...vectorStoreIds] } : {}),
  };
}

/** Splits `items` into batches of at most `maxItems` and about `maxBytes` (by `sizeOf`), never empty. */
export function batches<T>(
  items: readonly T[],
  maxItems: number,
  maxBytes = Infinity,
  sizeOf: (item: T) => number = () => 0,
): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Rough JSON size of a chunk: its text plus ~12 bytes per vector component. */
export const approxBytes = (chunk: Chunk): number => chunk.text.length + chunk.vector.length * 12 + 256;
