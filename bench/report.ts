/** Writes bench/RESULTS.md from the results of one run (every ratio from that same run). */
import { isUnavailable, type BenchResults, type KernelRow, type Maybe, type TrainingRow } from './result.js';
import { trainingRatios } from './goals.js';
import { stepFlops, skippedConv2Flops, FLOPS_PER_PAIR } from './seed-flops.js';
import { TRAINING_RUNS } from './args.js';

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const MiB = (b: number) => `${f(b / 1048576, 1)} MiB`;

function table(head: string[], rows: string[][]): string {
  const line = (r: string[]) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

const na = (m: { unavailable: string }) => `not available: ${m.unavailable}`;

function section<T>(title: string, m: Maybe<T>, body: (v: T) => string): string {
  return `## ${title}\n\n${isUnavailable(m) ? na(m) : body(m)}\n`;
}

function kernelsBody(r: BenchResults): (k: Exclude<BenchResults['kernels'], { unavailable: string }>) => string {
  return (k) => {
    const rows = k.rows.map((row) => {
      if (isUnavailable(row)) return [row.name, row.shape, na(row), '', '', '', '', ''];
      const x = row as KernelRow;
      const rate = x.bound === 'compute' ? `${f(x.gflops)} GFLOP/s` : `${f(x.gbps)} GB/s`;
      const kind = x.bound === 'compute' ? 'FMA' : 'copy';
      const beside = x.pctBeside === undefined ? 'n/a' : `${f(x.pctBeside, 1)}% of ${f(x.besidePeak)}`;
      return [x.name, x.shape, x.gpuMs === null ? 'n/a' : f(x.gpuMs, 3), f(x.wallMs, 2), rate, `${f(x.pctPeak, 1)}% ${kind}`, beside, `${x.launches} × ${x.runs}${x.note ? `; ${x.note}` : ''}`];
    });
    const peak = isUnavailable(r.adapter) ? '' : ` Peaks: ${f(r.adapter.peakGflops)} GFLOP/s multiply-add, ${f(r.adapter.copyGbps)} GB/s copy.`;
    let out =
      `Batch ${k.images} images (64 pairs). GPU ms: median per call from timestamp queries (the kernel alone); wall ms: median per call ` +
      `with submit and wait. Rates use the GPU time (wall where there are no timestamps) and FLOPs/bytes counted from the shapes ` +
      `(2 per multiply-add; unique bytes read + written). Compute-bound kernels are held against the multiply-add peak, memory-bound ones against copy bandwidth.${peak} ` +
      `"% of peak beside it": of the same peak measured just before and just after that kernel's timing (the better of the two, 3 launches each): ` +
      `this machine's speed drifts within a run, and a kernel timed in a slow minute is held against what the adapter did in that minute. ` +
      `Issue 8's kernel goals use that column.\n\n` +
      table(['kernel', 'shape', 'GPU ms', 'wall ms', 'rate', '% of peak', '% of peak beside it', 'launches × calls timed'], rows);
    if (isUnavailable(k.profile)) out += `\n\nProfiled training step: ${na(k.profile)}`;
    else {
      const p = k.profile;
      out += `\n\nCross-check: one real ${p.pairs}-pair training step under \`profile()\` (${p.timing}), as \`npm run bench -- --profile\` prints it:\n\n\`\`\`\n${p.table}\n\`\`\``;
      const isolated = k.rows.filter((x): x is KernelRow => !isUnavailable(x) && !(x as KernelRow).note?.startsWith('not run in training'));
      if (p.gpuMs !== null && isolated.length && isolated.every((x) => x.gpuMs !== null)) {
        const sum = isolated.reduce((a, x) => a + x.gpuMs!, 0);
        // The profile names launches shader.entry; these shaders are the ones the rows above time.
        const listed = p.kernels.filter((x) => /^(conv2d\w*|matmul|maxpool2d|adam)\./.test(x.name)).reduce((a, x) => a + (x.gpuMs ?? 0), 0);
        out +=
          `\n\nThe isolated kernels above that a step runs (${isolated.length} rows; those not run in training left out) add up to ${f(sum, 1)} ms of GPU time; ` +
          `inside the profiled step the same shaders (conv2d, matmul, maxpool2d, adam) took ${f(listed, 1)} ms, and everything else ` +
          `(elementwise ops, reductions, distance, loss) ${f(p.gpuMs - listed, 1)} ms. Times measured minutes apart on a busy machine differ; on a quiet one the first two should agree.`;
      }
    }
    return out;
  };
}

function trainingBody(r: BenchResults): (t: Exclude<BenchResults['training'], { unavailable: string }>) => string {
  return (t) => {
    const ratios = trainingRatios(r);
    const rows = TRAINING_RUNS.map((id) => {
      const x = t.runs[id];
      if (!x) return [id, '', '', '', 'not run'];
      if (isUnavailable(x)) return [id, '', '', '', na(x)];
      const row = x as TrainingRow;
      const limit = row.where === 'Chromium' ? ratios.chromiumLimit : ratios.nodeLimit;
      const times = row.stepMs.map((ms) => f(ms / 1000, 2)).join(', ');
      return [
        `${row.engine}, ${row.backend}`,
        row.where,
        f(row.pairsPerSec, 2),
        f(row.msPerStep / 1000, 3),
        `${row.warmup} warm-up, ${row.steps} timed (${row.engine === 'ours' ? 's/step per window' : 's per step'}: ${times})` +
          (limit && row.engine === 'ours' ? `; ${f((100 * row.pairsPerSec) / limit, 1)}% of the adapter's limit` : '') +
          (row.adapter ? `; adapter: ${row.adapter}` : '') +
          (row.note ? `; ${row.note}` : ''),
      ];
    });
    const lines = [
      table(['engine, backend', 'where', 'pairs/s', 's/step', 'runs'], rows),
      '',
      `Ratios (same run): ours in Node ÷ fastest tfjs${ratios.fastest ? ` (${ratios.fastest.id}, ${f(ratios.fastest.pairsPerSec)} pairs/s)` : ''}: ` +
        `${ratios.nodeVsFastest === null ? 'n/a' : `${f(ratios.nodeVsFastest)}×`}; ours in Chromium ÷ fastest tfjs: ${ratios.chromiumVsFastest === null ? 'n/a' : `${f(ratios.chromiumVsFastest)}×`}; ` +
        `ours in Node ÷ tfjs WebGPU in Node: ${ratios.nodeVsWebgpuNode === null ? 'n/a' : `${f(ratios.nodeVsWebgpuNode)}×`}.`,
      '',
      `The adapter's limit = measured peak ÷ FLOPs per pair, each place's peak measured just before and after its own training run: ` +
        `${ratios.nodeLimit === null ? 'n/a' : `${f(ratios.nodeLimit, 0)} pairs/s in Node`}` +
        `${ratios.chromiumLimit === null ? '' : `, ${f(ratios.chromiumLimit, 0)} pairs/s in Chromium`}.`,
    ];
    return lines.join('\n');
  };
}

function flopsNote(): string {
  const s = stepFlops(1);
  const rows = s.layers.map((l) => [l.name, f(l.forward / 1e6, 3), f(l.inputGrad / 1e6, 3), f(l.filterGrad / 1e6, 3)]);
  return (
    `FLOPs per pair, counted from the shapes (bench/seed-flops.ts): 2 per multiply-add of convs and matrix products; ` +
    `forward of every layer, filter gradient of every layer, input gradient of every layer but the first. ` +
    `Bias, ReLU, pooling, distance, loss and Adam (O(elements), under 1%) are not counted. Per image, in MFLOP:\n\n` +
    table(['layer', 'forward', 'input-grad', 'filter-grad'], rows) +
    `\n\nTotal ${f(s.total / 1e6)} MFLOP per image (${f(s.forward / 1e6)} forward + ${f(s.backward / 1e6)} backward), **${f(FLOPS_PER_PAIR / 1e6)} MFLOP per pair**. ` +
    `This is the network's nominal work, what TensorFlow.js computes. Our step leaves out conv2's last output row and column, which ` +
    `no window of the 2×2 pool after it reads (forward, input and filter gradient: ${f(skippedConv2Flops(2) / 1e6)} MFLOP per pair, ` +
    `${f((100 * skippedConv2Flops(2)) / FLOPS_PER_PAIR, 1)}%; src/autograd/conv-pool.ts, live-extent.ts); pairs/s and the limit use the nominal count.`
  );
}

export function renderResults(r: BenchResults): string {
  const m = r.meta;
  const adapterLine = isUnavailable(r.adapter) ? na(r.adapter) : `${r.adapter.name}${r.adapter.software ? ' (software: SwiftShader, Vulkan on the CPU)' : ''}`;
  const parts = [
    `# Benchmark results\n`,
    `- Command: \`${m.command}\`${m.quick ? ' (**--quick**: reduced set)' : ''}`,
    `- Date: ${m.date}; took ${f(m.seconds / 60, 1)} min`,
    `- Adapter: ${adapterLine}`,
    `- Machine: ${m.platform}, ${m.cpus} CPU cores, Node ${m.node}\n`,
    'Every ratio below is computed from numbers measured in this one run. Regenerate with `npm run bench` (full, about ten minutes on the software adapter) or `npm run bench -- --quick`.\n',
    section('1. Adapter', r.adapter, (a) =>
      table(
        ['adapter', 'software', 'timestamp queries', 'shader bounds checks (Node)', 'peak fp32 multiply-add', 'copy bandwidth'],
        [[a.name, a.software ? 'yes' : 'no', a.timestamps ? 'yes' : 'no', a.boundsChecks === undefined ? 'n/a' : a.boundsChecks ? 'on' : 'off', `${f(a.peakGflops)} GFLOP/s`, `${f(a.copyGbps)} GB/s`]],
      ) +
        '\n\nMeasured with our micro-kernels `shaders/peak_fma.wgsl` (independent vec4 multiply-add chains) and `shaders/peak_copy.wgsl` (vec4 copy), median of 9 after warm-up, ' +
        `at the start and at the end of the run (${a.samples.map((s) => `${f(s.gflops)} GFLOP/s, ${f(s.gbps)} GB/s`).join('; ')}); every percentage of peak uses the better one.` +
        (a.boundsChecks === false
          ? ' In Node our shaders and TensorFlow.js\'s WebGPU backend ran without Dawn\'s bounds checks (the engine\'s default on software adapters: README, `SIAMESE_BOUNDS_CHECKS`); Chromium always checks.'
          : ''),
    ),
    section('2. Kernels of the seed network', r.kernels, kernelsBody(r)),
    section('3. Training throughput (64-pair batches, Adam, contrastive loss, euclidean)', r.training, trainingBody(r)),
    flopsNote() + '\n',
    section('4. Inference and search', r.inference, (i) => {
      const s = isUnavailable(i.search)
        ? `Top-k search: ${na(i.search)}`
        : `Top-k search (k = ${i.search.k}) over a ${i.search.gallery.toLocaleString('en')}-embedding gallery (${i.search.galleryFrom}): ` +
          `**${f(i.search.medianMs, 1)} ms** median of ${i.search.runs}, one query image, from upload to the k indices on the CPU. Method: ${i.search.method}.${i.search.note ? ` (${i.search.note})` : ''}`;
      return `Embeddings: **${f(i.embeddingsPerSec, 0)} images/s** (${i.images.toLocaleString('en')} images in batches of ${i.batch}${i.images < i.imagesRequested ? `, stopped by the time budget before ${i.imagesRequested.toLocaleString('en')}` : ''}; ${f(i.gflops)} GFLOP/s of forward work).\n\n${s}`;
    }),
    section('5. Memory', r.memory, (mem) => {
      let s = `Peak GPU storage during one ${mem.pairs}-pair training step: **${MiB(mem.peakStepBytes)}** (${mem.peakStepBytes.toLocaleString('en')} B), of which ${MiB(mem.baselineBytes)} were live before it (weights, Adam moments).`;
      if (isUnavailable(mem.leak)) s += `\n\nLeak run: ${na(mem.leak)}`;
      else {
        const l = mem.leak;
        s +=
          `\n\nLeak run: ${l.stepsRun.toLocaleString('en')} steps of ${l.pairs}-pair batches (${f(l.seconds, 0)} s)` +
          (l.stoppedByBudget ? ` — **stopped by its time budget** before the ${l.stepsRequested.toLocaleString('en')} asked for (--leak-budget)` : '') +
          `${l.pairs !== 64 ? '; a small batch so that the run fits the benchmark, the per-step allocations are the same code path' : ''}.\n\n` +
          table(['after step', 'live tensors', 'tensor bytes', 'storage bytes in use', 'buffers ever created'], l.samples.map((x) => [String(x.step), String(x.tensors), x.tensorBytes.toLocaleString('en'), x.inUseBytes.toLocaleString('en'), String(x.buffersCreated)]));
      }
      return s;
    }),
    `## 6. Goals (issue 8)\n\n` +
      table(['goal', 'target', 'measured', 'status', 'missed by'], r.goals.map((g) => [g.goal, g.target, g.measured, g.status, g.by ?? ''])) +
      `\n\n### What limits it\n\n${r.limits.length ? r.limits.map((l) => `- ${l}`).join('\n') : 'Nothing measured to say.'}\n`,
  ];
  return parts.join('\n');
}
