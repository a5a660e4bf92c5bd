/** `1500ms`, `30s`, `10m`, `2h`, `1d`: the largest unit that is exact, as Prometheus writes durations. */
export function humanMillis(ms: number): string {
  for (const [unit, size] of [
    ['d', 86400000],
    ['h', 3600000],
    ['m', 60000],
    ['s', 1000],
  ] as const) {
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms === 0 ? '0s' : `${ms}ms`;
}

const PROM_UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** A Prometheus duration (`30s`, `1m30s`, `500ms`) in seconds, as Prometheus reads a config's `scrape_interval`. */
export function parsePromDuration(text: string): number {
  let total = 0;
  for (const m of String(text).matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * PROM_UNIT_SECONDS[m[2]!]!;
  return total;
}

/** A duration of a higher layer (cdk8s `Duration`), recognised without loading it. */
export interface DurationLike {
  toMilliseconds(): number;
  toSeconds(): number;
}

export function isDurationLike(value: unknown): value is DurationLike {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as DurationLike).toMilliseconds === 'function' &&
    typeof (value as DurationLike).toSeconds === 'function'
  );
}
