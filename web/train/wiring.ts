/**
 * The one place where the page meets the training library. Everything else in web/ sees only
 * the interfaces in seams.ts.
 *
 * src/siamese (the embedding network, losses, pair sampling, the training step) is being written
 * now. When it lands, this file exports a SessionFactory that builds a TrainingSession from it;
 * until then it exports none, and the page shows the training controls disabled with
 * TRAINING_UNAVAILABLE as the reason.
 */
import type { SessionFactory } from './seams.js';

export const createSession: SessionFactory | null = null;

export const TRAINING_UNAVAILABLE =
  'Training is not wired in yet: the page waits for the Siamese training library (src/siamese). ' +
  'The engine, the digits and the drawing pads below already run.';
