/**
 * Measures how long the page's main thread goes without running a timer: a 50 ms interval
 * whose late arrivals are main-thread stalls (long tasks). Training must not cause long ones:
 * it encodes a few steps at a time and waits for the GPU with promises, not by blocking.
 */
export class StallMeter {
  private timer: ReturnType<typeof setInterval> | null = null;
  private last = 0;
  /** The longest gap beyond the interval since reset(), in milliseconds. */
  longest = 0;

  constructor(private readonly intervalMs = 50) {}

  start(): void {
    if (this.timer !== null) return;
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.longest = Math.max(this.longest, now - this.last - this.intervalMs);
      this.last = now;
    }, this.intervalMs);
  }

  reset(): void {
    this.longest = 0;
    this.last = performance.now();
  }
}
