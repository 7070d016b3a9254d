/**
 * The injected slowdown (`--inject-slowdown F`), a calibration aid: it makes an arm do F more work
 * per operation, so that users (and `calibrate`) can check that a comparison catches a regression
 * of a known size.
 *
 * The extra work is a busy wait measured on the clock that measures the work itself: a chunk of
 * operations that took t ms is stretched to (1 + F) t, so throughput falls by exactly 1 / (1 + F)
 * whatever the machine's speed (a spin loop calibrated in iterations would drift with the CPU's
 * clock). Latencies timed in a chunk are recorded as (1 + F) times what they measured, the time
 * being spent by the chunk's stretch: a wait per operation cannot be that fine (a 45 ns wait cost
 * ~120 ns in clock reads and made a 10% slowdown look like 27% at the median).
 */

/** Spins until `performance.now()` reaches `untilMs`. */
export function spinUntil(untilMs: number): void {
  while (performance.now() < untilMs);
}

/** Stretches the interval that began at `startedMs` (and ends now) by `fraction` of its length. */
export function stretch(startedMs: number, fraction: number): void {
  if (fraction <= 0) return;
  const now = performance.now();
  spinUntil(now + (now - startedMs) * fraction);
}

/** Checks a slowdown fraction from the command line: 0 (none) up to 10 (11 times the work). */
export function isSlowdown(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 10;
}
