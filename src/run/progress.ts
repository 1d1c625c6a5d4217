// Progress on standard error: a cli-progress bar on a terminal, one plain line per epoch otherwise.
import cliProgress from 'cli-progress';

export interface Progress {
  epochStart(epoch: number, epochs: number, steps: number): void;
  step(done: number): void;
  epochEnd(summary: string): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, enabled = true): Progress {
  if (!enabled) return { epochStart() {}, step() {}, epochEnd() {}, stop() {} };
  if (!stream.isTTY) {
    let label = '';
    return {
      epochStart(epoch, epochs) {
        label = `epoch ${epoch}/${epochs}`;
      },
      step() {},
      epochEnd(summary) {
        stream.write(`${label} ${summary}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar({ stream, format: 'epoch {epoch} [{bar}] {value}/{total} steps {summary}', hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
  let active = false;
  return {
    epochStart(epoch, epochs, steps) {
      if (active) bar.stop();
      bar.start(steps, 0, { epoch: `${epoch}/${epochs}`, summary: '' });
      active = true;
    },
    step(done) {
      if (active) bar.update(done);
    },
    epochEnd(summary) {
      if (active) {
        bar.update({ summary });
        bar.stop();
        active = false;
      }
    },
    stop() {
      if (active) bar.stop();
      active = false;
    },
  };
}
