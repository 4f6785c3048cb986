import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prng } from './content.js';
import { sampleSchema } from './json-schema-sample.js';
import { sampleFromPattern } from './regex-sample.js';
import { openApiToJsonSchema, schemaErrors } from './schema.test-utils.js';

/** Small schemas of the shapes tools and response formats use; bounds are generated consistent (min ≤ max). */
const bounds = (lo: number, hi: number) =>
  fc
    .tuple(fc.option(fc.integer({ min: lo, max: hi })), fc.option(fc.integer({ min: 0, max: hi - lo })))
    .map(([min, span]) => ({
      ...(min === null ? {} : { min }),
      ...(span === null ? {} : { max: (min ?? lo) + span }),
    }));

const stringSchema = fc.oneof(
  bounds(0, 40).map(({ min, max }) => ({
    type: 'string',
    ...(min === undefined ? {} : { minLength: min }),
    ...(max === undefined ? {} : { maxLength: max }),
  })),
  fc
    .constantFrom('date-time', 'date', 'time', 'email', 'uri', 'uuid', 'ipv4')
    .map((format) => ({ type: 'string', format })),
  fc
    .uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 })
    .map((e) => ({ type: 'string', enum: e })),
  fc
    .constantFrom('^[A-Z]{3}$', '^\\d{4}-\\d{2}$', '^(red|green)-[0-9]+$', '^[a-z_]+@x\\.io$')
    .map((pattern) => ({ type: 'string', pattern })),
);

const numberSchema = fc
  .tuple(
    fc.constantFrom('integer', 'number'),
    bounds(-1000, 1000),
    fc.boolean(),
    fc.option(fc.constantFrom(2, 5, 0.5)),
  )
  .map(([type, { min, max }, exclusive, multipleOf]) => {
    const schema: Record<string, unknown> = { type };
    if (min !== undefined) schema[exclusive ? 'exclusiveMinimum' : 'minimum'] = min;
    // Exclusive bounds on both sides need room for a value between them.
    if (max !== undefined) schema.maximum = exclusive && min !== undefined ? max + 2 : max;
    if (multipleOf !== null && (type === 'number' || Number.isInteger(multipleOf))) {
      schema.multipleOf = multipleOf;
      // Room for a multiple between the bounds.
      if (max !== undefined) schema.maximum = (schema.maximum as number) + 10;
    }
    return schema;
  });

const leaf = fc.oneof(
  stringSchema,
  numberSchema,
  fc.constant({ type: 'boolean' }),
  fc.constant({ type: 'null' }),
  fc.jsonValue({ maxDepth: 2 }).map((value) => ({ const: value })),
);

const schemaArb = fc.letrec<{ schema: Record<string, unknown> }>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('schema'), bounds(0, 4), fc.boolean()).map(([items, { min, max }, unique]) => ({
      type: 'array',
      items,
      ...(min === undefined ? {} : { minItems: min }),
      ...(max === undefined ? {} : { maxItems: max }),
      // uniqueItems only where the items can differ enough.
      ...(unique && items.type === 'string' && !items.enum && items.maxLength === undefined
        ? { uniqueItems: true }
        : {}),
    })),
    fc
      .dictionary(fc.stringMatching(/^[a-z][a-z_]{0,8}$/), tie('schema'), { minKeys: 1, maxKeys: 4 })
      .chain((properties) =>
        fc.subarray(Object.keys(properties)).map((required) => ({
          type: 'object',
          properties,
          required,
          additionalProperties: false,
        })),
      ),
    fc.tuple(tie('schema'), tie('schema')).map(([a, b]) => ({ anyOf: [a, b] })),
    tie('schema')
      .filter((inner) => typeof inner.type === 'string' && inner.type !== 'null')
      .map((inner) => ({ ...inner, type: [inner.type, 'null'] })),
  ),
})).schema;

describe('sampleSchema', () => {
  it('samples values that conform to arbitrary schemas, the same for the same seed', () => {
    fc.assert(
      fc.property(schemaArb, fc.integer(), (schema, seed) => {
        const value = sampleSchema(schema, seed);
        expect(schemaErrors(schema, value), JSON.stringify({ schema, value })).toEqual([]);
        expect(sampleSchema(schema, seed)).toEqual(value);
      }),
      { numRuns: 400 },
    );
  });

  it('follows $refs (recursion ends), allOf, oneOf and draft-07 tuples', () => {
    const tree = {
      $defs: {
        node: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/$defs/node' } },
          },
          required: ['name', 'children'],
        },
      },
      $ref: '#/$defs/node',
    };
    const combined = {
      allOf: [
        { type: 'object', properties: { a: { type: 'integer', minimum: 3 } }, required: ['a'] },
        { properties: { b: { oneOf: [{ type: 'boolean' }, { type: 'string' }] } }, required: ['b'] },
      ],
    };
    const tuple = {
      type: 'array',
      prefixItems: [{ type: 'integer' }, { type: 'string', format: 'email' }],
      minItems: 2,
      items: false,
    };
    for (let seed = 0; seed < 20; seed++)
      for (const schema of [tree, combined, tuple])
        expect(schemaErrors(schema, sampleSchema(schema, seed))).toEqual([]);
  });

  it("reads Vertex's OpenAPI subset: upper-case and numeric types, nullable, propertyOrdering", () => {
    const schema = {
      type: 'OBJECT',
      properties: {
        title: { type: 'STRING', nullable: true },
        rating: { type: 'INTEGER', minimum: 1, maximum: 5 },
        tags: { type: 'ARRAY', items: { type: 'STRING', enum: ['a', 'b'] }, minItems: 1 },
        nested: { type: 6, properties: { ok: { type: 4 } }, required: ['ok'] },
      },
      propertyOrdering: ['rating', 'title'],
      required: ['title', 'rating'],
    };
    const value = sampleSchema(schema, 7) as Record<string, unknown>;
    expect(Object.keys(value).slice(0, 2)).toEqual(['title', 'rating']);
    const json = openApiToJsonSchema({
      ...schema,
      properties: {
        ...schema.properties,
        nested: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
      },
    });
    expect(schemaErrors(json, value)).toEqual([]);
  });
});

describe('sampleFromPattern', () => {
  it('writes strings that match common patterns, or nothing', () => {
    const rand = prng(3);
    for (const pattern of [
      '^[A-Z]{3}$',
      '^\\+?[1-9]\\d{1,14}$',
      '^(?:foo|bar)+_[a-z]{2,4}$',
      '[0-9a-f]{8}',
      '^\\w+\\.json$',
    ])
      for (let i = 0; i < 10; i++) expect(sampleFromPattern(pattern, rand)).toMatch(new RegExp(pattern, 'u'));
    expect(sampleFromPattern('^(?!x)y$', rand)).toBeUndefined();
    expect(sampleFromPattern('^[a-z]{5}$', rand, 0, 3)).toBeUndefined();
  });
});
