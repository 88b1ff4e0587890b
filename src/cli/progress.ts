/**
 * The training progress bar, on stderr so that stdout stays clean for results. On a terminal it
 * redraws one line in place; otherwise (CI logs, pipes) it prints a line at most every few
 * seconds and at each epoch's end, so logs stay short.
 */
import type { BatchLogs, EpochLogs } from '../siamese/trainer.js';

export interface ProgressOptions {
  epochs: number;
  stream?: NodeJS.WriteStream;
  quiet?: boolean;
  unit?: string;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return `${h ? `${h}:${String(m).padStart(2, '0')}` : m}:${String(r).padStart(2, '0')}`;
}

export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private lastPrint = 0;
  private drawn = false;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = !!this.stream.isTTY;
  }

  private line(b: BatchLogs): string {
    const done = b.batch + 1;
    const width = 24;
    const fill = Math.round((done / b.batchesPerEpoch) * width);
    const bar = '='.repeat(Math.max(0, fill - 1)) + (fill > 0 ? '>' : '') + ' '.repeat(width - fill);
    const unit = this.opts.unit ?? 'pairs';
    const stats = b.loss === undefined ? (b.epoch === 0 ? 'starting (compiling kernels)' : '') :
      `loss ${b.loss.toFixed(4)}  acc ${b.accuracy!.toFixed(4)}  ${b.pairsPerSecond ? b.pairsPerSecond.toFixed(1) : '-'} ${unit}/s` +
      (b.pairsPerSecond ? `  eta ${clock(((b.batchesPerEpoch - done) * b.size) / b.pairsPerSecond)}` : '');
    return `epoch ${b.epoch + 1}/${this.opts.epochs} [${bar}] ${done}/${b.batchesPerEpoch}  ${stats}`;
  }

  batch(b: BatchLogs): void {
    if (this.opts.quiet || b.epochLogs) return;
    const t = Date.now();
    if (this.tty) {
      if (t - this.lastPrint < 100 && b.batch + 1 < b.batchesPerEpoch) return;
      this.stream.write(`\r\x1b[K${this.line(b)}`);
      this.drawn = true;
    } else {
      if (t - this.lastPrint < 10_000) return;
      this.stream.write(this.line(b) + '\n');
    }
    this.lastPrint = t;
  }

  epoch(e: EpochLogs): void {
    if (this.opts.quiet) return;
    if (this.tty && this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
    const unit = this.opts.unit ?? 'pairs';
    const val = e.val_loss !== undefined ? `  val_loss ${e.val_loss.toFixed(4)}  val_acc ${e.val_accuracy!.toFixed(4)}` : '';
    this.stream.write(
      `epoch ${e.epoch + 1}/${this.opts.epochs}  loss ${e.loss.toFixed(4)}  acc ${e.accuracy.toFixed(4)}${val}  ` +
        `${e.pairsPerSecond.toFixed(1)} ${unit}/s  ${clock(e.seconds)}\n`,
    );
    this.lastPrint = Date.now();
  }
}
