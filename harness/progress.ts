/**
 * Progress of a long run on stderr: a bar on a terminal; elsewhere (CI logs, redirected output) a
 * plain line at most every 15 seconds, so a long run still shows it is alive and how far it got.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, label: string): void;
  stop(): void;
}

const LINE_EVERY_MS = 15_000;

export function progressBar(total: number, title: string): Progress {
  if (total === 0) return { update() {}, stop() {} };
  if (!process.stderr.isTTY) {
    const started = Date.now();
    let last = started;
    let finished = false;
    return {
      update(done, label) {
        const now = Date.now();
        if (finished || (now - last < LINE_EVERY_MS && done < total)) return;
        finished = done >= total;
        last = now;
        process.stderr.write(`${title}: ${done}/${total} after ${Math.round((now - started) / 1000)} s${label ? ` (${label})` : ''}\n`);
      },
      stop() {},
    };
  }
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

/** A progress bar whose total is known only once work starts (and may change between stages). */
export function lazyProgress(title: string): { update(label: string, done: number, total: number): void; stop(): void } {
  let bar: Progress | null = null;
  let barTotal = -1;
  return {
    update(label, done, total) {
      if (total !== barTotal) {
        bar?.stop();
        bar = progressBar(total, title);
        barTotal = total;
      }
      bar!.update(done, label);
    },
    stop: () => bar?.stop(),
  };
}
