/**
 * A controllable clock. The local cloud reads time only through it, so tests can move time (maintenance windows,
 * schedules, reboots) without waiting.
 */
export interface Clock {
  now(): Date;
}

/**
 * Follows the wall clock, shifted by `offsetMs`; `advance` moves it forward, `set` jumps to an instant. Listeners
 * registered with {@link onChange} hear of every `advance` and `set` (CloudWatch evaluates its alarms then).
 */
export class ControllableClock implements Clock {
  private offsetMs = 0;
  private frozenAt: number | undefined;
  private readonly listeners = new Set<(now: Date) => void>();

  constructor(start?: Date | string, options: { frozen?: boolean } = {}) {
    // A frozen clock stands exactly at `start` (reading the wall clock in between would let a millisecond slip in).
    if (options.frozen) this.frozenAt = start === undefined ? Date.now() : new Date(start).getTime();
    if (start !== undefined) this.set(start);
  }

  now(): Date {
    return new Date(this.frozenAt ?? Date.now() + this.offsetMs);
  }

  /** True when the clock moves only through `advance` and `set`. */
  get frozen(): boolean {
    return this.frozenAt !== undefined;
  }

  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('the clock only moves forward');
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
    this.changed();
  }

  /** Jumps to `instant` (an ISO string or a Date). */
  set(instant: Date | string): void {
    const target = new Date(instant).getTime();
    if (Number.isNaN(target)) throw new RangeError(`not a date: ${String(instant)}`);
    if (this.frozenAt !== undefined) this.frozenAt = target;
    else this.offsetMs = target - Date.now();
    this.changed();
  }

  /**
   * Calls `listener` (synchronously, with the new time) after every `advance` and `set`. Returns a function that
   * removes it.
   */
  onChange(listener: (now: Date) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private changed(): void {
    if (this.listeners.size === 0) return;
    const now = this.now();
    for (const listener of [...this.listeners]) listener(now);
  }
}
