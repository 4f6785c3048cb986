import { Ajv2020 } from 'ajv/dist/2020.js';

/** What the tool and structured-output tests share: a JSON Schema validator and test images. */

const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is not installed: the formats the schema sampler writes, checked with plain patterns.
for (const [name, re] of Object.entries({
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  time: /^\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/,
  email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
  uri: /^[a-z][a-z0-9+.-]*:\S+$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  ipv4: /^(\d{1,3}\.){3}\d{1,3}$/,
}))
  ajv.addFormat(name, re);

/** Validation errors of `value` against `schema` (an empty list when it conforms). */
export function schemaErrors(schema: unknown, value: unknown): string[] {
  const validate = ajv.compile(schema as object);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Vertex's OpenAPI subset (upper-case types, `nullable`) as the JSON Schema it means, for validation. */
export function openApiToJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openApiToJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable' || key === 'propertyOrdering') continue;
    out[key] =
      key === 'type' && typeof value === 'string'
        ? value.toLowerCase()
        : key === 'properties'
          ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, openApiToJsonSchema(v)]))
          : openApiToJsonSchema(value);
  }
  return out;
}

/** A 1 × 1 PNG and a 2 × 1 GIF: real image headers, so the emulator's format checks accept them. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
export const GIF = Buffer.from('R0lGODlhAgABAIAAAP///wAAACwAAAAAAgABAAACAkQBADs=', 'base64');

/** A tool whose parameters exercise the sampler: enum, format, bounds, arrays, a nested object. */
export const WEATHER_SCHEMA = {
  type: 'object',
  properties: {
    city: { type: 'string', minLength: 2 },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    days: { type: 'integer', minimum: 1, maximum: 7 },
    when: { type: 'string', format: 'date' },
    tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
    location: {
      type: 'object',
      properties: {
        lat: { type: 'number', minimum: -90, maximum: 90 },
        code: { type: 'string', pattern: '^[A-Z]{3}$' },
      },
      required: ['lat', 'code'],
      additionalProperties: false,
    },
  },
  required: ['city', 'unit', 'days', 'location'],
  additionalProperties: false,
} as const;

export const TIME_SCHEMA = {
  type: 'object',
  properties: { timezone: { type: 'string' } },
  required: ['timezone'],
} as const;
