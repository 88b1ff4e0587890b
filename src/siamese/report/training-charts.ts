/**
 * Chart specs for a training run: loss and accuracy against epochs, with the running training
 * means read back within each epoch as a line and the per-epoch values (training and
 * validation) as dots. Browser-safe; render with chartSvg / chartRaster.
 */
import type { ChartSpec, Series } from './chart.js';
import type { History } from '../trainer.js';

export interface RunCurves {
  history: History;
  /** Readbacks within epochs: means over the batches since the previous readback, up to
   * batch `batch` of epoch `epoch`. */
  samples: { epoch: number; batch: number; loss: number; accuracy: number }[];
  batchesPerEpoch: number;
  /** Label of the accuracy measured (pair or triplet accuracy). */
  accuracyName?: string;
}

const BLUE = '#1f6feb';
const ORANGE = '#d1742f';
const GRAY = '#8aa9d6';

function curves(run: RunCurves, key: 'loss' | 'accuracy', valKey: 'val_loss' | 'val_accuracy'): Series[] {
  const xs = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  const out: Series[] = [];
  if (run.samples.length) {
    out.push({
      name: `${key}, recent batches`,
      x: run.samples.map((s) => s.epoch + (s.batch + 1) / run.batchesPerEpoch),
      y: run.samples.map((s) => s[key]),
      color: GRAY,
    });
  }
  out.push({ name: `${key}, epoch mean`, x: xs(run.history[key].length), y: run.history[key], color: BLUE, dots: true });
  if (run.history[valKey].length) out.push({ name: valKey, x: xs(run.history[valKey].length), y: run.history[valKey], color: ORANGE, dots: true });
  return out;
}

export function lossChart(run: RunCurves): ChartSpec {
  return { title: 'Loss', xLabel: 'epoch', yLabel: 'loss', series: curves(run, 'loss', 'val_loss'), xRange: [0, Math.max(1, run.history.loss.length)] };
}

export function accuracyChart(run: RunCurves): ChartSpec {
  const ys = [...run.history.accuracy, ...run.history.val_accuracy, ...run.samples.map((s) => s.accuracy)].filter(Number.isFinite);
  const lo = ys.length ? Math.min(...ys) : 0;
  return {
    title: run.accuracyName ?? 'Pair accuracy',
    xLabel: 'epoch',
    yLabel: 'accuracy',
    series: curves(run, 'accuracy', 'val_accuracy'),
    xRange: [0, Math.max(1, run.history.accuracy.length)],
    // Accuracy never exceeds 1; keep the top there so runs compare at a glance.
    yRange: [Math.max(0, Math.floor(lo * 20) / 20 - 0.05), 1],
  };
}
