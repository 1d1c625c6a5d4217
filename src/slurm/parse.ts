// Slurm's text outputs, parsed (pure functions; the tests feed them captured output).

/** One array task as a Slurm source reports it: "<array job id>_<task index>". */
export interface TaskReport {
  arrayJobId: string;
  index: number;
  state: string; // Slurm's state word, upper case (PENDING, RUNNING, COMPLETED, CANCELLED, …)
  reason?: string; // squeue's pending reason, sacct's reason or exit code
}

const TASK_ID = /^(\d+)_(\d+)$/;

/** `squeue -h -r -o '%i|%T|%r'`: one line per task (-r expands pending arrays); other lines ignored. */
export function parseSqueue(text: string): TaskReport[] {
  const out: TaskReport[] = [];
  for (const line of text.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    const m = TASK_ID.exec(id ?? '');
    if (m && state) out.push({ arrayJobId: m[1], index: Number(m[2]), state: state.toUpperCase(), ...(reason && reason !== 'None' ? { reason } : {}) });
  }
  return out;
}

/** `sacct -n -P -X --format=JobID,State,ExitCode`: "CANCELLED by 0" becomes CANCELLED. */
export function parseSacct(text: string): TaskReport[] {
  const out: TaskReport[] = [];
  for (const line of text.split('\n')) {
    const [id, state, exit] = line.trim().split('|');
    const m = TASK_ID.exec(id ?? '');
    if (m && state) out.push({ arrayJobId: m[1], index: Number(m[2]), state: state.split(' ')[0].toUpperCase(), ...(exit ? { reason: `exit ${exit}` } : {}) });
  }
  return out;
}

/** jobcomp/filetxt lines ("JobId=3 … JobState=COMPLETED … ArrayJobId=1 ArrayTaskId=1 … ExitCode=0:0"): the array tasks among them, later lines winning. */
export function parseJobcomp(text: string): TaskReport[] {
  const latest = new Map<string, TaskReport>();
  for (const line of text.split('\n')) {
    const field = (k: string) => new RegExp(`(?:^| )${k}=(\\S*)`).exec(line)?.[1];
    const [array, task, state] = [field('ArrayJobId'), field('ArrayTaskId'), field('JobState')];
    if (!array || !task || !state || !/^\d+$/.test(array) || !/^\d+$/.test(task)) continue;
    const exit = field('ExitCode');
    latest.set(`${array}_${task}`, { arrayJobId: array, index: Number(task), state: state.toUpperCase(), ...(exit ? { reason: `exit ${exit}` } : {}) });
  }
  return [...latest.values()];
}

/** `scontrol show config` as key → value. */
export function parseConfig(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return m;
}

/** sbatch --parsable prints "<job id>[;<cluster>]". */
export function parseSbatch(text: string): string | null {
  const m = /^(\d+)(;\S+)?$/.exec(text.trim().split('\n').at(-1) ?? '');
  return m ? m[1] : null;
}
