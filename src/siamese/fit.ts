/**
 * Keras-style `fit`: epochs of batches with validation at each epoch's end, progress callbacks,
 * and the History it returns. A thin loop over `Trainer` (trainer.ts), which a browser page can
 * drive step by step instead.
 */
import type { ImageSet } from './data/image-set.js';
import type { SiameseModel, TripletModel } from './model.js';
import { Trainer, type BatchLogs, type EpochLogs, type History, type TrainerOptions } from './trainer.js';

export interface FitOptions extends TrainerOptions {
  /** Default 1. */
  epochs?: number;
  /** Called after every batch (loss and accuracy are the last read-back running means). */
  onBatchEnd?: (logs: BatchLogs) => void | Promise<void>;
  /** Called after every epoch, validation included. */
  onEpochEnd?: (logs: EpochLogs) => void | Promise<void>;
}

/** Trains `model` on `train` and returns Keras's history: { loss, accuracy, val_loss, val_accuracy }. */
export async function fit(model: SiameseModel | TripletModel, train: ImageSet, options: FitOptions = {}): Promise<History> {
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
  const trainer = new Trainer(model, train, options);
  try {
    while (trainer.epoch < epochs) {
      const logs = await trainer.step();
      await options.onBatchEnd?.(logs);
      if (logs.epochLogs) await options.onEpochEnd?.(logs.epochLogs);
    }
  } finally {
    trainer.dispose();
  }
  return trainer.history;
}
