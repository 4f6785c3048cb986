import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize, canonicalizeFields } from './canonical.js';

/** JSON with every object's keys sorted by code unit: what the canonical form of a JSON value must equal. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(v);
}

// Keys already stored in a shared Redis stay valid only if the canonical form never changes: these pin it.
describe('canonicalize: the stored form', () => {
  it('of a JSON value is its JSON with sorted keys, whatever the strings hold (escapes, surrogates)', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(text, tie('node'), { maxKeys: 20 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalize(v)).toBe(sortedJson(v));
      }),
      { numRuns: 500 },
    );
  });

  it('of the values JSON cannot write', () => {
    expect(canonicalize([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0])).toBe(
      '[#NaN,#Inf,#-Inf,0]',
    );
    expect(canonicalize({ b: 2n, a: undefined, f: () => 1, d: new Date(0) })).toBe(
      '{"b":2n,"d":"1970-01-01T00:00:00.000Z"}',
    );
    expect(canonicalize([undefined, Symbol('s'), new Uint8Array([1, 2, 3])])).toBe('[null,null,#bAQID]');
    // biome-ignore lint/suspicious/noSparseArray: a hole is written as nothing, as map + join did.
    expect(canonicalize([1, , 3])).toBe('[1,,3]');
    expect(
      canonicalize(
        new Map<unknown, unknown>([
          ['z', 1],
          [2, 'two'],
        ]),
      ),
    ).toBe('{"2":"two","z":1}');
  });

  it('sorts keys by code unit, for few keys and many', () => {
    expect(canonicalize({ é: 1, e: 2, E: 3, '\u{1F600}': 4, '\uFFFF': 5, '10': 6, '9': 7 })).toBe(
      '{"10":6,"9":7,"E":3,"e":2,"é":1,"\u{1F600}":4,"\uFFFF":5}',
    );
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i * 7) % 40}`, i]));
    expect(canonicalize(many)).toBe(sortedJson(many));
  });

  it('allows a value shared by two fields (not a cycle), rejects a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
    const a: Record<string, unknown> = {};
    a['self'] = [a];
    expect(() => canonicalize(a)).toThrow('cannot build a cache key from a value with a cycle');
  });
});

describe('canonicalizeFields', () => {
  it('writes what canonicalize writes for a copy without the omitted fields', () => {
    const omit = new Set(['signal', 'model', 'b']);
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a', 'b', 'model', 'signal', 'z', 'é'), fc.jsonValue()),
        (obj) => {
          const copy = Object.fromEntries(Object.entries(obj).filter(([k]) => !omit.has(k)));
          expect(canonicalizeFields(obj, omit)).toBe(canonicalize(copy));
        },
      ),
    );
  });

  it('rejects a cycle through the object itself', () => {
    const a: Record<string, unknown> = { x: 1 };
    a['self'] = { back: a };
    expect(() => canonicalizeFields(a, new Set(['x']))).toThrow(/cycle/);
  });
});
