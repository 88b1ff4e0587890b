/** The text of `model.summary()`, laid out as Keras prints it. */
import type { Layer } from './layer.js';

interface Summarised {
  name: string;
  layers: readonly Layer[];
  inputShape: readonly number[];
}

/** 225344 → "225,344". */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Model: "sequential"
 * ___________________________________________________________
 *  Layer (type)               Output Shape           Param #
 * ===========================================================
 *  conv2d_1 (Conv2D)          (None, 26, 26, 32)     320
 * ...
 * Total params: ...
 */
export function formatSummary(model: Summarised): string {
  const rows: [string, string, string][] = [];
  let shape = [...model.inputShape];
  let total = 0;
  let trainable = 0;
  for (const l of model.layers) {
    shape = l.outputShape(shape);
    const n = l.countParams();
    total += n;
    trainable += l.weights.filter((w) => w.trainable).reduce((s, w) => s + w.size, 0);
    rows.push([`${l.name} (${l.className})`, `(None, ${shape.join(', ')})`, thousands(n)]);
  }
  const head: [string, string, string] = ['Layer (type)', 'Output Shape', 'Param #'];
  // Keras's widths (29, 26, 10 within 65 columns), widened when a cell would not fit.
  const widths = [29, 26, 10].map((w, c) => Math.max(w, ...[head, ...rows].map((r) => r[c].length + 3)));
  const line = (r: [string, string, string]) => (' ' + r.map((cell, c) => cell.padEnd(widths[c] - (c === 0 ? 1 : 0))).join('')).trimEnd();
  const width = widths.reduce((a, b) => a + b, 0);
  const out = [`Model: "${model.name}"`, '_'.repeat(width), line(head), '='.repeat(width)];
  rows.forEach((r, i) => {
    out.push(line(r));
    if (i < rows.length - 1) out.push('');
  });
  out.push('='.repeat(width));
  out.push(`Total params: ${thousands(total)}`);
  out.push(`Trainable params: ${thousands(trainable)}`);
  out.push(`Non-trainable params: ${thousands(total - trainable)}`);
  out.push('_'.repeat(width));
  return out.join('\n');
}
