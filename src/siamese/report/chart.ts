/**
 * Line charts (training curves, ROC curves, histograms as steps) and scatter plots (series
 * with `line: false`), drawn twice from one layout: as SVG (crisp, for the README and
 * browsers) and into a Raster (for the PNG). Browser-safe.
 */
import { Raster, parseColor } from './raster.js';

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
  color: string;
  /** Mark every point with a dot (for per-epoch values). */
  dots?: boolean;
  /** Join the points with a line (default true; false with `dots` makes a scatter plot). */
  line?: boolean;
  /** Dot radius in pixels (default 3.5). */
  radius?: number;
  /** List the series in the legend (default true). */
  legend?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Fixed y range (e.g. [0, 1] for accuracy); else fitted to the data. */
  yRange?: [number, number];
  /** Fixed x range; else fitted to the data. */
  xRange?: [number, number];
  width?: number;
  height?: number;
}

interface Layout {
  width: number;
  height: number;
  left: number;
  top: number;
  plotW: number;
  plotH: number;
  xTicks: number[];
  yTicks: number[];
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  px(x: number): number;
  py(y: number): number;
}

/** Round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.001) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

function layout(spec: ChartSpec): Layout {
  const width = spec.width ?? 640;
  const height = spec.height ?? 400;
  const xs = spec.series.flatMap((s) => [...s.x]).filter(Number.isFinite);
  const ys = spec.series.flatMap((s) => [...s.y]).filter(Number.isFinite);
  let [x0, x1] = spec.xRange ?? [xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1];
  if (x1 === x0) x1 = x0 + 1;
  let [y0, y1] = spec.yRange ?? [ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1];
  if (!spec.yRange) {
    const pad = (y1 - y0) * 0.05 || 0.5;
    // Non-negative data (losses, accuracies) keeps 0 as its floor rather than a padded -0.01.
    y0 = y0 >= 0 && y0 - pad < 0 ? 0 : y0 - pad;
    y1 += pad;
  }
  const xTicks = niceTicks(x0, x1, 6);
  const yTicks = niceTicks(y0, y1, 5);
  x0 = Math.min(x0, xTicks[0]);
  x1 = Math.max(x1, xTicks[xTicks.length - 1]);
  y0 = Math.min(y0, yTicks[0]);
  y1 = Math.max(y1, yTicks[yTicks.length - 1]);
  const left = 70;
  const top = 40;
  const plotW = width - left - 20;
  const plotH = height - top - 70;
  return {
    width, height, left, top, plotW, plotH, xTicks, yTicks, x0, x1, y0, y1,
    px: (x) => left + ((x - x0) / (x1 - x0)) * plotW,
    py: (y) => top + plotH - ((y - y0) / (y1 - y0)) * plotH,
  };
}

/** Left edge of each legend entry: a 22 px swatch, the name (about 7 px a character in both
 * renderings) and a gap. */
function legendX(L: Layout, series: Series[]): number[] {
  const out: number[] = [];
  let x = L.left + 10;
  for (const s of series) {
    out.push(x);
    if (s.legend !== false) x += 22 + 6 + 7 * s.name.length + 24;
  }
  return out;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The chart as a standalone SVG document. */
export function chartSvg(spec: ChartSpec): string {
  const L = layout(spec);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="${L.width / 2}" y="22" text-anchor="middle" font-size="15">${esc(spec.title)}</text>`);
  for (const t of L.yTicks) {
    const y = L.py(t).toFixed(1);
    out.push(`<line x1="${L.left}" y1="${y}" x2="${L.left + L.plotW}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${L.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`);
  }
  for (const t of L.xTicks) {
    const x = L.px(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${L.top}" x2="${x}" y2="${L.top + L.plotH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x}" y="${L.top + L.plotH + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  out.push(`<rect x="${L.left}" y="${L.top}" width="${L.plotW}" height="${L.plotH}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${L.left + L.plotW / 2}" y="${L.top + L.plotH + 34}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${L.top + L.plotH / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  const lxs = legendX(L, spec.series);
  spec.series.forEach((s, k) => {
    const pts = s.x.map((x, i) => [x, s.y[i]]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length > 1 && s.line !== false) {
      const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${L.px(x).toFixed(1)} ${L.py(y).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    }
    if (s.dots || pts.length === 1) for (const [x, y] of pts) out.push(`<circle cx="${L.px(x).toFixed(1)}" cy="${L.py(y).toFixed(1)}" r="${s.radius ?? 3.5}" fill="${s.color}"/>`);
    if (s.legend === false) return;
    const lx = lxs[k];
    const ly = L.height - 14;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 28}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The same chart drawn into pixels. */
export function chartRaster(spec: ChartSpec): Raster {
  const L = layout(spec);
  const img = new Raster(L.width, L.height);
  const ink = parseColor('#333333');
  img.text(L.width / 2, 12, spec.title, ink, 2, 'center');
  for (const t of L.yTicks) {
    const y = Math.round(L.py(t));
    img.fillRect(L.left, y, L.plotW, 1, parseColor('#e5e5e5'));
    img.text(L.left - 6, y - 3, formatTick(t), ink, 1, 'right');
  }
  for (const t of L.xTicks) {
    const x = Math.round(L.px(t));
    img.fillRect(x, L.top, 1, L.plotH, parseColor('#f0f0f0'));
    img.text(x, L.top + L.plotH + 8, formatTick(t), ink, 1, 'center');
  }
  img.strokeRect(L.left, L.top, L.plotW + 1, L.plotH + 1, ink);
  img.text(L.left + L.plotW / 2, L.top + L.plotH + 26, spec.xLabel, ink, 1, 'center');
  img.textVertical(10, L.top + L.plotH / 2, spec.yLabel, ink, 1);
  const lxs = legendX(L, spec.series);
  spec.series.forEach((s, k) => {
    const c = parseColor(s.color);
    const pts = s.x.map((x, i) => [x, s.y[i]]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (s.line !== false) for (let i = 1; i < pts.length; i++) img.line(L.px(pts[i - 1][0]), L.py(pts[i - 1][1]), L.px(pts[i][0]), L.py(pts[i][1]), c, 2);
    if (s.dots || pts.length === 1) for (const [x, y] of pts) img.dot(L.px(x), L.py(y), s.radius ?? 3.5, c);
    if (s.legend === false) return;
    const lx = lxs[k];
    const ly = L.height - 14;
    img.fillRect(lx, ly - 1, 22, 3, c);
    img.text(lx + 28, ly - 3, s.name, ink, 1);
  });
  return img;
}
