import { describe, expect, it } from 'vitest';
import { attributeEntries, attributesOf, searchIn, toOData } from './azure-filter.js';
import { validateFilter } from './filter.js';

const odata = (filter: unknown) => toOData(validateFilter(filter));

describe('Azure AI Search OData', () => {
  it('stores attributes as typed entries and reads them back, service nulls included', () => {
    const attrs = { team: 'red', year: 2020, public: false };
    expect(attributeEntries(attrs)).toEqual([
      { key: 'team', s: 'red' },
      { key: 'year', n: 2020 },
      { key: 'public', b: false },
    ]);
    expect(
      attributesOf([
        { key: 'team', s: 'red', n: null, b: null },
        { key: 'public', s: null, n: null, b: false },
      ]),
    ).toEqual({
      team: 'red',
      public: false,
    });
  });

  it('translates comparisons into any() over the attribute entries, quoting strings', () => {
    expect(odata({ type: 'eq', key: "o'k", value: "it's" })).toBe(
      "attributes/any(a: a/key eq 'o''k' and a/s eq 'it''s')",
    );
    expect(odata({ type: 'ne', key: 'public', value: true })).toBe(
      "not attributes/any(a: a/key eq 'public' and a/b eq true)",
    );
    expect(odata({ type: 'gte', key: 'year', value: 2020.5 })).toBe(
      "attributes/any(a: a/key eq 'year' and a/n ge 2020.5)",
    );
    expect(odata({ type: 'in', key: 't', value: ['a b', 'c', 3] })).toBe(
      "attributes/any(a: a/key eq 't' and (search.in(a/s, 'a b,c', ',') or a/n eq 3))",
    );
    expect(odata({ type: 'nin', key: 't', value: ['x'] })).toBe(
      "not attributes/any(a: a/key eq 't' and search.in(a/s, 'x', ','))",
    );
    expect(
      odata({
        type: 'or',
        filters: [
          { type: 'eq', key: 'a', value: 1 },
          { type: 'and', filters: [{ type: 'lt', key: 'b', value: 2 }] },
        ],
      }),
    ).toBe(
      "(attributes/any(a: a/key eq 'a' and a/n eq 1) or (attributes/any(a: a/key eq 'b' and a/n lt 2)))",
    );
  });

  it('picks a search.in delimiter no value contains, else an or of equalities', () => {
    expect(searchIn('f', ['a,b', 'c'])).toBe("search.in(f, 'a,b|c', '|')");
    expect(searchIn('f', [',|;~^#!$*+', 'x'])).toBe("(f eq ',|;~^#!$*+' or f eq 'x')");
    expect(searchIn('f', [' padded'])).toBe("(f eq ' padded')");
  });
});
