/**
 * A grid of test pairs: both images, the true relation (same digit or not), and, once a model
 * exists, its similarity score and verdict, marked right or wrong.
 */
import { el } from '../dom.js';
import { grayImage } from '../draw/draw-pad.js';
import type { PairView } from './seams.js';

const SIDE = 28;

export class PairGrid {
  readonly root: HTMLElement;

  constructor(private readonly caption: HTMLElement) {
    this.root = el('div', { class: 'pair-grid' });
  }

  /** Shows `pairs`; `note` says where they come from (e.g. "sample pairs, no model yet"). */
  render(pairs: PairView[], note: string): void {
    this.caption.textContent = note;
    this.root.replaceChildren(...pairs.map((p, i) => this.cell(p, i)));
  }

  private cell(p: PairView, i: number): HTMLElement {
    const truth = p.labelA === p.labelB;
    const v = p.verdict;
    const right = v ? v.same === truth : null;
    const cls = right === null ? 'pair' : right ? 'pair right' : 'pair wrong';
    return el('div', { class: cls, 'data-index': String(i) }, [
      el('div', { class: 'pair-images' }, [thumb(p.a), thumb(p.b)]),
      el('div', { class: 'pair-truth' }, `${p.labelA} vs ${p.labelB}: ${truth ? 'same' : 'different'}`),
      el(
        'div',
        { class: 'pair-pred' },
        v ? `${v.same ? 'same' : 'different'} · score ${v.score.toFixed(2)}${right ? ' ✓' : ' ✗'}` : 'prediction: —',
      ),
    ]);
  }
}

function thumb(values: Float32Array): HTMLCanvasElement {
  const c = el('canvas', { class: 'thumb', width: String(SIDE), height: String(SIDE) });
  c.getContext('2d')?.putImageData(grayImage(values, SIDE, SIDE), 0, 0);
  return c;
}
