/**
 * Section 6: issue 8's goals, each judged from numbers measured in this run (never from
 * numbers typed in), with how far a missed goal is off; and "what limits it" notes derived
 * from the same measurements (profiled step, kernel efficiencies).
 */
import { isUnavailable, type BenchResults, type GoalRow, type KernelRow, type TrainingRow } from './result.js';

const MiB = 1024 * 1024;
const f = (x: number, d = 2) => x.toFixed(d);

function ratioGoal(goal: string, need: number, got: number | null, what: string): GoalRow {
  const target = `≥ ${need}×`;
  if (got === null) return { goal, target, measured: what, status: 'not measured' };
  const ok = got >= need;
  return { goal, target, measured: `${f(got)}×`, status: ok ? 'met' : 'missed', by: ok ? undefined : `${f(need / got, 1)}× short (${f(got)}× of ${need}×)` };
}

function pctGoal(goal: string, need: number, got: number | null, what: string): GoalRow {
  const target = `≥ ${need}%`;
  if (got === null) return { goal, target, measured: what, status: 'not measured' };
  const ok = got >= need;
  return { goal, target, measured: `${f(got, 1)}%`, status: ok ? 'met' : 'missed', by: ok ? undefined : `${f(need - got, 1)} points short (${f(need / got, 1)}× too slow)` };
}

/** Training rows and the ratios the goals ask for. */
export function trainingRatios(r: BenchResults) {
  const runs = isUnavailable(r.training) ? {} : r.training.runs;
  const ok = (id: string): TrainingRow | null => {
    const x = runs[id];
    return x && !isUnavailable(x) ? x : null;
  };
  const tfjs = Object.values(runs).filter((x): x is TrainingRow => !isUnavailable(x) && x.engine !== 'ours');
  const fastest = tfjs.reduce<TrainingRow | null>((best, x) => (!best || x.pairsPerSec > best.pairsPerSec ? x : best), null);
  const flopsPerPair = isUnavailable(r.training) ? null : r.training.flopsPerPair;
  const nodePeak = isUnavailable(r.adapter) ? null : r.adapter.peakGflops;
  const limit = (peak: number | null | undefined) => (peak && flopsPerPair ? (peak * 1e9) / flopsPerPair : null);
  const node = ok('ours-node');
  const chromium = ok('ours-chromium');
  // Each place's limit from the peak measured beside its own run (the run's best where it has none).
  const nodeOwn = node?.peakGflops ?? nodePeak;
  const webgpuNode = ok('tfjs-webgpu-node');
  const div = (a: TrainingRow | null, b: TrainingRow | null) => (a && b ? a.pairsPerSec / b.pairsPerSec : null);
  const ofLimit = (a: TrainingRow | null, l: number | null) => (a && l ? (100 * a.pairsPerSec) / l : null);
  return {
    fastest,
    nodeLimit: limit(nodeOwn),
    chromiumLimit: limit(chromium?.peakGflops),
    nodeVsFastest: div(node, fastest),
    chromiumVsFastest: div(chromium, fastest),
    nodeVsWebgpuNode: div(node, webgpuNode),
    nodePctLimit: ofLimit(node, limit(nodeOwn)),
    chromiumPctLimit: ofLimit(chromium, limit(chromium?.peakGflops)),
  };
}

function kernelRow(r: BenchResults, name: string): KernelRow | null {
  if (isUnavailable(r.kernels)) return null;
  const row = r.kernels.rows.find((x) => x.name === name);
  return row && !isUnavailable(row) ? (row as KernelRow) : null;
}

export const CONV2_KERNELS = ['conv2 forward', 'conv2 input-grad', 'conv2 filter-grad'];

export function judgeGoals(r: BenchResults): GoalRow[] {
  const t = trainingRatios(r);
  const fast = t.fastest ? `fastest tfjs (${t.fastest.id}) not measured` : 'no tfjs backend measured';
  const goals: GoalRow[] = [
    ratioGoal('Training, Node: ours ÷ fastest tfjs backend', 8, t.nodeVsFastest, t.fastest ? 'ours in Node not measured' : fast),
    ratioGoal('Training, Chromium: ours ÷ fastest tfjs backend', 8, t.chromiumVsFastest, t.fastest ? 'ours in Chromium not measured' : fast),
    ratioGoal('Training, Node: ours ÷ tfjs WebGPU in Node', 30, t.nodeVsWebgpuNode, 'a run was not measured'),
    pctGoal("Training, Node: % of the adapter's limit", 50, t.nodePctLimit, 'not measured'),
    pctGoal("Training, Chromium: % of the adapter's limit", 50, t.chromiumPctLimit, 'not measured'),
    // Against the peak measured beside each kernel (bench/kernels.ts); the table shows both.
    ...CONV2_KERNELS.map((k) => pctGoal(`${k} kernel: % of measured peak`, 60, kernelRow(r, k)?.pctBeside ?? null, 'not measured')),
  ];
  const m = isUnavailable(r.memory) ? null : r.memory;
  const peak = m?.peakStepBytes ?? null;
  goals.push(
    peak === null
      ? { goal: 'Peak GPU bytes of a 64-pair step', target: '< 64 MiB', measured: 'not measured', status: 'not measured' }
      : {
          goal: 'Peak GPU bytes of a 64-pair step',
          target: '< 64 MiB',
          measured: `${f(peak / MiB, 1)} MiB`,
          status: peak < 64 * MiB ? 'met' : 'missed',
          by: peak < 64 * MiB ? undefined : `${f(peak / MiB - 64, 1)} MiB over`,
        },
  );
  const leak = m && !isUnavailable(m.leak) ? m.leak : null;
  if (!leak || leak.samples.length < 2) {
    goals.push({ goal: 'GPU memory flat across 1,000 steps', target: 'live bytes after 1,000 = after 10', measured: 'not measured', status: 'not measured' });
  } else {
    const first = leak.samples[0];
    const last = leak.samples[leak.samples.length - 1];
    const grew = last.inUseBytes - first.inUseBytes;
    const created = last.buffersCreated - first.buffersCreated;
    const flat = grew <= 0 && last.tensors <= first.tensors;
    const full = last.step >= 1000;
    goals.push({
      goal: `GPU memory flat across ${last.step.toLocaleString('en')} steps (${leak.pairs}-pair batches)`,
      target: 'live bytes after 1,000 = after 10',
      measured: `${first.inUseBytes} B after ${first.step}, ${last.inUseBytes} B after ${last.step}; ${created} buffers created in between`,
      status: flat ? (full ? 'met' : 'not measured') : 'missed',
      by: flat ? (full ? undefined : `only ${last.step} steps ran (${leak.stoppedByBudget ? 'time budget: --leak-budget' : '--leak-steps'})`) : `${grew} B more after ${last.step - first.step} steps`,
    });
  }
  return goals;
}

/** Observations that say what limits the speed, each from a number measured in this run. */
export function whatLimits(r: BenchResults): string[] {
  const notes: string[] = [];
  const p = isUnavailable(r.kernels) || isUnavailable(r.kernels.profile) ? null : r.kernels.profile;
  if (p && p.gpuMs !== null) {
    const share = (100 * p.gpuMs) / p.wallMs;
    notes.push(
      `A profiled ${p.pairs}-pair step: ${p.launches} launches, ${f(p.gpuMs, 1)} ms of GPU time in ${f(p.wallMs, 1)} ms of wall time (${f(share, 0)}%; ` +
        `each launch ran in its own timed pass, so the wall time there includes profiling overhead).`,
    );
    const top = p.kernels.filter((k) => k.gpuMs !== null).slice(0, 3);
    if (top.length) {
      notes.push(`Most GPU time: ${top.map((k) => `${k.name} ${f((100 * k.gpuMs!) / p.gpuMs!, 0)}%${k.gflops ? ` at ${f(k.gflops)} GFLOP/s` : ''}`).join(', ')}.`);
    }
  }
  const conv = CONV2_KERNELS.map((k) => kernelRow(r, k)).filter((x): x is KernelRow => !!x);
  if (conv.length) {
    notes.push(
      `conv2 kernels reach ${conv.map((k) => `${k.name.replace('conv2 ', '')} ${f(k.pctBeside, 0)}%`).join(', ')} of the multiply-add peak measured beside each ` +
        `(${conv.map((k) => `${f(k.pctPeak, 0)}%`).join(', ')} of the run's best peak).`,
    );
  }
  const t = trainingRatios(r);
  const node = isUnavailable(r.training) ? null : r.training.runs['ours-node'];
  if (node && !isUnavailable(node) && t.nodeLimit) {
    const flops = isUnavailable(r.training) ? 0 : r.training.flopsPerPair;
    notes.push(
      `Ours in Node sustains ${f((node.pairsPerSec * flops) / 1e9)} GFLOP/s of the nominal work (FLOPs per pair × pairs/s) over a whole step, against a peak of ` +
        `${f(node.peakGflops ?? (isUnavailable(r.adapter) ? NaN : r.adapter.peakGflops))} GFLOP/s measured beside it (limit ${f(t.nodeLimit, 0)} pairs/s).`,
    );
  }
  if (p && p.gpuMs !== null && node && !isUnavailable(node)) {
    notes.push(
      `Unprofiled, a 64-pair step took ${f(node.msPerStep, 0)} ms in Node (throughput run) against ${f(p.gpuMs, 0)} ms of GPU time when profiled: ` +
        (node.msPerStep > 1.2 * p.gpuMs ? 'the step waits on more than its kernels (CPU-side encoding, uploads, submits).' : 'the step is GPU-bound; faster kernels are what would speed it up.'),
    );
  }
  if (!isUnavailable(r.adapter) && r.adapter.software) {
    notes.push('The adapter is SwiftShader (Vulkan on the CPU): the "GPU" shares the machine\'s cores with JavaScript, so CPU-side work per step competes with kernels.');
  }
  return notes;
}
