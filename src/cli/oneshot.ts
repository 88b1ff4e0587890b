/**
 * `siamese oneshot --checkpoint DIR [--data ...] --ways N --shots K [--episodes E] [--classes 7-9]`:
 * N-way K-shot accuracy on the test split with a 95% CI. `--classes` restricts the episodes to
 * those classes: with a model trained on other classes it measures the real one-shot case
 * (classes never seen in training). Without --classes, a checkpoint trained with
 * `train --classes` on the same data is tested on its held-out classes (train-options.ts).
 */
import { ready } from '../engine/device.js';
import { loadData } from '../siamese/data/node-loaders.js';
import { loadCheckpoint, resolveCheckpointDir } from '../siamese/node-checkpoint.js';
import { oneShotAccuracy, parseClassList, selectClasses } from '../siamese/toolkit/oneshot.js';
import { dataSpecOf } from './calibrate.js';
import { defaultOneshotClasses } from './train-options.js';
import type { ToolkitArgs } from './toolkit-args.js';

export async function runOneshot({ flags }: ToolkitArgs<'oneshot'>): Promise<void> {
  const at = resolveCheckpointDir(flags.checkpoint!);
  await ready();
  const { model, head } = await loadCheckpoint(at);
  try {
    const spec = dataSpecOf(flags.data, head.training);
    const data = loadData(spec, { inputShape: model.base.inputShape });
    const heldOut = flags.classes === undefined ? defaultOneshotClasses(head.training, spec) : undefined;
    const classes = flags.classes === undefined ? heldOut : parseClassList(flags.classes, data.test.numClasses);
    const set = classes ? selectClasses(data.test, classes) : data.test;
    const r = await oneShotAccuracy(model, set, { ways: flags.ways, shots: flags.shots, queries: flags.queries, episodes: flags.episodes, seed: flags.seed });
    process.stdout.write(
      JSON.stringify(
        {
          checkpoint: at,
          data: data.description,
          classes: classes ?? 'all',
          ...(heldOut ? { classesFrom: "the checkpoint's held-out classes (train --classes)" } : {}),
          ...(classes && data.classNames ? { classNames: classes.map((c) => data.classNames![c]) } : {}),
          ways: r.ways,
          shots: r.shots,
          queriesPerClass: r.queries,
          episodes: r.episodes,
          seed: flags.seed,
          accuracy: r.accuracy,
          ci95: [r.accuracy - r.ci95, r.accuracy + r.ci95],
          chance: 1 / r.ways,
          rule: 'a query takes the class of least mean distance to its support images',
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    model.base.dispose();
  }
}
