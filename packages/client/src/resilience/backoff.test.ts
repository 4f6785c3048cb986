import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, retryDelay } from './backoff.js';

describe('retryDelay', () => {
  it('is full jitter over base * 2^n, 500 ms base after throttling, capped at 20 s', () => {
    expect(retryDelay({ retryIndex: 0, throttled: false }, DEFAULT_BACKOFF, () => 0.999)).toMatchObject({
      delayMs: 99,
    });
    expect(retryDelay({ retryIndex: 2, throttled: false }, DEFAULT_BACKOFF, () => 0.5)).toMatchObject({
      delayMs: 200,
    });
    expect(retryDelay({ retryIndex: 1, throttled: true }, DEFAULT_BACKOFF, () => 0.5)).toMatchObject({
      delayMs: 500,
    });
    expect(retryDelay({ retryIndex: 40, throttled: false }, DEFAULT_BACKOFF, () => 0.999)).toMatchObject({
      delayMs: 19_980,
    });
    expect(retryDelay({ retryIndex: 3, throttled: false }, DEFAULT_BACKOFF, () => 0)).toMatchObject({
      delayMs: 0,
    });
  });

  it('never retries earlier than the hint, and refuses a hint beyond backoff + 5 s', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (retryIndex, throttled, hintMs, r) => {
          const d = retryDelay({ retryIndex, throttled, hintMs }, DEFAULT_BACKOFF, () => r);
          if (d.wait) {
            expect(d.delayMs).toBeGreaterThanOrEqual(hintMs);
            expect(d.delayMs).toBeGreaterThanOrEqual(d.backoffMs);
            expect(d.delayMs).toBeLessThanOrEqual(d.backoffMs + DEFAULT_BACKOFF.maxHintExtraMs);
          } else {
            expect(hintMs).toBeGreaterThan(d.backoffMs + DEFAULT_BACKOFF.maxHintExtraMs);
          }
        },
      ),
    );
  });

  it('ignores nonsense hints', () => {
    for (const hintMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(
        retryDelay({ retryIndex: 0, throttled: false, hintMs }, DEFAULT_BACKOFF, () => 0.5),
      ).toMatchObject({
        wait: true,
        delayMs: 50,
      });
    }
  });
});
