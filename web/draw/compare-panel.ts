/**
 * Draw to compare: two pads; the model embeds both drawings and the page shows their distance,
 * the similarity score and the same/different verdict.
 */
import { el, errorText } from '../dom.js';
import { DrawPad } from './draw-pad.js';
import type { TrainingSession, Verdict } from '../train/seams.js';

export class ComparePanel {
  readonly a: DrawPad;
  readonly b: DrawPad;
  private session: TrainingSession | null = null;
  private seq = 0;
  /** The last verdict shown (null while a pad is empty or no model exists). */
  last: Verdict | null = null;

  constructor(
    root: HTMLElement,
    private readonly result: HTMLElement,
    private readonly noModelReason: () => string,
  ) {
    const onChange = (): void => void this.update();
    this.a = new DrawPad({ label: 'First drawing', onChange });
    this.b = new DrawPad({ label: 'Second drawing', onChange });
    root.replaceChildren(this.a.root, this.b.root);
    void this.update();
  }

  /** The model to judge with; null when none exists (yet, or after a reset). */
  setSession(s: TrainingSession | null): void {
    this.session = s;
    void this.update();
  }

  async update(): Promise<void> {
    const seq = ++this.seq;
    this.last = null;
    const ia = this.a.toMnist();
    const ib = this.b.toMnist();
    if (!ia || !ib) return this.show('pending', 'Draw a digit in each box.');
    const s = this.session;
    if (!s) return this.show('no-model', `Both drawings are ready as 28×28 images. ${this.noModelReason()}`);
    this.show('working', 'Comparing…');
    try {
      const [ea, eb] = await s.embed([ia, ib]);
      if (seq !== this.seq) return; // a newer stroke superseded this comparison
      const v = s.verdict(s.distance(ea, eb));
      this.last = v;
      this.result.replaceChildren(
        el('strong', { class: v.same ? 'same' : 'different' }, v.same ? 'Same' : 'Different'),
        ` · distance ${v.distance.toFixed(3)} · score ${v.score.toFixed(3)}`,
      );
      this.result.dataset.state = 'verdict';
    } catch (e) {
      if (seq === this.seq) this.show('error', `Could not compare: ${errorText(e)}`);
    }
  }

  private show(state: string, text: string): void {
    this.result.dataset.state = state;
    this.result.textContent = text;
  }
}
