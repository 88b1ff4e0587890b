/**
 * What the page says about the GPU: the adapter (vendor, architecture and description from
 * `adapter.info`), a clear message when the browser has no WebGPU, and a banner when the
 * device is lost, with a button that makes a fresh one.
 */
import { backend, ready, type Backend } from '../engine.js';
import { el } from '../dom.js';

export interface AdapterLine {
  vendor: string;
  architecture: string;
  description: string;
  /** True when the engine judged it a software rasteriser (SwiftShader and the like). */
  software: boolean;
}

/** Why this browser cannot run the page, or null when it has `navigator.gpu`. */
export function missingWebGpuReason(): string | null {
  if (!('gpu' in navigator) || !navigator.gpu) {
    if (!window.isSecureContext) {
      return 'WebGPU is only offered to secure pages: open this page over https, or from http://localhost or http://127.0.0.1.';
    }
    return (
      'This browser has no WebGPU. The page needs a browser with WebGPU turned on: Chrome or Edge 113+, ' +
      'Safari 26+, or Firefox 141+ on Windows (on Linux, Chrome may need chrome://flags/#enable-unsafe-webgpu).'
    );
  }
  return null;
}

export function adapterLine(b: Backend): AdapterLine {
  const i = b.adapterInfo;
  return { vendor: i.vendor || '?', architecture: i.architecture || '?', description: i.description || '', software: b.software };
}

export class GpuPanel {
  /** Called after a lost device was replaced by a fresh one. */
  onRestart: (() => Promise<void>) | null = null;

  constructor(
    private readonly adapterEl: HTMLElement,
    private readonly bannerEl: HTMLElement,
  ) {}

  showAdapter(b: Backend): AdapterLine {
    const a = adapterLine(b);
    this.adapterEl.replaceChildren(
      el('span', { class: 'adapter-name', 'data-vendor': a.vendor, 'data-architecture': a.architecture }, `${a.vendor} · ${a.architecture}`),
      a.description ? el('span', { class: 'muted' }, ` · ${a.description}`) : '',
      a.software ? el('span', { class: 'tag warn', title: 'a software GPU: correct, but slow' }, 'software GPU') : '',
    );
    this.watchLoss(b);
    return a;
  }

  showMissing(reason: string): void {
    this.adapterEl.textContent = 'no WebGPU';
    this.banner('error', 'WebGPU is not available', reason);
  }

  showError(title: string, err: unknown): void {
    this.banner('error', title, err instanceof Error ? err.message : String(err));
  }

  private watchLoss(b: Backend): void {
    void b.device.lost.then((info) => {
      // A device we replaced or shut down ourselves is not news; only the current one is.
      if (info.reason === 'destroyed' && current() !== b) return;
      const restart = el('button', { type: 'button', id: 'restart-gpu' }, 'Restart on a new device');
      restart.addEventListener('click', () => void this.restart(restart));
      this.banner('error', 'The GPU device was lost', info.message || String(info.reason), restart);
    });
  }

  private async restart(button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const b = await ready({ fresh: true });
      this.bannerEl.hidden = true;
      this.showAdapter(b);
      await this.onRestart?.();
    } catch (e) {
      this.showError('Could not get a new GPU device', e);
    }
  }

  private banner(kind: 'error' | 'info', title: string, text: string, action?: HTMLElement): void {
    this.bannerEl.className = `banner ${kind}`;
    this.bannerEl.replaceChildren(el('strong', {}, title), el('p', {}, text), ...(action ? [action] : []));
    this.bannerEl.hidden = false;
  }
}

function current(): Backend | null {
  try {
    return backend();
  } catch {
    return null;
  }
}
