/**
 * "Profile a step": runs one training step of the live session under the engine's profiler and
 * shows its per-kernel table (profile-view.ts). Clicking a kernel shows its WGSL source, its
 * pipeline variants and each launch's dispatch size, for people studying how the GPU runs the
 * network. Works while training runs (the step goes between two bursts) or is paused.
 */
import { el, errorText } from '../dom.js';
import type { StepProfile } from '../train/controller.js';
import { kernelDetail, profileView, type ProfileView } from './profile-view.js';

export class ProfilePanel {
  private readonly button: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly table: HTMLElement;
  private readonly detail: HTMLElement;
  private profile: StepProfile | null = null;
  private hasSession = false;
  private busy = false;
  /** The table shown now, for the page's state (null before the first profile). */
  last: ProfileView | null = null;
  /** The kernel whose source is shown now. */
  selected: string | null = null;

  constructor(
    root: HTMLElement,
    private readonly profileStep: () => Promise<StepProfile>,
  ) {
    this.button = el('button', { id: 'profile-step', type: 'button' }, 'Profile a step');
    this.button.addEventListener('click', () => void this.run());
    this.status = el('p', { id: 'profile-status', class: 'status' });
    this.table = el('div', { id: 'profile-table' });
    this.detail = el('div', { id: 'profile-detail' });
    root.replaceChildren(el('div', { class: 'controls' }, [this.button]), this.status, this.table, this.detail);
    this.setSession(false);
  }

  /** A session exists (training started at least once since the last reset). */
  setSession(exists: boolean): void {
    this.hasSession = exists;
    this.button.disabled = !exists || this.busy;
    if (!exists && !this.busy) this.say('idle', 'Press Start in Training first: the profiler times a step of the live model.');
  }

  private say(state: string, text: string | (string | Node)[]): void {
    this.status.dataset.state = state;
    this.status.replaceChildren(...(typeof text === 'string' ? [text] : text));
  }

  async run(): Promise<void> {
    if (this.busy || !this.hasSession) return;
    this.busy = true;
    this.button.disabled = true;
    this.say('running', 'Profiling one training step (each kernel in its own pass, so the step runs slower than usual)…');
    try {
      this.show(await this.profileStep());
    } catch (e) {
      this.say('error', `Could not profile a step: ${errorText(e)}`);
    } finally {
      this.busy = false;
      this.button.disabled = !this.hasSession;
    }
  }

  private show(p: StepProfile): void {
    this.profile = p;
    const v = profileView(p);
    this.last = v;
    const badge = el('span', { class: `tag ${v.timing === 'gpu-timestamps' ? 'ok' : 'warn'}`, 'data-timing': v.timing }, v.timingLabel);
    this.say('done', [`Step ${p.result.step}: ${v.title} `, badge]);
    const head = el('tr', {}, v.columns.map((c) => el('th', {}, c)));
    const rows = v.rows.map((r) => {
      const name = r[0];
      const tr = el('tr', { 'data-kernel': name, title: 'show the WGSL source and launches' }, [
        el('td', {}, el('button', { type: 'button', class: 'link' }, name)),
        ...r.slice(1).map((c) => el('td', { class: 'num' }, c)),
      ]);
      tr.addEventListener('click', () => this.select(name));
      return tr;
    });
    this.table.replaceChildren(el('table', { class: 'profile' }, [el('thead', {}, head), el('tbody', {}, rows)]));
    this.select(v.rows[0]?.[0] ?? null);
  }

  /** Shows one kernel's variants (constants, workgroup size, WGSL) and launches. */
  select(name: string | null): void {
    this.selected = name;
    this.table.querySelectorAll<HTMLElement>('tr[data-kernel]').forEach((tr) => tr.classList.toggle('selected', tr.dataset.kernel === name));
    const k = name && this.profile?.kernels.find((x) => x.name === name);
    if (!k || !this.profile) {
      this.detail.replaceChildren();
      return;
    }
    const d = kernelDetail(k, this.profile.timing);
    this.detail.replaceChildren(
      el('h3', {}, `${d.name}: ${d.launches.length} launch${d.launches.length === 1 ? '' : 'es'}`),
      el('ol', { class: 'launches' }, d.launches.map((l) => el('li', {}, l.replace(/^#\d+ /, '')))),
      // The first variant open; the others (other override constants, same source) one click away.
      ...d.variants.map((v, i) =>
        el('details', i === 0 ? { class: 'wgsl', open: '' } : { class: 'wgsl' }, [
          el('summary', {}, `${v.shader}, entry point ${v.entry} — ${v.label}`),
          el('pre', { class: 'wgsl-source' }, el('code', {}, v.wgsl)),
        ]),
      ),
    );
  }
}
