import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { LRUCache } from 'lru-cache';
import { GenAiError } from '../errors.js';
import type { JsonSchema, ResponseFormat } from '../types.js';

/**
 * Structured output: the client checks every JSON answer against the caller's schema, whatever the provider
 * promised, because constrained decoding is best effort on some models and absent on others (a forced tool
 * is a request, not a guarantee). A non-conforming answer is a typed error carrying the raw text, and it is
 * never cached (the cache stores only results that come back from here).
 */

// Draft-07 unless the schema says 2019-09/2020-12 (zod 4's toJSONSchema says 2020-12). `strict: false`:
// schemas written for providers carry keywords Ajv does not know (OpenAPI's `nullable`, `propertyOrdering`).
const draft07 = new Ajv({ strict: false, allErrors: false, validateFormats: false });
const draft2020 = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
/** Compiled validators by schema text: compiling costs ~1 ms, a request with the same schema reuses it. */
const compiled = new LRUCache<string, ValidateFunction | Error>({ max: 256 });

/** The compiled validator of a schema, or the reason it cannot be compiled. */
export function schemaValidator(schema: JsonSchema): ValidateFunction | Error {
  const text = JSON.stringify(schema);
  let found = compiled.get(text);
  if (!found) {
    const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
    const ajv = /20(19|20)-/.test(dialect) ? draft2020 : draft07;
    try {
      // A schema's own $id would clash with the same schema compiled again under another text: drop it.
      const { $id: _id, ...rest } = schema as Record<string, unknown>;
      found = ajv.compile(rest);
    } catch (e) {
      found = e instanceof Error ? e : new Error(String(e));
    }
    compiled.set(text, found);
  }
  return found;
}

/** Checks a JSON schema where a request carries one; returns why it is unusable, or undefined. */
export function schemaProblem(schema: JsonSchema): string | undefined {
  const v = schemaValidator(schema);
  return v instanceof Error ? v.message : undefined;
}

/**
 * The parsed answer of a call with a JSON response format. Throws a GenAiError (kind `invalid-output`, not
 * retryable, `text` set to the raw answer) when the text is not JSON or does not conform to the schema.
 */
export function parseStructured(text: string, format: ResponseFormat, provider?: string): unknown {
  if (format.type === 'text') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidOutput('the model answered text that is not JSON', text, provider);
  }
  if (format.type === 'json') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw invalidOutput('the model answered JSON that is not an object', text, provider);
    }
    return value;
  }
  const validate = schemaValidator(format.schema);
  if (validate instanceof Error)
    throw invalidOutput(`the schema cannot be used: ${validate.message}`, text, provider);
  if (!validate(value)) {
    const first = validate.errors?.[0];
    const where = first
      ? `${first.instancePath || '(root)'} ${first.message ?? 'is invalid'}`
      : 'it is invalid';
    throw invalidOutput(
      `the model's JSON does not conform to the schema${format.name ? ` "${format.name}"` : ''}: ${where}`,
      text,
      provider,
    );
  }
  return value;
}

function invalidOutput(message: string, text: string, provider?: string): GenAiError {
  return new GenAiError(`${message}; the raw answer is in the error's \`text\``, {
    kind: 'invalid-output',
    ...(provider && { provider }),
    text,
  } as ConstructorParameters<typeof GenAiError>[1]);
}
