import { describe, expect, it } from 'vitest';
import { AdaptiveRate } from './adaptive-rate.js';

describe('AdaptiveRate (CUBIC, as the AWS SDK adaptive mode)', () => {
  it('is off until the first throttle, then cuts to 70 % of the measured rate and grows back', () => {
    let now = 0;
    const rate = new AdaptiveRate(() => now);
    // 20 requests per second for 3 seconds.
    for (let i = 0; i < 60; i++) {
      now += 50;
      expect(rate.record(false)).toBe(Number.POSITIVE_INFINITY);
    }
    expect(rate.measuredRate).toBeGreaterThan(15);
    now += 50;
    const cut = rate.record(true);
    expect(rate.enabled).toBe(true);
    expect(cut).toBeGreaterThan(0.7 * 15);
    expect(cut).toBeLessThan(0.7 * 25);
    let later = cut;
    for (let i = 0; i < 100; i++) {
      now += 50;
      later = rate.record(false);
    }
    expect(later).toBeGreaterThan(cut);
  });

  it('a throttle before any measurement uses the average so far, not the 0.5 req/s floor', () => {
    let now = 1_000_000;
    const rate = new AdaptiveRate(() => now);
    for (let i = 0; i < 9; i++) {
      now += 10;
      rate.record(false);
    }
    expect(rate.record(true)).toBeGreaterThan(5);
  });

  it("cut() (another instance's throttle) cuts like a throttle of its own, without counting a response", () => {
    let now = 0;
    const own = new AdaptiveRate(() => now);
    const shared = new AdaptiveRate(() => now);
    for (let i = 0; i < 60; i++) {
      now += 50;
      own.record(false);
      shared.record(false);
    }
    now += 50;
    // The same measurements: the remote cut lands where a local throttle does (one response fewer measured).
    const local = own.record(true);
    const remote = shared.cut();
    expect(shared.enabled).toBe(true);
    expect(remote).toBeGreaterThan(0.7 * 15);
    expect(Math.abs(remote - local) / local).toBeLessThan(0.05);
  });
});
