// Statistics for multi-seed results: summaries, bootstrap intervals, paired signed-rank tests.
export { describe, mean, quantileSorted, type Description } from './describe.js';
export { bootstrapCI, type BootstrapCI, type BootstrapOptions } from './bootstrap.js';
export { holm } from './holm.js';
export { normalCdf } from './normal.js';
export { EXACT_MAX_N, wilcoxonSignedRank, type Alternative, type WilcoxonOptions, type WilcoxonResult } from './wilcoxon.js';
export { groupStats, pairedTests, type GroupStat, type GroupStatsOptions, type PairedTest, type PairedTestsOptions, type Row } from './table.js';
