/**
 * Node-only: the calibrated threshold saved beside a checkpoint, as `calibration.json` in the
 * checkpoint folder (next to siamese.json):
 *
 *   { "format": "webgpu-siamese/calibration", "formatVersion": 1, "metric": "euclidean",
 *     "method": "eer", "distanceThreshold": 0.61, "threshold": 0.39, "at": {...}, "eer": ...,
 *     "auc": ..., "pairs": ..., "data": "..." }
 *
 * A checkpoint without one verifies with siamese.json's threshold (same when 1 − d > threshold).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJson } from '../node-files.js';
import type { Calibration } from './calibration.js';

export const CALIBRATION_FILE = 'calibration.json';
const FORMAT = 'webgpu-siamese/calibration';

export type SavedCalibration = Calibration & { metric: string; data?: string };

export function saveCalibration(checkpointDir: string, c: SavedCalibration): string {
  const file = join(checkpointDir, CALIBRATION_FILE);
  writeJson(file, { format: FORMAT, formatVersion: 1, ...c });
  return file;
}

/** The saved calibration, or null when the checkpoint has none. */
export function loadCalibration(checkpointDir: string, metric: string): SavedCalibration | null {
  const file = join(checkpointDir, CALIBRATION_FILE);
  if (!existsSync(file)) return null;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (o?.format !== FORMAT || o.formatVersion !== 1) throw new Error(`${file}: not a calibration file (format ${JSON.stringify(o?.format)}, expected "${FORMAT}" version 1)`);
  if (typeof o.distanceThreshold !== 'number' || !Number.isFinite(o.distanceThreshold)) {
    throw new Error(`${file}: "distanceThreshold" must be a number, got ${JSON.stringify(o.distanceThreshold)}`);
  }
  if (o.metric !== metric) throw new Error(`${file}: calibrated for the ${String(o.metric)} distance, but the model uses ${metric}; calibrate again`);
  return o as unknown as SavedCalibration;
}
