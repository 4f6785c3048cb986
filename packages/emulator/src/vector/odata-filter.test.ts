import { describe, expect, it } from 'vitest';
import { compileFilter, type FilterField } from './odata-filter.js';

const FIELDS: FilterField[] = [
  { name: 'id', type: 'Edm.String' },
  { name: 'title', type: 'Edm.String' },
  { name: 'year', type: 'Edm.Int32' },
  { name: 'draft', type: 'Edm.Boolean' },
  { name: 'body', type: 'Edm.String', filterable: false },
  { name: 'tags', type: 'Collection(Edm.String)' },
  {
    name: 'attributes',
    type: 'Collection(Edm.ComplexType)',
    fields: [
      { name: 'key', type: 'Edm.String' },
      { name: 's', type: 'Edm.String' },
      { name: 'n', type: 'Edm.Double' },
    ],
  },
];

const DOCS = [
  {
    id: 'a',
    title: "O'Brien",
    year: 2020,
    draft: false,
    tags: ['x', 'y'],
    attributes: [{ key: 'team', s: 'red' }],
  },
  { id: 'b', title: 'Plain', year: 2024, draft: true, tags: [], attributes: [{ key: 'score', n: 7 }] },
  { id: 'c', title: null, year: 2026, tags: ['y'], attributes: [] },
];

const ids = (filter: string) => DOCS.filter(compileFilter(filter, FIELDS)).map((d) => d.id);

describe('OData filter', () => {
  it('compares with eq, ne, gt, ge, lt, le, against strings, numbers, booleans and null', () => {
    expect(ids("title eq 'O''Brien'")).toEqual(['a']);
    expect(ids('year ge 2024')).toEqual(['b', 'c']);
    expect(ids('year lt 2024')).toEqual(['a']);
    expect(ids('year gt 2020 and year le 2024')).toEqual(['b']);
    expect(ids('draft eq true')).toEqual(['b']);
    expect(ids('draft')).toEqual(['b']);
    expect(ids('title eq null')).toEqual(['c']);
    expect(ids("title ne 'Plain'")).toEqual(['a', 'c']);
  });

  it('combines with and, or, not and parentheses (and binds tighter than or)', () => {
    expect(ids("id eq 'a' or id eq 'b' and year eq 2020")).toEqual(['a']);
    expect(ids("(id eq 'a' or id eq 'b') and year eq 2024")).toEqual(['b']);
    expect(ids("not (id eq 'a')")).toEqual(['b', 'c']);
  });

  it('matches search.in with default and custom delimiters', () => {
    expect(ids("search.in(id, 'a, c')")).toEqual(['a', 'c']);
    expect(ids("search.in(title, 'Plain|O''Brien', '|')")).toEqual(['a', 'b']);
  });

  it('evaluates any and all over string and complex collections', () => {
    expect(ids("tags/any(t: t eq 'y')")).toEqual(['a', 'c']);
    expect(ids('tags/any()')).toEqual(['a', 'c']);
    expect(ids("tags/all(t: t eq 'y')")).toEqual(['b', 'c']);
    expect(ids("attributes/any(a: a/key eq 'score' and a/n ge 5)")).toEqual(['b']);
    expect(ids("not attributes/any(a: a/key eq 'team' and a/s eq 'red')")).toEqual(['b', 'c']);
    expect(ids("attributes/any(a: a/key eq 'team' and search.in(a/s, 'red,blue'))")).toEqual(['a']);
  });

  it('rejects unknown and non-filterable fields, bare collections and syntax errors, saying where', () => {
    expect(() => ids("color eq 'red'")).toThrow(
      "Could not find a property named 'color' on type 'search.document'",
    );
    expect(() => ids("body eq 'x'")).toThrow("The field 'body' is not filterable");
    expect(() => ids("tags eq 'x'")).toThrow("'tags' is a collection; filter it with any() or all()");
    expect(() => ids("attributes/any(a: a/colour eq 'x')")).toThrow(
      "Could not find a property named 'colour'",
    );
    expect(() => ids('year ge')).toThrow(/Syntax error at position 7 in 'year ge'/);
    expect(() => ids("title eq 'open")).toThrow('unterminated string starting at position 9');
  });
});
