import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';

describe('RetryBudget', () => {
  it('pays 100 retries (or 50 after timeouts) from a full bucket, then refuses without spending', () => {
    const budget = new RetryBudget();
    let paid = 0;
    while (budget.tryAcquire(false) !== undefined) paid++;
    expect(paid).toBe(100);
    expect(budget.available).toBe(0);
    const timeouts = new RetryBudget();
    let t = 0;
    while (timeouts.tryAcquire(true) !== undefined) t++;
    expect(t).toBe(50);
  });

  it('refunds a retry cost on success, 1 for a first-try success, never above capacity', () => {
    const budget = new RetryBudget({ capacity: 20 });
    const cost = budget.tryAcquire(false);
    expect(budget.available).toBe(15);
    budget.recordSuccess(cost);
    expect(budget.available).toBe(20);
    budget.tryAcquire(true);
    budget.recordSuccess(undefined);
    expect(budget.available).toBe(11);
    for (let i = 0; i < 50; i++) budget.recordSuccess(undefined);
    expect(budget.available).toBe(20);
  });

  it('says what it received for a bad setting', () => {
    expect(() => new RetryBudget({ capacity: 0 })).toThrow(
      /retry.budget.capacity must be a positive number, received 0/,
    );
  });
});
