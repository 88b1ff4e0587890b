/**
 * Axis arithmetic for the charts, kept apart from the canvas so that Node tests can check it.
 */

/**
 * About `count` "nice" tick values (1, 2 or 5 times a power of ten apart) covering [min, max].
 * Returns the ticks and the rounded-out range they span.
 */
export function niceTicks(min: number, max: number, count = 5): { ticks: number[]; lo: number; hi: number; step: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`niceTicks: range [${min}, ${max}] is not finite`);
  if (count < 1) throw new Error(`niceTicks: count ${count}, expected at least 1`);
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    // A flat series still needs an axis: open a unit-sized window around it.
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The tolerance keeps float noise (0.71 - 0.69 = 0.020000000000000018) from doubling the step.
  const norm = raw / mag - 1e-9;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  // Round each tick to the step's precision so labels read 0.3, not 0.30000000000000004.
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let v = lo, i = 0; v <= hi + step * 1e-9 && i < 1000; i++, v = lo + i * step) ticks.push(Number(v.toFixed(digits)));
  return { ticks, lo, hi, step };
}

/** A short label for a tick or a value: 0.125, 1.5k, 2e-5. */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e4) return `${Number((v / 1000).toPrecision(3))}k`;
  if (a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}
