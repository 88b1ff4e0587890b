/**
 * `siamese verify --checkpoint DIR IMG1.png IMG2.png`: are the two pictures the same identity?
 * Pictures are turned into MNIST-style inputs (src/siamese/toolkit/preprocess.ts). The threshold
 * is --threshold, else the checkpoint's calibration.json (see `siamese calibrate`), else
 * siamese.json's; the output says which. With --bundle FILE the model and its threshold come
 * from a bundle (siamese bundle) instead.
 */
import { ready } from '../engine/device.js';
import { loadCheckpoint, resolveCheckpointDir } from '../siamese/node-checkpoint.js';
import { loadCalibration } from '../siamese/toolkit/node-calibration.js';
import { readPngInput } from '../siamese/toolkit/node-png.js';
import { Verifier } from '../siamese/toolkit/verifier.js';
import { loadBundle } from '../siamese/toolkit/bundle.js';
import { readBundleBytes } from '../siamese/toolkit/node-bundle.js';
import type { ToolkitArgs } from './toolkit-args.js';

async function verifyWithBundle(file: string, threshold: number | undefined, files: string[]): Promise<void> {
  const bytes = readBundleBytes(file); // a wrong file fails before the GPU starts
  await ready();
  const bundle = loadBundle(bytes, file);
  try {
    const [a, b] = files.map((f) => readPngInput(f, bundle.inputShape));
    const [distanceThreshold, source] =
      threshold !== undefined
        ? [1 - threshold, '--threshold']
        : [bundle.distanceThreshold, bundle.calibration ? `bundle calibration (${bundle.calibration.method})` : 'bundle model threshold (not calibrated)'];
    const r = await new Verifier(bundle.model, distanceThreshold).verify(a, b);
    process.stdout.write(JSON.stringify({ ...r, images: files, distanceThreshold, thresholdFrom: source, distanceMetric: bundle.model.distance }, null, 2) + '\n');
  } finally {
    bundle.dispose();
  }
}

export async function runVerify({ flags, files }: ToolkitArgs<'verify'>): Promise<void> {
  if (flags.bundle !== undefined) return verifyWithBundle(flags.bundle, flags.threshold, files);
  const at = resolveCheckpointDir(flags.checkpoint!);
  await ready();
  const { model, head } = await loadCheckpoint(at);
  try {
    const [a, b] = files.map((f) => readPngInput(f, model.base.inputShape));
    const calibration = flags.threshold === undefined ? loadCalibration(at, model.distance) : null;
    const [distanceThreshold, source] =
      flags.threshold !== undefined
        ? [1 - flags.threshold, '--threshold']
        : calibration
          ? [calibration.distanceThreshold, `calibration.json (${calibration.method})`]
          : [1 - head.threshold, 'siamese.json (not calibrated: run siamese calibrate)'];
    const r = await new Verifier(model, distanceThreshold).verify(a, b);
    process.stdout.write(JSON.stringify({ ...r, images: files, distanceThreshold, thresholdFrom: source, distanceMetric: model.distance }, null, 2) + '\n');
  } finally {
    model.base.dispose();
  }
}
