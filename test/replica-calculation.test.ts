import { desiredReplicas } from '../lib';

const calc = (current: number, values: Record<string, number>, pods = Object.keys(values), target = 100, min = 1, max = 5) =>
  desiredReplicas({ currentReplicas: current, pods, podValues: new Map(Object.entries(values)), targetAverageValue: target, minReplicas: min, maxReplicas: max });

describe('desiredReplicas (replica_calculator.go, Pods metric, AverageValue)', () => {
  test.each<[string, number, Record<string, number>, string[] | undefined, number]>([
    ['the guide: one pod at 150', 1, { p1: 150 }, undefined, 2],
    ['within tolerance (ratio 1.09): no change', 2, { p1: 109, p2: 109 }, undefined, 2],
    ['ratio exactly 1.1 is beyond tolerance in float64, as in Go (|1 - 1.1| = 0.10000000000000009)', 2, { p1: 110, p2: 110 }, undefined, 3],
    ['within tolerance downwards (ratio 0.95): no change', 2, { p1: 95, p2: 95 }, undefined, 2],
    ['scale down, ceil', 4, { a: 10, b: 10, c: 10, d: 10 }, undefined, 1],
    ['idle pods read 0: down to min', 3, { a: 0, b: 0, c: 0 }, undefined, 1],
    ['clamped to max', 1, { a: 10000 }, undefined, 5],
    ['readyPodCount is pods with metrics, not current', 5, { a: 150, b: 150 }, undefined, 3],
    ['missing pod when scaling up counts as 0', 2, { a: 300 }, ['a', 'b'], 3],
    ['missing pod when scaling down counts as target: (20 + 20 + 100) / 3 → ratio 0.466 → 2', 3, { a: 20, b: 20 }, ['a', 'b', 'c'], 2],
    ['missing pod reverses the direction: no change', 2, { a: 150 }, ['a', 'b', 'c'], 2],
    ['missing pod while the others average exactly the target: left out, no change', 3, { a: 100, b: 100 }, ['a', 'b', 'c'], 3],
    ['missing pods at exactly the target even with many missing: no change', 5, { a: 100 }, ['a', 'b', 'c', 'd', 'e'], 5],
  ])('%s', (_name, current, values, pods, expected) => {
    expect(calc(current, values, pods).desiredReplicas).toBe(expected);
  });

  test('no metric for any pod: no action at all', () => {
    const r = calc(4, {}, ['a', 'b']);
    expect(r.desiredReplicas).toBe(4);
    expect(r.reason).toMatch(/no metrics returned/);
  });

  test('milli-unit arithmetic: the average is truncated to milli-units, 1.001 stays 1001m', () => {
    expect(calc(1, { a: 1.001 }, undefined, 1).currentAverage).toBe(1.001);
    expect(calc(3, { a: 1, b: 1, c: 2 }, undefined, 1).currentAverage).toBe(1.333);
  });
});
