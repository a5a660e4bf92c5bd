import { desiredReplicas } from '../lib';

const calc = (
  current: number,
  values: Record<string, number>,
  pods = Object.keys(values),
  target = 100,
  min = 1,
  max = 5,
) =>
  desiredReplicas({
    currentReplicas: current,
    pods,
    podValues: new Map(Object.entries(values)),
    targetAverageValue: target,
    minReplicas: min,
    maxReplicas: max,
  });

describe('desiredReplicas (replica_calculator.go, Pods metric, AverageValue)', () => {
  test.each<[string, number, Record<string, number>, string[] | undefined, number]>([
    ['the guide: one pod at 150', 1, { p1: 150 }, undefined, 2],
    ['within tolerance (ratio 1.09): no change', 2, { p1: 109, p2: 109 }, undefined, 2],
    [
      'ratio exactly 1.1 is beyond tolerance in float64, as in Go (|1 - 1.1| = 0.10000000000000009)',
      2,
      { p1: 110, p2: 110 },
      undefined,
      3,
    ],
    ['within tolerance downwards (ratio 0.95): no change', 2, { p1: 95, p2: 95 }, undefined, 2],
    ['scale down, ceil', 4, { a: 10, b: 10, c: 10, d: 10 }, undefined, 1],
    ['idle pods read 0: down to min', 3, { a: 0, b: 0, c: 0 }, undefined, 1],
    ['clamped to max', 1, { a: 10000 }, undefined, 5],
    ['readyPodCount is pods with metrics, not current', 5, { a: 150, b: 150 }, undefined, 3],
    ['missing pod when scaling up counts as 0', 2, { a: 300 }, ['a', 'b'], 3],
    [
      'missing pod when scaling down counts as target: (20 + 20 + 100) / 3 → ratio 0.466 → 2',
      3,
      { a: 20, b: 20 },
      ['a', 'b', 'c'],
      2,
    ],
    ['missing pod reverses the direction: no change', 2, { a: 150 }, ['a', 'b', 'c'], 2],
    [
      'missing pod while the others average exactly the target: left out, no change',
      3,
      { a: 100, b: 100 },
      ['a', 'b', 'c'],
      3,
    ],
    [
      'missing pods at exactly the target even with many missing: no change',
      5,
      { a: 100 },
      ['a', 'b', 'c', 'd', 'e'],
      5,
    ],
  ])('%s', (_name, current, values, pods, expected) => {
    expect(calc(current, values, pods).desiredReplicas).toBe(expected);
  });

  describe('pod states (groupPods for a non-CPU metric)', () => {
    const base = { targetAverageValue: 100, minReplicas: 1, maxReplicas: 10 };
    test('a terminating pod is dropped with its metric: average 150 → 3, not (150 + 150 + 0) / 3 = 100', () => {
      const r = desiredReplicas({
        ...base,
        currentReplicas: 3,
        pods: ['a', 'b', 'c'],
        podValues: new Map([
          ['a', 150],
          ['b', 150],
          ['c', 0],
        ]),
        deletedPods: ['c'],
      });
      expect([r.recommendation, r.currentAverage]).toEqual([3, 150]);
    });
    test('a Failed pod is dropped with its metric', () => {
      const r = desiredReplicas({
        ...base,
        currentReplicas: 2,
        pods: ['a', 'b'],
        podValues: new Map([
          ['a', 50],
          ['b', 1000],
        ]),
        failedPods: ['b'],
      });
      expect([r.recommendation, r.currentAverage]).toEqual([1, 50]);
    });
    test('a Pending pod counts as 0 on a scale-up: (300 + 0) / 2 → ratio 1.5 → 3', () => {
      const r = desiredReplicas({
        ...base,
        currentReplicas: 2,
        pods: ['a', 'b'],
        podValues: new Map([['a', 300]]),
        pendingPods: ['b'],
      });
      expect([r.recommendation, r.currentAverage]).toEqual([3, 300]);
    });
    test('a Pending pod is left out on a scale-down, unlike a missing one (which would count as target)', () => {
      const r = desiredReplicas({
        ...base,
        currentReplicas: 2,
        pods: ['a', 'b'],
        podValues: new Map([['a', 20]]),
        pendingPods: ['b'],
      });
      expect(r.recommendation).toBe(1);
      expect(
        desiredReplicas({ ...base, currentReplicas: 2, pods: ['a', 'b'], podValues: new Map([['a', 20]]) })
          .recommendation,
      ).toBe(2);
    });
    test('an unready (Running, not Ready) pod counts like a ready one for a Pods metric', () => {
      const r = desiredReplicas({
        ...base,
        currentReplicas: 2,
        pods: ['a', 'b'],
        podValues: new Map([
          ['a', 300],
          ['b', 300],
        ]),
        unreadyPods: ['b'],
      });
      expect(r.recommendation).toBe(6);
    });
    test('a metric for a pod outside the list counts in the average, not in the ready count: 200 → ceil(2 × 1)', () => {
      const r = desiredReplicas({
        ...base,
        currentReplicas: 1,
        pods: ['a'],
        podValues: new Map([
          ['a', 100],
          ['old', 300],
        ]),
      });
      expect([r.recommendation, r.currentAverage]).toEqual([2, 200]);
    });
  });

  test('recommendation is the unclamped value', () => {
    const r = calc(1, { a: 10000 });
    expect([r.desiredReplicas, r.recommendation]).toEqual([5, 100]);
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
