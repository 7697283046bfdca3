/**
 * Registry answers cached per network range: once a registry has said "193.190.0.0 -
 * 193.191.255.255 is BELNET", no address inside that range is asked about again until the
 * entry expires. Bounded; the oldest entries go first.
 */
import type { Clock } from '../domain/clock.js';

interface Entry<T> {
  start: bigint;
  end: bigint;
  value: T;
  expiresAt: number;
}

export class NetworkRangeCache<T> {
  private entries: Entry<T>[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = 5_000,
  ) {}

  get(address: bigint): T | null {
    const now = this.clock.now().getTime();
    let best: Entry<T> | null = null;
    for (const entry of this.entries) {
      // The narrowest matching range is the most specific registration.
      if (entry.expiresAt > now && entry.start <= address && address <= entry.end && (!best || entry.end - entry.start < best.end - best.start)) best = entry;
    }
    return best ? best.value : null;
  }

  set(start: bigint, end: bigint, value: T, ttlMs = this.ttlMs): void {
    const now = this.clock.now().getTime();
    this.entries = this.entries.filter((e) => e.expiresAt > now && !(e.start === start && e.end === end));
    if (this.entries.length >= this.maxEntries) this.entries.splice(0, this.entries.length - this.maxEntries + 1);
    this.entries.push({ start, end, value, expiresAt: now + ttlMs });
  }

  get size(): number {
    return this.entries.length;
  }
}
