import { describe, expect, it } from 'vitest';
import { validateFilter } from './filter.js';
import { datapointRestricts, FILE_NAMESPACE, queryRestricts, STORE_NAMESPACE } from './vertex-filter.js';

const restricts = (filter: unknown, stores?: string[]) => queryRestricts(validateFilter(filter), stores);

describe('Vertex restricts', () => {
  it('tags a datapoint with its store, file and typed attributes', () => {
    expect(datapointRestricts('s1', 'f1', { team: 'red', year: 2020, public: true })).toEqual({
      restricts: [
        { namespace: STORE_NAMESPACE, allowList: ['s1'] },
        { namespace: FILE_NAMESPACE, allowList: ['f1'] },
        { namespace: 's:team', allowList: ['red'] },
        { namespace: 'b:public', allowList: ['true'] },
      ],
      numericRestricts: [{ namespace: 'n:year', valueDouble: 2020 }],
    });
  });

  it('turns and, eq, ne, in, nin and ranges into allow lists, deny lists and numeric restricts', () => {
    expect(
      restricts(
        {
          type: 'and',
          filters: [
            { type: 'in', key: 'team', value: ['red', 'blue'] },
            { type: 'ne', key: 'team', value: 'green' },
            { type: 'nin', key: 'tag', value: ['x', 'y'] },
            { type: 'gte', key: 'year', value: 2020 },
            { type: 'lt', key: 'year', value: 2030 },
            { type: 'eq', key: 'public', value: false },
          ],
        },
        ['s1', 's2'],
      ),
    ).toEqual({
      restricts: [
        { namespace: STORE_NAMESPACE, allowList: ['s1', 's2'] },
        { namespace: 's:team', allowList: ['red', 'blue'], denyList: ['green'] },
        { namespace: 'b:public', allowList: ['false'] },
        { namespace: 's:tag', denyList: ['x', 'y'] },
      ],
      numericRestricts: [
        { namespace: 'n:year', valueDouble: 2020, op: 'GREATER_EQUAL' },
        { namespace: 'n:year', valueDouble: 2030, op: 'LESS' },
      ],
    });
  });

  it('intersects allow lists of one attribute under and, and finds contradictions without a call', () => {
    const both = {
      type: 'and',
      filters: [
        { type: 'in', key: 't', value: ['a', 'b'] },
        { type: 'in', key: 't', value: ['b', 'c'] },
      ],
    };
    expect(restricts(both)?.restricts).toEqual([{ namespace: 's:t', allowList: ['b'] }]);
    const never = {
      type: 'and',
      filters: [
        { type: 'eq', key: 't', value: 'a' },
        { type: 'eq', key: 't', value: 'b' },
      ],
    };
    expect(restricts(never)).toBeUndefined();
    expect(queryRestricts(validateFilter({ type: 'eq', key: 't', value: 'a' }), ['s1'])).toBeDefined();
  });

  it('accepts an or of eq/in on one string attribute, as one allow list', () => {
    const filter = {
      type: 'or',
      filters: [
        { type: 'eq', key: 't', value: 'a' },
        { type: 'or', filters: [{ type: 'in', key: 't', value: ['b', 'c'] }] },
      ],
    };
    expect(restricts(filter)?.restricts).toEqual([{ namespace: 's:t', allowList: ['a', 'b', 'c'] }]);
  });

  it.each([
    [
      'or across attributes',
      {
        type: 'or',
        filters: [
          { type: 'eq', key: 'a', value: 'x' },
          { type: 'eq', key: 'b', value: 'y' },
        ],
      },
    ],
    [
      'or over a range',
      {
        type: 'or',
        filters: [
          { type: 'gt', key: 'a', value: 1 },
          { type: 'eq', key: 'a', value: 'y' },
        ],
      },
    ],
    [
      'and inside or',
      {
        type: 'or',
        filters: [
          {
            type: 'and',
            filters: [
              { type: 'eq', key: 'a', value: 'x' },
              { type: 'eq', key: 'b', value: 'y' },
            ],
          },
        ],
      },
    ],
    ['ne on a number', { type: 'ne', key: 'year', value: 2020 }],
    ['in over numbers', { type: 'in', key: 'year', value: [1, 2] }],
    ['nin over a number', { type: 'nin', key: 'year', value: [1] }],
  ])('refuses %s with a clear error', (_, filter) => {
    expect(() => restricts(filter)).toThrow(
      expect.objectContaining({
        kind: 'invalid-request',
        code: 'unsupported-filter',
        message: expect.stringContaining('Vertex AI Vector Search cannot express'),
      }),
    );
  });
});
