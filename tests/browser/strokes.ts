/**
 * Drawing on the page's pads through real input events (puppeteer's mouse and touchscreen go
 * through Chromium's input pipeline, so the page sees ordinary pointer events).
 * Strokes are given in fractions of a pad's box, so they look the same on pads of any size.
 * Also two measures of the 28×28 images the pads give.
 */
import type { Page } from 'puppeteer-core';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A drawing pad: the `index`-th in page order (compare A, compare B, one-shot examples,
 * query, ...) or the one a CSS selector finds. */
export async function padBox(p: Page, index: number | string): Promise<Box> {
  const handle = typeof index === 'number' ? (await p.$$('canvas.pad'))[index] : await p.$(index);
  if (!handle) throw new Error(`the page has no drawing pad ${typeof index === 'number' ? `number ${index}` : index}`);
  await handle.scrollIntoView();
  const b = await handle.boundingBox();
  if (!b) throw new Error(`pad ${index} is not visible`);
  return { x: b.x, y: b.y, w: b.width, h: b.height };
}

/** A "1": one stroke down the middle, leaning slightly right. */
export const ONE: [number, number][] = Array.from({ length: 13 }, (_, i) => [0.5 + 0.004 * i, 0.15 + 0.058 * i]);

/** A "0": a closed ellipse, taller than wide. */
export const ZERO: [number, number][] = Array.from({ length: 33 }, (_, i) => {
  const t = (i / 32) * 2 * Math.PI;
  return [0.5 + 0.22 * Math.sin(t), 0.5 - 0.32 * Math.cos(t)];
});

/** Draws one stroke with the mouse on pad `index`. */
export async function mouseStroke(p: Page, index: number | string, stroke: [number, number][]): Promise<void> {
  const b = await padBox(p, index);
  const at = ([fx, fy]: [number, number]): [number, number] => [b.x + b.w * fx, b.y + b.h * fy];
  await p.mouse.move(...at(stroke[0]));
  await p.mouse.down();
  for (const pt of stroke.slice(1)) await p.mouse.move(...at(pt));
  await p.mouse.up();
}

/** Draws one stroke with a finger on pad `index`. */
export async function touchStroke(p: Page, index: number | string, stroke: [number, number][]): Promise<void> {
  const b = await padBox(p, index);
  const at = ([fx, fy]: [number, number]): [number, number] => [b.x + b.w * fx, b.y + b.h * fy];
  await p.touchscreen.touchStart(...at(stroke[0]));
  for (const pt of stroke.slice(1)) await p.touchscreen.touchMove(...at(pt));
  await p.touchscreen.touchEnd();
}

/** MNIST's side. */
export const SIDE = 28;

/** Centre of mass (x, y) of a 28×28 image in continuous pixel coordinates (pixel i spans [i, i+1)). */
export function centreOfMass(img: number[]): [number, number] {
  let m = 0;
  let x = 0;
  let y = 0;
  img.forEach((v, i) => {
    m += v;
    x += v * ((i % SIDE) + 0.5);
    y += v * (Math.floor(i / SIDE) + 0.5);
  });
  return [x / m, y / m];
}

/** Rows and columns that hold any ink. */
export function extent(img: number[]): { rows: number; cols: number } {
  const rows = new Set<number>();
  const cols = new Set<number>();
  img.forEach((v, i) => {
    if (v > 0) {
      rows.add(Math.floor(i / SIDE));
      cols.add(i % SIDE);
    }
  });
  return { rows: rows.size, cols: cols.size };
}
