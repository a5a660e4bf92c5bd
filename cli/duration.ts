import { Duration } from 'cdk8s';
import { UsageError } from './errors';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * A duration as Prometheus writes it (`30s`, `1m`, `1h30m`; units w, d, h, m, s, largest first) or in ISO 8601
 * (`PT30S`), in whole seconds.
 */
export function parseDuration(option: string, text: string): Duration {
  const expected = `expected a duration like 30s, 1m, 1h30m or ISO 8601 PT30S`;
  if (/^P/i.test(text)) {
    let d: Duration;
    try {
      d = Duration.parse(text.toUpperCase());
    } catch {
      throw new UsageError(`${option}: got "${text}", ${expected}`);
    }
    if (d.toMilliseconds() % 1000 !== 0) throw new UsageError(`${option}: got "${text}", expected whole seconds`);
    return d;
  }
  const m = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!text || !m) throw new UsageError(`${option}: got "${text}", ${expected}`);
  const units = ['w', 'd', 'h', 'm', 's'];
  const seconds = units.reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * UNIT_SECONDS[unit]!, 0);
  return Duration.seconds(seconds);
}
