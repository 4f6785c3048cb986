import { z } from 'zod';
import { HttpError } from './errors.js';

export const embeddingsRequestSchema = z.object({
  model: z.string().min(1, 'expected an embedding model name from GET /v1/models'),
  input: z.union(
    [
      z.string().min(1, 'expected a non-empty string'),
      z
        .array(z.string().min(1, 'expected a non-empty string'))
        .min(1, 'expected at least one input')
        .max(2048, 'expected at most 2048 inputs'),
    ],
    { error: 'expected a string or an array of strings (token arrays are not supported)' },
  ),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  /** Extension: retrieval role of the input for models that distinguish it. */
  input_type: z.enum(['query', 'document']).optional(),
  user: z.string().max(256).optional(),
});

export type EmbeddingsRequest = z.output<typeof embeddingsRequestSchema>;

/** `messages[0].role` from a zod path. */
export function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(body)';
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let cur = body;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** Validates a parsed body; a failure is a 400 naming the first bad field, what was received and what is expected. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, `expected a JSON object as the request body; got ${describe(body)}`, {
      code: 'invalid_body',
    });
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues[0]!;
  const field = fieldName(first.path);
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new HttpError(
    400,
    `invalid ${field}: ${first.message}; got ${describe(valueAt(body, first.path))}${more}`,
    { param: field, code: 'invalid_value' },
  );
}
