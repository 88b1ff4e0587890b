/** Writes a run's curves: history.json and the loss/accuracy charts as SVG and PNG. */
import { join } from 'node:path';
import { chartRaster, chartSvg } from '../siamese/report/chart.js';
import { accuracyChart, lossChart, type RunCurves } from '../siamese/report/training-charts.js';
import { encodePng, writeFileAtomic, writeJson } from '../siamese/node-files.js';

export function writeCurves(out: string, run: RunCurves, settings: Record<string, unknown>): void {
  writeJson(join(out, 'history.json'), {
    ...run.history,
    // Running means within each epoch, as read back during training (for finer curves).
    batches: run.samples,
    batchesPerEpoch: run.batchesPerEpoch,
    settings,
  });
  for (const [name, spec] of [['loss', lossChart(run)], ['accuracy', accuracyChart(run)]] as const) {
    writeFileAtomic(join(out, `${name}.svg`), chartSvg(spec));
    writeFileAtomic(join(out, `${name}.png`), encodePng(chartRaster(spec)));
  }
}
