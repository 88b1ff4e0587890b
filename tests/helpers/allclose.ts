import { expect } from 'vitest';

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise, and equal lengths.
 * On failure it names the worst element, so a tolerance is never loosened blindly.
 * `atol` may be per element (an array as long as the values), for error bounds that depend on
 * each element's own arithmetic.
 */
export function expectAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-5, what = 'values' }: { atol?: number | ArrayLike<number>; rtol?: number; what?: string } = {},
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const tol = (typeof atol === 'number' ? atol : atol[i]) + rtol * Math.abs(e);
    const excess = Number.isNaN(a) !== Number.isNaN(e) ? Infinity : Number.isNaN(e) ? 0 : Math.abs(a - e) - tol;
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${typeof atol === 'number' ? atol : atol[worst]}, rtol ${rtol}; ` +
        `${expected.length} elements)`,
    );
  }
}
