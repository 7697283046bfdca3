/**
 * A nudge from one part of the service to a job: intake wakes the locator so a new referral
 * is located within seconds rather than at the next scheduled tick. Losing a nudge is harmless:
 * the schedule picks the work up anyway.
 */
export class Wakeup {
  private readonly listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }
}

export interface Wakeups {
  locate: Wakeup;
  dispatch: Wakeup;
}

export function createWakeups(): Wakeups {
  return { locate: new Wakeup(), dispatch: new Wakeup() };
}
