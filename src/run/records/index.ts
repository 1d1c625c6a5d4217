// The on-disk records of runs, sweeps and reproductions: their types, and readers that check them
// (a torn or foreign file is a one-line UsageError naming it). Writers take the types from here.
export { readAnalysis, type Analysis } from './analysis.js';
export { DIAGNOSIS_FILE, readDiagnosis, type Diagnosis } from './diagnosis.js';
export { readEbr, type EbrJson } from './ebr.js';
export { readEnv, type EnvJson } from './env.js';
export { readEvalFolder, readEvalResult, type EvalResult } from './eval.js';
export { locateFolders, readMetrics, readRunRecords, readSweepRecords, type MetricsLine, type RunRecords, type SweepRecords } from './folder.js';
export { readReproduceProgress, type ReproduceProgress, type ReproduceSummary, type TuningChoice } from './reproduce.js';
export { readRunJson, type RunJson, type RunStatus } from './run.js';
export { readSummary, type RunSummary } from './summary.js';
export { latestRows, readSweepRows, readSweepSpec, readTaskRecord, readTeacherRecord, readTeachers, taskRecordPath, teacherRecordPath, type SlurmRecord, type SlurmSubmission, type SlurmTaskRecord, type SweepRow, type SweepSpec, type TeacherLine } from './sweep.js';
