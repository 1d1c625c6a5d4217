// The mmc launcher's path (bin/mmc), for the processes mmc starts: sweep jobs, Slurm tasks, bench workers.
import { fileURLToPath } from 'node:url';

export const MMC_BIN = fileURLToPath(new URL('../../bin/mmc', import.meta.url));
