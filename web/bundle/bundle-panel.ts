/**
 * Use a shipped model: the user picks a bundle file (`siamese bundle` writes it: weights,
 * calibrated threshold and gallery in one file, src/siamese/toolkit/BUNDLE.md), the page loads
 * it onto this GPU and then verifies two drawings with the bundle's threshold and searches its
 * gallery for a drawing, all on-device. Independent of the model trained in the page.
 */
import { el, errorText } from '../dom.js';
import { DrawPad } from '../draw/draw-pad.js';
import { MNIST_SIDE } from '../draw/mnist-preprocess.js';
import { siamese } from '../engine.js';

type SiameseBundle = ReturnType<typeof siamese.loadBundle>;

/** Nearest gallery items shown for a query. */
export const SEARCH_K = 5;

/** What the page says about a loaded bundle (also `siamesePage.bundle()`). */
export interface BundleInfo {
  name: string;
  bytes: number;
  model: 'siamese' | 'triplet';
  distance: string;
  inputShape: number[];
  embeddingSize: number;
  /** "same" when distance < this. */
  distanceThreshold: number;
  /** How the threshold was chosen: a calibration method, or "model" for 1 − the head's threshold. */
  thresholdFrom: string;
  /** Items in the gallery (0 when the bundle has none). */
  galleryItems: number;
}

export interface BundleVerdict {
  same: boolean;
  distance: number;
  score: number;
}

export interface BundleMatchView {
  rank: number;
  item: number;
  label: number;
  /** The class name, or the label as text where the gallery has no names. */
  name: string;
  distance: number;
}

export class BundlePanel {
  readonly a: DrawPad;
  readonly b: DrawPad;
  readonly query: DrawPad;
  /** The loaded bundle's description, or null. */
  info: BundleInfo | null = null;
  /** The verdict on the two drawings shown now (null while a pad is empty or no bundle is loaded). */
  lastVerdict: BundleVerdict | null = null;
  /** The gallery matches shown now, nearest first. */
  lastMatches: BundleMatchView[] = [];
  private bundle: SiameseBundle | null = null;
  /** The file's bytes, kept so the bundle can be put back on a new device after a device loss. */
  private source: { bytes: ArrayBuffer; name: string } | null = null;
  private seq = { load: 0, verify: 0, search: 0 };
  private readonly status: HTMLElement;
  private readonly verifyResult: HTMLElement;
  private readonly searchResult: HTMLElement;

  constructor(root: HTMLElement) {
    const input = el('input', { type: 'file', id: 'bundle-file', accept: '.siamese,application/octet-stream' });
    input.addEventListener('change', () => {
      const f = input.files?.[0];
      if (f) void this.loadFile(f);
    });
    this.status = el('p', { id: 'bundle-status', class: 'status', 'data-state': 'empty' }, 'No bundle loaded.');
    this.a = new DrawPad({ label: 'First drawing', onChange: () => void this.verify() });
    this.b = new DrawPad({ label: 'Second drawing', onChange: () => void this.verify() });
    this.query = new DrawPad({ label: 'Drawing to look up', onChange: () => void this.search() });
    this.verifyResult = el('p', { id: 'bundle-verify-result', class: 'result' });
    this.searchResult = el('div', { id: 'bundle-search-result', class: 'result' });
    root.replaceChildren(
      el('label', { class: 'file-pick' }, ['Bundle file (.siamese): ', input]),
      this.status,
      el('div', { class: 'bundle-uses' }, [
        el('div', { id: 'bundle-verify' }, [el('h3', {}, 'Verify'), el('div', { class: 'pads' }, [this.a.root, this.b.root]), this.verifyResult]),
        el('div', { id: 'bundle-search' }, [el('h3', {}, 'Search the gallery'), el('div', { class: 'pads' }, [this.query.root]), this.searchResult]),
      ]),
    );
    this.refresh();
  }

  async loadFile(f: File): Promise<void> {
    await this.load(await f.arrayBuffer(), f.name);
  }

  /** Loads bundle bytes onto the GPU, replacing any bundle loaded before. */
  async load(bytes: ArrayBuffer, name: string): Promise<void> {
    const seq = ++this.seq.load;
    this.show(this.status, 'loading', `Loading ${name}…`);
    let next: SiameseBundle;
    try {
      next = siamese.loadBundle(bytes, name);
      const shape = [...next.inputShape];
      if (shape.join() !== [MNIST_SIDE, MNIST_SIDE, 1].join()) {
        next.dispose();
        throw new Error(`${name}: its model takes ${shape.join('×')} images; this page's pads draw ${MNIST_SIDE}×${MNIST_SIDE}×1 digits`);
      }
    } catch (e) {
      if (seq === this.seq.load) this.show(this.status, 'error', `Could not load the bundle: ${errorText(e)}`);
      return;
    }
    if (seq !== this.seq.load) return next.dispose(); // a later file was picked meanwhile
    this.drop();
    this.bundle = next;
    this.source = { bytes, name };
    this.info = describe(next, name, bytes.byteLength);
    this.status.dataset.state = 'loaded';
    this.status.textContent = summary(this.info);
    this.refresh();
  }

  /** After a device loss and restart: the old bundle's buffers are gone; load it again. */
  async reload(): Promise<void> {
    this.bundle = null; // its tensors lived on the lost device: nothing to free
    if (this.source) await this.load(this.source.bytes, this.source.name);
  }

  private drop(): void {
    try {
      this.bundle?.dispose();
    } catch {
      // freeing buffers of a lost device: nothing left to free
    }
    this.bundle = null;
    this.info = null;
  }

  private refresh(): void {
    void this.verify();
    void this.search();
  }

  async verify(): Promise<void> {
    const seq = ++this.seq.verify;
    this.lastVerdict = null;
    const ia = this.a.toMnist();
    const ib = this.b.toMnist();
    const bundle = this.bundle;
    if (!bundle) return this.show(this.verifyResult, 'no-bundle', 'Load a bundle to verify with its threshold.');
    if (!ia || !ib) return this.show(this.verifyResult, 'pending', 'Draw a digit in each box.');
    this.show(this.verifyResult, 'working', 'Verifying…');
    try {
      const v = await bundle.verify(ia, ib);
      if (seq !== this.seq.verify || bundle !== this.bundle) return;
      this.lastVerdict = v;
      this.verifyResult.replaceChildren(
        el('strong', { class: v.same ? 'same' : 'different' }, v.same ? 'Same' : 'Different'),
        ` · distance ${v.distance.toFixed(3)} (same below ${bundle.distanceThreshold.toFixed(3)}) · score ${v.score.toFixed(3)}`,
      );
      this.verifyResult.dataset.state = 'verdict';
    } catch (e) {
      if (seq === this.seq.verify) this.show(this.verifyResult, 'error', `Could not verify: ${errorText(e)}`);
    }
  }

  async search(): Promise<void> {
    const seq = ++this.seq.search;
    this.lastMatches = [];
    const q = this.query.toMnist();
    const bundle = this.bundle;
    if (!bundle) return this.show(this.searchResult, 'no-bundle', 'Load a bundle to search its gallery.');
    if (!bundle.gallery) return this.show(this.searchResult, 'no-gallery', 'This bundle has no gallery (make one with siamese bundle --gallery DATA).');
    if (!q) return this.show(this.searchResult, 'pending', 'Draw a digit to find its nearest gallery images.');
    this.show(this.searchResult, 'working', 'Searching…');
    try {
      const k = Math.min(SEARCH_K, bundle.gallery.size);
      const [matches] = await bundle.search(q, k);
      if (seq !== this.seq.search || bundle !== this.bundle) return;
      this.lastMatches = matches.map((m) => ({ rank: m.rank, item: m.item, label: m.label, name: m.name ?? String(m.label), distance: m.distance }));
      this.searchResult.dataset.state = 'matches';
      this.searchResult.replaceChildren(
        el('strong', {}, `Nearest: "${this.lastMatches[0].name}"`),
        el('ol', {}, this.lastMatches.map((m) => el('li', {}, `"${m.name}" (gallery item ${m.item}): distance ${m.distance.toFixed(3)}`))),
      );
    } catch (e) {
      if (seq === this.seq.search) this.show(this.searchResult, 'error', `Could not search: ${errorText(e)}`);
    }
  }

  private show(node: HTMLElement, state: string, text: string): void {
    node.dataset.state = state;
    node.textContent = text;
  }
}

function describe(b: SiameseBundle, name: string, bytes: number): BundleInfo {
  return {
    name,
    bytes,
    model: b.head.model,
    distance: b.head.distance,
    inputShape: [...b.inputShape],
    embeddingSize: b.model.base.outputShape[0],
    distanceThreshold: b.distanceThreshold,
    thresholdFrom: b.calibration ? b.calibration.method : 'model',
    galleryItems: b.gallery?.size ?? 0,
  };
}

function summary(i: BundleInfo): string {
  const threshold =
    i.thresholdFrom === 'model' ? `the model's own threshold (no calibration in the bundle)` : `calibrated (${i.thresholdFrom})`;
  const gallery = i.galleryItems ? `a gallery of ${i.galleryItems} images` : 'no gallery';
  return (
    `${i.name} (${(i.bytes / 1024).toFixed(0)} KiB): a ${i.model} network, ${i.distance} distance, ` +
    `${i.embeddingSize}-value embeddings; "same" below distance ${i.distanceThreshold.toFixed(3)}, ${threshold}; ${gallery}.`
  );
}

