import { describe, expect, it } from 'vitest';
import { matchesFilter, validateFilter } from './filter.js';

const invalid = (filter: unknown) => {
  try {
    validateFilter(filter);
  } catch (e) {
    return e as { kind: string; code: string; message: string };
  }
  throw new Error('expected the filter to be refused');
};

describe('validateFilter', () => {
  it('accepts OpenAI comparison and compound filters', () => {
    const filter = {
      type: 'and',
      filters: [
        { type: 'eq', key: 'team', value: 'red' },
        {
          type: 'or',
          filters: [
            { type: 'gte', key: 'year', value: 2020 },
            { type: 'in', key: 'tag', value: ['a', 1] },
          ],
        },
      ],
    };
    expect(validateFilter(filter)).toEqual(filter);
  });

  it('names the path, the value and the rule of what it refuses', () => {
    expect(invalid({ type: 'like', key: 'a', value: 'b' })).toMatchObject({
      kind: 'invalid-request',
      code: 'validation',
      message: 'invalid filter.type: got "like"; must be one of eq, ne, gt, gte, lt, lte, in, nin, and, or',
    });
    expect(invalid({ type: 'and', filters: [{ type: 'gt', key: 'year', value: '2020' }] }).message).toBe(
      'invalid filter.filters[0].value: got "2020"; a gt comparison takes a finite number. Store the attribute as a number (dates as Unix seconds) to compare ranges',
    );
    expect(invalid({ type: 'in', key: 'a', value: [] }).message).toContain('takes a list of 1 to 100 values');
    expect(invalid({ type: 'in', key: 'a', value: ['x', true] }).message).toContain('filter.value[1]');
    expect(invalid({ type: 'eq', key: '', value: 1 }).message).toContain('invalid filter.key');
    expect(invalid({ type: 'eq', key: 'a', value: Number.NaN }).message).toContain(
      'takes a string, a finite number or a boolean',
    );
    expect(invalid({ type: 'or', filters: [] }).message).toContain('a non-empty list of filters');
    expect(invalid({ type: 'or', filter: [] }).message).toContain(
      'invalid filter.filter: got an array of 0; a "or" filter has only type, filters',
    );
    expect(invalid({ type: 'eq', key: 'a', value: 1, extra: true }).message).toContain(
      'invalid filter.extra',
    );
    let deep: unknown = { type: 'eq', key: 'a', value: 1 };
    for (let i = 0; i < 8; i++) deep = { type: 'and', filters: [deep] };
    expect(invalid(deep).message).toContain('compound filters nest at most 8 levels');
  });
});

describe('matchesFilter', () => {
  const attrs = { team: 'red', year: 2020, public: true, code: '7' };
  it.each([
    [{ type: 'eq', key: 'team', value: 'red' }, true],
    [{ type: 'eq', key: 'code', value: 7 }, false],
    [{ type: 'ne', key: 'missing', value: 'x' }, true],
    [{ type: 'gt', key: 'year', value: 2019 }, true],
    [{ type: 'lte', key: 'code', value: 7 }, false],
    [{ type: 'in', key: 'year', value: [2020, 'x'] }, true],
    [{ type: 'nin', key: 'missing', value: ['x'] }, true],
    [
      {
        type: 'or',
        filters: [
          { type: 'eq', key: 'public', value: false },
          { type: 'lt', key: 'year', value: 2021 },
        ],
      },
      true,
    ],
    [
      {
        type: 'and',
        filters: [
          { type: 'eq', key: 'public', value: true },
          { type: 'ne', key: 'team', value: 'red' },
        ],
      },
      false,
    ],
  ] as const)('%j → %s', (filter, expected) => {
    expect(matchesFilter(attrs, validateFilter(filter))).toBe(expected);
  });
});
