/**
 * The one place where the page meets the training library. Everything else in web/ sees only
 * the interfaces in seams.ts; the session itself (src/siamese's Trainer, SiameseModel and
 * evaluation behind the TrainingSession interface) is in siamese-session.ts, which the
 * end-to-end test also runs in Node to compare losses with the page.
 */
import type { SessionFactory } from './seams.js';
import { createSiameseSession } from './siamese-session.js';

export const createSession: SessionFactory | null = createSiameseSession;

/** Shown only if createSession is ever null again (a build without the training library). */
export const TRAINING_UNAVAILABLE =
  'Training is not wired in: this build has no Siamese training library (src/siamese). ' +
  'The engine, the digits and the drawing pads below still run.';
