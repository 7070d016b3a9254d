/** A progress bar on a terminal (stderr), nothing when output is not a TTY. */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, label: string): void;
  stop(): void;
}

export function progressBar(total: number, title: string): Progress {
  if (!process.stderr.isTTY || total === 0) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${title} [{bar}] {value}/{total} | ETA {eta_formatted} | {label}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: '' });
  return {
    update: (done, label) => bar.update(done, { label }),
    stop: () => bar.stop(),
  };
}
