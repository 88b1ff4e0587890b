/**
 * `siamese oneshot --checkpoint DIR [--data ...] --ways N --shots K [--episodes E] [--classes 7-9]`:
 * N-way K-shot accuracy on the test split with a 95% CI. `--classes` restricts the episodes to
 * those classes: with a model trained on other classes it measures the real one-shot case
 * (classes never seen in training). `train` has no --classes yet; a script does it with
 * `selectClasses(data.train, parseClassList('0-6'))` before building the Trainer.
 */
import { ready } from '../engine/device.js';
import { loadData } from '../siamese/data/node-loaders.js';
import { loadCheckpoint, resolveCheckpointDir } from '../siamese/node-checkpoint.js';
import { oneShotAccuracy, parseClassList, selectClasses } from '../siamese/toolkit/oneshot.js';
import { dataSpecOf } from './calibrate.js';
import type { ToolkitArgs } from './toolkit-args.js';

export async function runOneshot({ flags }: ToolkitArgs<'oneshot'>): Promise<void> {
  const at = resolveCheckpointDir(flags.checkpoint!);
  await ready();
  const { model, head } = await loadCheckpoint(at);
  try {
    const data = loadData(dataSpecOf(flags.data, head.training));
    const classes = flags.classes === undefined ? undefined : parseClassList(flags.classes, data.test.numClasses);
    const set = classes ? selectClasses(data.test, classes) : data.test;
    const r = await oneShotAccuracy(model, set, { ways: flags.ways, shots: flags.shots, queries: flags.queries, episodes: flags.episodes, seed: flags.seed });
    process.stdout.write(
      JSON.stringify(
        {
          checkpoint: at,
          data: data.description,
          classes: classes ?? 'all',
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
