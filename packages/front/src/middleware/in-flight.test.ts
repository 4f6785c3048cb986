import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors.js';
import { InFlightWork } from './in-flight.js';

const refusal = (fn: () => unknown): HttpError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof HttpError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('InFlightWork', () => {
  it('refuses a key over its bound with 429 and the instance over its own with 503, both with Retry-After', () => {
    const work = new InFlightWork({ perKey: 10, perInstance: 15 });
    const a = work.acquire('a', 8);
    const perKey = refusal(() => work.acquire('a', 3));
    expect(perKey).toMatchObject({ status: 429, code: 'too_many_concurrent_requests' });
    expect(perKey.headers['retry-after']).toBe('1');
    expect(perKey.message).toContain('8 units');
    const perInstance = refusal(() => work.acquire('b', 8));
    expect(perInstance).toMatchObject({ status: 503, code: 'server_busy' });
    expect(perInstance.headers['retry-after']).toBe('1');
    const b = work.acquire('b', 7);
    expect([work.units(), work.units('a'), work.units('b')]).toEqual([15, 8, 7]);
    a();
    a(); // a second release gives nothing back twice
    expect([work.units(), work.units('a')]).toEqual([7, 0]);
    b();
    expect(work.units()).toBe(0);
  });

  it('runs a request heavier than a whole bound when nothing else of its kind is in flight', () => {
    const work = new InFlightWork({ perKey: 10, perInstance: 20 });
    const heavy = work.acquire('a', 50);
    expect(refusal(() => work.acquire('b', 1)).status).toBe(503);
    heavy();
    expect(() => work.acquire('b', 1)).not.toThrow();
  });
});
