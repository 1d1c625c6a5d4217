// The mmc command line: parsing only. Each verb builds a RunContext and calls into src/commands.
import { Command, CommanderError } from 'commander';
import { MMC_VERSION } from '../version.js';
import { UsageError } from '../errors.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { demoCommand } from './demo.js';
import { benchCommand } from './bench.js';
import { analyzeCommand } from './analyze.js';
import { sweepCommand } from './sweep.js';
import { plotCommand } from './plot.js';
import { summarizeCommand } from './summarize.js';
import { distillCommand } from './distill.js';
import { reallocateCommand } from './reallocate.js';
import { exportCommand } from './export.js';
import { dataCommand } from './data.js';
import { reproduceCommand } from './reproduce.js';
import { reportCommand } from './report.js';
import { diagnoseCommand } from './diagnose.js';

export function buildProgram(): Command {
  const program = new Command('mmc')
    .description('Modality-collapse experiment runner (Chaudhuri et al., ICML 2025): train fusion models, measure collapse, fix it.')
    .version(MMC_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(trainCommand());
  program.addCommand(distillCommand());
  program.addCommand(reallocateCommand());
  program.addCommand(evalCommand());
  program.addCommand(demoCommand());
  program.addCommand(analyzeCommand());
  program.addCommand(diagnoseCommand());
  program.addCommand(sweepCommand());
  program.addCommand(plotCommand());
  program.addCommand(summarizeCommand());
  program.addCommand(benchCommand());
  program.addCommand(exportCommand());
  program.addCommand(dataCommand());
  program.addCommand(reproduceCommand());
  program.addCommand(reportCommand());
  for (const c of program.commands) c.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.exitCode = exitCodeFor(e);
  }
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return 2; // commander has already printed its message
  }
  if (e instanceof UsageError) {
    process.stderr.write(`mmc: error: ${e.message}\n`);
    return 2;
  }
  const err = e as Error;
  process.stderr.write(`mmc: failed: ${err?.message ?? String(e)}\n`);
  if (err?.stack && process.env.MMC_DEBUG) process.stderr.write(err.stack + '\n');
  return 1;
}

