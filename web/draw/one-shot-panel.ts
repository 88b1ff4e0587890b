/**
 * One-shot: the user draws one example of each of their own symbols, names them, then draws a
 * new symbol; the model embeds everything and the nearest example's class wins. Nothing is
 * trained on these drawings: the network's similarity carries over to shapes it never saw.
 */
import { el, errorText } from '../dom.js';
import { DrawPad } from './draw-pad.js';
import type { TrainingSession } from '../train/seams.js';

const MAX_CLASSES = 10;

interface ShotClass {
  name: HTMLInputElement;
  pad: DrawPad;
  root: HTMLElement;
}

export interface Ranked {
  name: string;
  distance: number;
  same: boolean;
}

export class OneShotPanel {
  readonly query: DrawPad;
  readonly classes: ShotClass[] = [];
  private session: TrainingSession | null = null;
  private seq = 0;
  /** The last ranking shown, nearest first. */
  last: Ranked[] = [];
  private readonly list: HTMLElement;
  private readonly addButton: HTMLButtonElement;

  constructor(
    root: HTMLElement,
    private readonly result: HTMLElement,
    private readonly noModelReason: () => string,
  ) {
    this.list = el('div', { class: 'shot-classes' });
    this.addButton = el('button', { type: 'button', id: 'one-shot-add' }, 'Add a symbol');
    this.addButton.addEventListener('click', () => this.addClass());
    this.query = new DrawPad({ label: 'New drawing to classify', onChange: () => void this.update() });
    this.query.root.classList.add('query');
    root.replaceChildren(
      el('div', { class: 'shot-examples' }, [el('h3', {}, 'One example per symbol'), this.list, this.addButton]),
      el('div', { class: 'shot-query' }, [el('h3', {}, 'Classify'), this.query.root]),
    );
    for (const name of ['A', 'B', 'C']) this.addClass(name);
    void this.update();
  }

  addClass(name = String.fromCharCode(65 + this.classes.length)): void {
    if (this.classes.length >= MAX_CLASSES) return;
    const input = el('input', { type: 'text', value: name, maxlength: '12', 'aria-label': 'symbol name', class: 'shot-name' });
    const pad = new DrawPad({ label: "Example", onChange: () => void this.update() });
    input.addEventListener('change', () => void this.update());
    const remove = el('button', { type: 'button', class: 'small' }, 'Remove');
    const entry: ShotClass = { name: input, pad, root: el('div', { class: 'shot-class' }, [input, pad.root, remove]) };
    remove.addEventListener('click', () => {
      this.classes.splice(this.classes.indexOf(entry), 1);
      entry.root.remove();
      this.addButton.disabled = false;
      void this.update();
    });
    this.classes.push(entry);
    this.list.append(entry.root);
    this.addButton.disabled = this.classes.length >= MAX_CLASSES;
  }

  setSession(s: TrainingSession | null): void {
    this.session = s;
    void this.update();
  }

  async update(): Promise<void> {
    const seq = ++this.seq;
    this.last = [];
    const drawn = this.classes.filter((c) => !c.pad.isEmpty);
    const q = this.query.toMnist();
    if (drawn.length < 2) return this.show('pending', 'Draw at least two symbols, one example each.');
    if (!q) return this.show('pending', 'Now draw a symbol to classify.');
    const s = this.session;
    if (!s) return this.show('no-model', `${drawn.length} examples and a query are ready as 28×28 images. ${this.noModelReason()}`);
    this.show('working', 'Classifying…');
    try {
      const emb = await s.embed([q, ...drawn.map((c) => c.pad.toMnist()!)]);
      if (seq !== this.seq) return;
      const ranked = drawn
        .map((c, i) => ({ name: c.name.value || '?', distance: s.distance(emb[0], emb[i + 1]) }))
        .map((r) => ({ ...r, same: s.verdict(r.distance).same }))
        .sort((x, y) => x.distance - y.distance);
      this.last = ranked;
      const best = ranked[0];
      this.result.dataset.state = 'verdict';
      this.result.replaceChildren(
        el('strong', {}, best.same ? `"${best.name}"` : `closest to "${best.name}", but unlike all`),
        el('ol', {}, ranked.map((r) => el('li', {}, `${r.name}: distance ${r.distance.toFixed(3)}${r.same ? ' (same)' : ''}`))),
      );
    } catch (e) {
      if (seq === this.seq) this.show('error', `Could not classify: ${errorText(e)}`);
    }
  }

  private show(state: string, text: string): void {
    this.result.dataset.state = state;
    this.result.textContent = text;
  }
}
