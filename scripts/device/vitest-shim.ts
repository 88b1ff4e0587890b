/**
 * A minimal stand-in for the parts of vitest our kernel tests use, so that the same test files
 * can be bundled into one script and run on a machine that has a GPU but no node_modules (the
 * lent hardware machine; see scripts/device/README.md). Never used by `npm test`.
 */
import { isDeepStrictEqual } from 'node:util';

type Fn = () => unknown | Promise<unknown>;
interface Suite {
  name: string;
  tests: { name: string; fn: Fn }[];
  children: Suite[];
  beforeAll: Fn[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}

const root: Suite = { name: '', tests: [], children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
let current = root;

export function describe(name: string, body: () => void): void {
  const s: Suite = { name, tests: [], children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
  current.children.push(s);
  const prev = current;
  current = s;
  try {
    body();
  } finally {
    current = prev;
  }
}
/** it(name, fn) or vitest's it(name, options, fn); the options (timeouts) are not enforced here. */
export function it(name: string, a: Fn | object, b?: Fn): void {
  current.tests.push({ name, fn: typeof a === 'function' ? (a as Fn) : b! });
}
it.skip = (name: string, ..._rest: unknown[]): void => void current.tests.push({ name: `${name} (skipped)`, fn: () => undefined });
it.runIf = (cond: unknown) => (cond ? it : it.skip);
it.skipIf = (cond: unknown) => (cond ? it.skip : it);
export const test = it;
export const beforeAll = (fn: Fn) => void current.beforeAll.push(fn);
export const afterAll = (fn: Fn) => void current.afterAll.push(fn);
export const beforeEach = (fn: Fn) => void current.beforeEach.push(fn);
export const afterEach = (fn: Fn) => void current.afterEach.push(fn);

class AssertionError extends Error {}
const fail = (msg: string, note?: string): never => {
  throw new AssertionError(note ? `${note}: ${msg}` : msg);
};
const show = (v: unknown) => {
  try {
    return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? String(x) : x))?.slice(0, 200);
  } catch {
    return String(v);
  }
};

function matchers(actual: unknown, note: string | undefined, negate: boolean) {
  const check = (ok: boolean, msg: string) => {
    if (ok === negate) fail(`${negate ? 'not ' : ''}${msg}`, note);
  };
  const throws = (fn: unknown): unknown => {
    try {
      (fn as () => unknown)();
    } catch (e) {
      return e ?? new Error('thrown');
    }
    return null;
  };
  const matchErr = (e: unknown, want: unknown) => {
    if (want === undefined) return true;
    const text = e instanceof Error ? e.message : String(e);
    if (want instanceof RegExp) return want.test(text);
    if (typeof want === 'string') return text.includes(want);
    if (typeof want === 'function') return e instanceof (want as new () => unknown);
    return false;
  };
  return {
    toBe: (e: unknown) => check(Object.is(actual, e), `expected ${show(actual)} to be ${show(e)}`),
    toEqual: (e: unknown) => check(isDeepStrictEqual(normal(actual), normal(e)), `expected ${show(actual)} to equal ${show(e)}`),
    toBeGreaterThan: (e: number) => check((actual as number) > e, `expected ${actual} > ${e}`),
    toBeGreaterThanOrEqual: (e: number) => check((actual as number) >= e, `expected ${actual} >= ${e}`),
    toBeLessThan: (e: number) => check((actual as number) < e, `expected ${actual} < ${e}`),
    toBeLessThanOrEqual: (e: number) => check((actual as number) <= e, `expected ${actual} <= ${e}`),
    toBeCloseTo: (e: number, digits = 2) => check(Math.abs((actual as number) - e) < 10 ** -digits / 2, `expected ${actual} ≈ ${e}`),
    toMatch: (re: RegExp | string) => check(typeof re === 'string' ? String(actual).includes(re) : re.test(String(actual)), `expected ${show(actual)} to match ${re}`),
    toHaveLength: (n: number) => check((actual as { length: number }).length === n, `expected length ${n}, got ${(actual as { length: number }).length}`),
    toContain: (x: unknown) => check((actual as { includes(v: unknown): boolean }).includes(x), `expected ${show(actual)} to contain ${show(x)}`),
    toBeNull: () => check(actual === null, `expected ${show(actual)} to be null`),
    toBeUndefined: () => check(actual === undefined, `expected ${show(actual)} to be undefined`),
    toBeNaN: () => check(Number.isNaN(actual), `expected ${show(actual)} to be NaN`),
    toBeInstanceOf: (c: new (...args: never[]) => unknown) => check(actual instanceof c, `expected ${show(actual)} to be an instance of ${c.name}`),
    toMatchObject: (e: object) => check(matchesObject(actual, e), `expected ${show(actual)} to match ${show(e)}`),
    toThrow: (want?: unknown) => {
      const e = throws(actual);
      check(e !== null && matchErr(e, want), `expected a throw matching ${String(want)}, got ${e instanceof Error ? e.message : 'no throw'}`);
    },
  };
}

/** vitest's toMatchObject: every property of `want` is present and matches, recursively; arrays match element-wise. */
function matchesObject(actual: unknown, want: unknown): boolean {
  if (want === null || typeof want !== 'object') return isDeepStrictEqual(normal(actual), normal(want));
  if (actual === null || typeof actual !== 'object') return false;
  if (Array.isArray(want)) {
    const a = normal(actual) as unknown[];
    return Array.isArray(a) && a.length === want.length && want.every((w, i) => matchesObject(a[i], w));
  }
  return Object.entries(want).every(([k, w]) => matchesObject((actual as Record<string, unknown>)[k], w));
}

/** Typed arrays compare as plain arrays, as vitest's toEqual treats them. */
function normal(v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}

export function expect(actual: unknown, note?: string) {
  const m = matchers(actual, note, false) as ReturnType<typeof matchers> & {
    not: ReturnType<typeof matchers>;
    rejects: Record<string, (...args: unknown[]) => Promise<void>>;
    resolves: Record<string, (...args: unknown[]) => Promise<void>>;
  };
  m.not = matchers(actual, note, true);
  // expect(promise).resolves.<matcher>(...): the matcher applies to the resolved value.
  m.resolves = new Proxy({} as Record<string, (...args: unknown[]) => Promise<void>>, {
    get: (_, name: string) => async (...args: unknown[]) =>
      (matchers(await actual, note, false) as unknown as Record<string, (...a: unknown[]) => void>)[name](...args),
  });
  // expect(promise).rejects.<matcher>(...): the matcher applies to the rejection reason, except
  // toThrow, which matches the reason as an error (as vitest does).
  m.rejects = new Proxy({} as Record<string, (...args: unknown[]) => Promise<void>>, {
    get: (_, name: string) => async (...args: unknown[]) => {
      let reason: unknown;
      try {
        await actual;
      } catch (e) {
        reason = e ?? new Error('rejected');
      }
      if (reason === undefined) fail('expected the promise to reject', note);
      if (name === 'toThrow') {
        return matchers(() => {
          throw reason;
        }, note, false).toThrow(args[0]);
      }
      return (matchers(reason, note, false) as unknown as Record<string, (...a: unknown[]) => void>)[name](...args);
    },
  });
  return m;
}
expect.fail = (msg: string): never => fail(msg);

/** Runs every registered suite; returns [passed, failed]. */
export async function runAll(log: (line: string) => void): Promise<[number, number]> {
  let passed = 0;
  let failed = 0;
  const run = async (s: Suite, path: string[], each: { before: Fn[]; after: Fn[] }) => {
    const here = s.name ? [...path, s.name] : path;
    const ctx = { before: [...each.before, ...s.beforeEach], after: [...s.afterEach, ...each.after] };
    try {
      for (const f of s.beforeAll) await f();
    } catch (e) {
      failed += s.tests.length;
      log(`FAIL (beforeAll) ${here.join(' > ')}: ${(e as Error).message}`);
      return;
    }
    for (const t of s.tests) {
      const t0 = performance.now();
      try {
        for (const f of ctx.before) await f();
        await t.fn();
        for (const f of ctx.after) await f();
        passed++;
        log(`ok   ${[...here, t.name].join(' > ')} (${(performance.now() - t0).toFixed(0)} ms)`);
      } catch (e) {
        failed++;
        log(`FAIL ${[...here, t.name].join(' > ')}: ${(e as Error).message?.slice(0, 600)}`);
      }
    }
    for (const c of s.children) await run(c, here, ctx);
    for (const f of s.afterAll) await f();
  };
  await run(root, [], { before: [], after: [] });
  return [passed, failed];
}

/** Starts a fresh root for the next test file. */
export function resetSuites(): void {
  root.tests = [];
  root.children = [];
  root.beforeAll = [];
  root.afterAll = [];
  root.beforeEach = [];
  root.afterEach = [];
}
