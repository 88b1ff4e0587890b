/**
 * The similarity toolkit on the engine, browser-safe parts: batched embeddings, verification
 * with calibrated thresholds, few-shot episodes, gallery search with a GPU top-k, retrieval
 * metrics, online triplet mining, and one-file bundles. Node-only: node-calibration.ts,
 * node-gallery.ts, node-png.ts, node-bundle.ts.
 */
export { embed, checkImages, type EmbeddingModel, type ImagesLike } from './embed.js';
export { calibrate, rocCurve, rocArea, ratesAt, CALIBRATION_METHODS, type Calibration, type CalibrationMethod, type OperatingPoint } from './calibration.js';
export { Verifier, calibrateModel, type VerifyResult } from './verifier.js';
export { luminance, inkOf, toMnistField, pictureToInput } from './preprocess.js';
export { parseClassList, selectClasses, sampleEpisodes, classifyQueries, meanCI, oneShotAccuracy, type Episode, type EpisodeOptions, type OneShotResult } from './oneshot.js';
export { GalleryIndex, resultLabels, type SearchResult } from './gallery.js';
export { encodeBundle, decodeBundle, loadBundle, bundleModel, SiameseBundle, BUNDLE_FORMAT, BUNDLE_VERSION, type BundleContents, type BundleMatch } from './bundle.js';
export { retrievalScores, type RetrievalScores } from './retrieval.js';
export { mineTriplets, mineBatch, minedTripletLoss, sampleClassBatch, MINING_STRATEGIES, type MiningStrategy } from './mining.js';
export { batchMiningLoss, type BatchMiningLoss } from './batch-mining.js';
