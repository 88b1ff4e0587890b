/** Runs a toolkit command; each command's module loads only when it runs. */
import type { ToolkitArgs } from './toolkit-args.js';

export async function runToolkit(a: ToolkitArgs): Promise<void> {
  if (a.command === 'calibrate') await (await import('./calibrate.js')).runCalibrate(a as ToolkitArgs<'calibrate'>);
  else if (a.command === 'verify') await (await import('./verify.js')).runVerify(a as ToolkitArgs<'verify'>);
  else if (a.command === 'oneshot') await (await import('./oneshot.js')).runOneshot(a as ToolkitArgs<'oneshot'>);
  else if (a.command === 'bundle') await (await import('./bundle.js')).runBundle(a as ToolkitArgs<'bundle'>);
  else await (await import('./search.js')).runSearch(a as ToolkitArgs<'search'>);
}
