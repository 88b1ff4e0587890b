/**
 * The page's training run, repeated in the test's own Node process: the same session code
 * (web/train/siamese-session.ts), the same digits file the page was served (dist/), the same
 * settings, on dawn.node. The end-to-end test compares its losses with the page's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeDigits, type DigitSet } from '../../web/data/digits-format.js';
import { DIGITS_ASSET } from '../../web/tools/pack-digits.js';
import { createSiameseSession } from '../../web/train/siamese-session.js';
import type { StepReport, TrainingConfig } from '../../web/train/seams.js';

/** The digits file the page is served from `dist`, decoded as the page decodes it. */
export function servedDigits(dist: string): DigitSet {
  return decodeDigits(gunzipSync(readFileSync(join(dist, DIGITS_ASSET))));
}

/** Trains `bursts` bursts of `stepsPerBurst` steps and returns their reports. */
export async function trainInNode(dist: string, config: TrainingConfig, stepsPerBurst: number, bursts: number): Promise<StepReport[]> {
  const digits = servedDigits(dist);
  const session = await createSiameseSession(digits, config);
  try {
    const out: StepReport[] = [];
    for (let i = 0; i < bursts; i++) out.push(await session.runSteps(stepsPerBurst));
    return out;
  } finally {
    session.dispose();
  }
}
