import { describe, expect, it } from 'vitest';
import { DeadlineSweeper } from './deadline-sweeper.js';

describe('DeadlineSweeper', () => {
  it('fires deadlines at most one tick late, never cancelled ones, then goes idle', async () => {
    const sweeper = new DeadlineSweeper(5);
    const fired: string[] = [];
    const t0 = Date.now();
    let firedAt = 0;
    sweeper.add(20, () => {
      fired.push('a');
      firedAt = Date.now() - t0;
    });
    const b = sweeper.add(20, () => fired.push('b'));
    sweeper.cancel(b);
    await new Promise((r) => setTimeout(r, 80));
    expect(fired).toEqual(['a']);
    expect(firedAt).toBeGreaterThanOrEqual(20);
    sweeper.close();
  });
});
