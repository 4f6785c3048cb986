import { z } from 'zod';
import { HttpError } from '../errors.js';
import { parseBody } from '../openai-schema.js';

/** OpenAI's cursor pagination: `limit` (1–100, 20), `order` by creation (`desc`), `after` / `before` an id. */
export const listQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
  after: z.string().min(1).max(128).optional(),
  before: z.string().min(1).max(128).optional(),
});

export type ListQuery = z.output<typeof listQuerySchema>;

/** The query string's pagination fields, plus `extra` fields a list accepts (e.g. `filter`, `purpose`). */
export function listQuery<E extends z.ZodRawShape>(
  query: Record<string, string>,
  extra: E = {} as E,
): ListQuery & z.output<z.ZodObject<E>> {
  return parseBody(listQuerySchema.extend(extra), query) as ListQuery & z.output<z.ZodObject<E>>;
}

/** One page of `items` (any order) as OpenAI's list: `{ object: 'list', data, first_id, last_id, has_more }`. */
export function page<T extends { readonly id: string; readonly createdAt: number }, V>(
  items: readonly T[],
  query: ListQuery,
  view: (item: T) => V,
) {
  const sign = query.order === 'asc' ? 1 : -1;
  const sorted = [...items].sort(
    (a, b) => sign * (a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  );
  let from = 0;
  let to = sorted.length;
  if (query.after !== undefined) from = cursor(sorted, query.after, 'after') + 1;
  if (query.before !== undefined) to = cursor(sorted, query.before, 'before');
  // `before` pages backwards: the items just before the cursor.
  const window = sorted.slice(from, to);
  const chosen = query.before !== undefined ? window.slice(-query.limit) : window.slice(0, query.limit);
  const hasMore = query.before !== undefined ? window.length > chosen.length : from + chosen.length < to;
  return {
    object: 'list' as const,
    data: chosen.map(view),
    first_id: chosen[0]?.id ?? null,
    last_id: chosen.at(-1)?.id ?? null,
    has_more: hasMore,
  };
}

function cursor(items: readonly { readonly id: string }[], id: string, param: string): number {
  const at = items.findIndex((i) => i.id === id);
  if (at < 0) {
    throw new HttpError(
      400,
      `invalid ${param}: got "${id.slice(0, 80)}", which is not in this list (deleted, or another list's id); start again without "${param}"`,
      { param, code: 'invalid_value' },
    );
  }
  return at;
}
