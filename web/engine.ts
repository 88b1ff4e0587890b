/**
 * The page's one door to the library: the public entry points (the engine and the similarity
 * toolkit), exactly what a user imports.
 * (No fork of engine code for the browser: the bundle is built from ../src.)
 */
import { ready } from '../src/index.js';

export * from '../src/index.js';
/** The similarity toolkit's browser-safe entry point (src/siamese/index.ts), as a namespace. */
export * as siamese from '../src/siamese/index.js';

/** The engine's device wrapper, as `ready()` returns it. */
export type Backend = Awaited<ReturnType<typeof ready>>;
