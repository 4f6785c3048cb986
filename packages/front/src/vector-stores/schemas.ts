import { z } from 'zod';
import { chunkingStrategySchema } from './chunking.js';

/** Request bodies of the vector store API, in OpenAI's field names; a field we do not honour is refused. */

const metadata = z
  .record(z.string().min(1).max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, 'expected at most 16 keys');

/** File attributes: up to 16 keys of up to 64 characters; strings up to 512 characters, numbers or booleans. */
export const attributesSchema = z
  .record(z.string().min(1).max(64), z.union([z.string().max(512), z.number().finite(), z.boolean()]))
  .refine((a) => Object.keys(a).length <= 16, 'expected at most 16 keys');

const noExpiry = z
  .never({
    error: 'expiry is not supported by this gateway; delete the vector store when it is no longer needed',
  })
  .optional();

export const createStoreSchema = z.strictObject({
  name: z.string().max(256).optional(),
  description: z.string().max(512).optional(),
  metadata: metadata.nullable().optional(),
  chunking_strategy: chunkingStrategySchema.optional(),
  file_ids: z.array(z.string().min(1).max(128)).max(500).optional(),
  expires_after: noExpiry,
});

export const attachFileSchema = z.strictObject({
  file_id: z.string().min(1).max(128),
  attributes: attributesSchema.nullable().optional(),
  chunking_strategy: chunkingStrategySchema.optional(),
});

export const searchSchema = z.strictObject({
  query: z.union([z.string().min(1).max(16_384), z.array(z.string().min(1).max(16_384)).min(1).max(16)], {
    error: 'expected a non-empty string or an array of non-empty strings',
  }),
  max_num_results: z.number().int().min(1).max(50).default(10),
  /** Validated by the retrieval module (its messages name the filter's field and rule). */
  filters: z.unknown().optional(),
  ranking_options: z
    .strictObject({
      // Results are ranked by similarity alone: no re-ranker runs, whichever is asked for.
      ranker: z.enum(['none', 'auto', 'default-2024-11-15']).optional(),
      score_threshold: z.number().min(0).max(1).optional(),
    })
    .optional(),
  rewrite_query: z
    .literal(false, { error: 'query rewriting is not supported by this gateway; send false or omit it' })
    .optional(),
});

export type CreateStoreBody = z.output<typeof createStoreSchema>;
export type AttachFileBody = z.output<typeof attachFileSchema>;
export type SearchBody = z.output<typeof searchSchema>;
