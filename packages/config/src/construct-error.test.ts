import { describe, expect, it } from 'vitest';
import { ConstructError, isConstructError } from './construct-error.js';

describe('ConstructError', () => {
  it('carries a kebab-case code, the construct path and the former spelling of the code', () => {
    const e = new ConstructError(
      'traffic-sum',
      'S/E: traffic percentages must sum to 100',
      'S/E',
      'TRAFFIC_SUM',
    );
    expect(e).toMatchObject({
      name: 'ConstructError',
      code: 'traffic-sum',
      constructPath: 'S/E',
      legacyCode: 'TRAFFIC_SUM',
      message: 'S/E: traffic percentages must sum to 100',
    });
    expect(new ConstructError('no-models', 'm').legacyCode).toBe('no-models');
  });

  it.each(['TrafficSum', 'TRAFFIC_SUM', 'traffic_sum', '-traffic', 'traffic-', ''])(
    'rejects the code %j, which is not kebab-case',
    (code) => {
      expect(() => new ConstructError(code, 'm')).toThrow(/is not kebab-case\. Expected .* Fix: /);
    },
  );

  it('recognizes errors from another copy of the package by their marker, not their class', () => {
    expect(isConstructError(new ConstructError('no-models', 'm'))).toBe(true);
    expect(isConstructError(Object.assign(new Error('x'), { isConstructError: true }))).toBe(true);
    expect(isConstructError(new Error('x'))).toBe(false);
    expect(isConstructError({ isConstructError: true })).toBe(false);
    expect(isConstructError(undefined)).toBe(false);
  });
});
