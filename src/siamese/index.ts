/**
 * The similarity toolkit, browser-safe parts (Node-only loaders and checkpoints are in
 * `data/node-loaders.ts`, `node-checkpoint.ts` and `node-files.ts`). See README.md here.
 */
export { makeImageSet, splitPerClass, subset, gatherImages, indicesByClass, imageAt, imageSize, classesWithAtLeast, type ImageSet, type ImageSetInit } from './data/image-set.js';
export { parseIdx, idxToImageSet, encodeIdxU8, type IdxArray } from './data/idx.js';
export { seedPairs, balancedPairs, sampleTriplets, slicePairs, sliceTriplets, pairCount, type PairSet, type TripletSet } from './pairs.js';
export { pairDistance, checkMetric, DISTANCE_METRICS, type DistanceMetric } from './distance.js';
export { contrastiveLoss, tripletLoss } from './losses.js';
export { seedNetwork, SiameseModel, TripletModel, type SeedNetworkOptions } from './model.js';
export { Trainer, type TrainerOptions, type History, type BatchLogs, type EpochLogs, type PairSampler, type CustomSampler, type MiningOptions } from './trainer.js';
export { encodeTrainerState, decodeTrainerState, TRAINER_STATE_FORMAT, type TrainerState, type TrainerStateHead, type TrainerSettings } from './training-state.js';
export { fit, type FitOptions } from './fit.js';
export { validate, type ValidationData, type ValidationResult } from './validation.js';
export { pairBatch, tripletBatch, pairDistances, evaluatePairs } from './evaluate.js';
export { pairAccuracy, pairMetrics, DEFAULT_THRESHOLD, type PairMetrics } from './metrics.js';
export { rocAnalysis, ratesAtThresholds, rocArea, eerPoint, cutFor, type RocAnalysis, type OperatingPoint } from './roc.js';
export { Raster, parseColor, type Rgb } from './report/raster.js';
export { chartSvg, chartRaster, niceTicks, type ChartSpec, type Series } from './report/chart.js';
export { lossChart, accuracyChart, type RunCurves } from './report/training-charts.js';
export { drawPairGrid, pickPairs, type PairGridOptions } from './report/pair-grid.js';
export { loadBundle, decodeBundle, SiameseBundle, BUNDLE_FORMAT, BUNDLE_VERSION, type BundleMatch, type BundleHead } from './toolkit/bundle.js';
export { Verifier, type VerifyResult } from './toolkit/verifier.js';
export { GalleryIndex, type SearchResult } from './toolkit/gallery.js';
