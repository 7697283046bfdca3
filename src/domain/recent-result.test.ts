import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { RecentResult } from './recent-result.js';

describe('RecentResult', () => {
  it('reads once however many callers come within the age, and again after it', async () => {
    const clock = new ManualClock();
    let reads = 0;
    const recent = new RecentResult(clock, 1_000, () => Promise.resolve(++reads));
    expect(await Promise.all([recent.get(), recent.get(), recent.get()])).toEqual([1, 1, 1]);
    clock.advance(999);
    expect(await recent.get()).toBe(1);
    clock.advance(1);
    expect(await recent.get()).toBe(2);
  });

  it('shares a read still running, even past its age, and does not keep a failure', async () => {
    const clock = new ManualClock();
    let release: (value: string) => void = () => {};
    let calls = 0;
    const recent = new RecentResult(clock, 1_000, () => {
      calls++;
      if (calls === 1) return new Promise<string>((resolve) => (release = resolve));
      if (calls === 2) return Promise.reject(new Error('store down'));
      return Promise.resolve('again');
    });
    const first = recent.get();
    clock.advance(5_000);
    const second = recent.get();
    release('slow');
    expect(await Promise.all([first, second])).toEqual(['slow', 'slow']);
    clock.advance(1_000);
    await expect(recent.get()).rejects.toThrow('store down');
    expect(await recent.get()).toBe('again');
  });
});
