/*
 * Upstream cases of kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go, ported as tables.
 *
 * Source read: the newest stored version of replica_calculator_test.go (the one with `calcScenario` and
 * `Tolerances{scaleDown, scaleUp}`, Kubernetes 1.33+; the code index did not name its commit) together with the
 * replica_calculator.go of the same era (`tolerances.isWithin`, `else if usageRatio > 1.0` for missing pods, the
 * `newReplicas` direction check). Rows marked [00067268] exist only in the older version at commit
 * 00067268967ec95a40035bd666374a1caf48dd1a (both files; read by repo and path). Metric values reach the calculator via
 * metrics/client.go (commit 046d201c45cebd19eb1fc4612426761c64802825) as `Quantity.MilliValue()`.
 *
 * Conversion: the fake metrics clients turn each `level` into `resource.NewMilliQuantity(level)`, so `levels` and
 * targets are milli-units; we pass `level / 1000` (our inputs are in units, milli precision) and expect
 * `expectedUsage / 1000` as `currentAverage`. The fake pod lister lists test-pod-0 .. test-pod-(n-1) with
 * n = max(currentReplicas, len(podPhase)); metrics go to test-pod-0 .. in order. podReadiness False marks a pod
 * unready; podStartTime (hot/cool CPU) only matters for the cpu resource and has no input here.
 * We compare `recommendation` (the calculator's own result; the controller clamps to min/max afterwards).
 *
 * Out of scope: resource (CPU/memory) cases, Object and ObjectPerPod metric cases, TestGroupPods and
 * TestCalculateRequests (internals; their non-CPU outcomes are covered by the rows below).
 * Not ported because they encode an algorithm upstream has since replaced (2017 version of the file, where unready
 * pods were set aside for custom metrics too): TestReplicaCalcScaleUpCMUnreadyLessScale (4) and
 * TestReplicaCalcScaleUpCMUnreadyNoScaleWouldScaleDown (3). Their current successors are
 * TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale (6) and TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown
 * (7).
 */
import { desiredReplicas, desiredReplicasExternal, desiredReplicasExternalValue } from '../lib';

const MAX_INT32 = 2 ** 31 - 1;
const MAX_INT64 = 2 ** 63; // float64(math.MaxInt64)

type Readiness = 'T' | 'F';
type Phase = 'Running' | 'Pending' | 'Failed';

interface PodsCase {
  readonly currentReplicas: number;
  /** milli-units, one per pod from test-pod-0 */
  readonly levels: number[];
  /** milli-units */
  readonly targetUsage: number;
  readonly expectedReplicas: number;
  /** milli-units */
  readonly expectedUsage: number;
  readonly podReadiness?: Readiness[];
  readonly podPhase?: Phase[];
  readonly podDeletionTimestamp?: boolean[];
  readonly tolerance?: number;
}

function runPods(c: PodsCase) {
  const n = Math.max(c.currentReplicas, c.podPhase?.length ?? 0);
  const pods = Array.from({ length: n }, (_, i) => `test-pod-${i}`);
  const pick = (keep: (i: number) => boolean) => pods.filter((_, i) => keep(i));
  return desiredReplicas({
    currentReplicas: c.currentReplicas,
    pods,
    podValues: new Map(c.levels.map((level, i) => [`test-pod-${i}`, level / 1000])),
    targetAverageValue: c.targetUsage / 1000,
    minReplicas: 1,
    maxReplicas: MAX_INT32,
    tolerance: c.tolerance,
    unreadyPods: pick((i) => c.podReadiness?.[i] === 'F'),
    pendingPods: pick((i) => c.podPhase?.[i] === 'Pending'),
    failedPods: pick((i) => c.podPhase?.[i] === 'Failed'),
    deletedPods: pick((i) => c.podDeletionTimestamp?.[i] === true),
  });
}

describe('upstream replica_calculator_test.go: Pods custom metric (podMetric → GetMetricReplicas)', () => {
  test.each<[string, PodsCase]>([
    [
      'TestReplicaCalcScaleUpCM',
      {
        currentReplicas: 3,
        levels: [20000, 10000, 30000],
        targetUsage: 15000,
        expectedReplicas: 4,
        expectedUsage: 20000,
      },
    ],
    // podStartTime {cool, cool, hot} has no bearing on a non-CPU metric
    [
      'TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale',
      {
        currentReplicas: 3,
        podReadiness: ['T', 'T', 'F'],
        levels: [50000, 10000, 30000],
        targetUsage: 15000,
        expectedReplicas: 6,
        expectedUsage: 30000,
      },
    ],
    // podStartTime {hot, cool, hot} has no bearing on a non-CPU metric
    [
      'TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown',
      {
        currentReplicas: 3,
        podReadiness: ['F', 'T', 'F'],
        levels: [50000, 15000, 30000],
        targetUsage: 15000,
        expectedReplicas: 7,
        expectedUsage: 31666,
      },
    ],
    // [00067268] named External but metricType podMetric upstream: a Pods metric
    [
      'TestReplicaCalcScaleUpCMExternal',
      {
        currentReplicas: 1,
        levels: [8600],
        targetUsage: 4400,
        expectedReplicas: 2,
        expectedUsage: 8600,
      },
    ],
    // [00067268] named External but metricType podMetric upstream: a Pods metric
    [
      'TestReplicaCalcScaleUpCMExternalNoLabels',
      {
        currentReplicas: 1,
        levels: [8600],
        targetUsage: 4400,
        expectedReplicas: 2,
        expectedUsage: 8600,
      },
    ],
    [
      'TestReplicaCalcScaleDownCM',
      {
        currentReplicas: 5,
        levels: [12000, 12000, 12000, 12000, 12000],
        targetUsage: 20000,
        expectedReplicas: 3,
        expectedUsage: 12000,
      },
    ],
    [
      'TestReplicaCalcToleranceCM',
      {
        currentReplicas: 3,
        levels: [20000, 21000, 21000],
        targetUsage: 20000,
        expectedReplicas: 3,
        expectedUsage: 20666,
      },
    ],
    // upstream passes Tolerances{scaleDown: 0.1, scaleUp: 0.01}; we have one tolerance and pass the scale-up one,
    // which is the only one consulted since the ratio (1.033) is above 1
    [
      'TestReplicaCalcConfigurableToleranceCM',
      {
        currentReplicas: 3,
        levels: [20000, 21000, 21000],
        targetUsage: 20000,
        expectedReplicas: 4,
        expectedUsage: 20666,
        tolerance: 0.01,
      },
    ],
    // two pods average exactly the target with two missing: missing pods are left out, no scale-down
    [
      'TestPlainMetricReplicaCalcMissingMetricsNoChangeEq',
      {
        currentReplicas: 5,
        levels: [20000, 19000, 21000],
        targetUsage: 20000,
        expectedReplicas: 5,
        expectedUsage: 20000,
      },
    ],
    // a surge pod without a metric: ceil(0.725 × 3) = 3 > 2 on a scale-down ratio, kept at 2
    [
      'TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM',
      {
        currentReplicas: 2,
        podPhase: ['Running', 'Running', 'Running'],
        levels: [10000, 10000],
        targetUsage: 17000,
        expectedReplicas: 2,
        expectedUsage: 10000,
      },
    ],
  ])('%s', (_name, c) => {
    const r = runPods(c);
    expect(r.recommendation).toBe(c.expectedReplicas);
    expect(r.currentAverage).toBe(c.expectedUsage / 1000);
  });
});

interface ExternalCase {
  readonly currentReplicas: number;
  /** milli-units */
  readonly levels: number[];
  /** milli-units; perPodTargetUsage for externalPerPodMetric, targetUsage for externalMetric */
  readonly target: number;
  readonly expectedReplicas: number;
  /** milli-units */
  readonly expectedUsage: number;
  readonly podReadiness?: Readiness[];
  readonly tolerance?: number;
}

describe('upstream replica_calculator_test.go: External metric, AverageValue (externalPerPodMetric → GetExternalPerPodMetricReplicas)', () => {
  test.each<[string, ExternalCase]>([
    [
      'TestReplicaCalcScaleUpPerPodCMExternal',
      { currentReplicas: 3, levels: [8600], target: 2150, expectedReplicas: 4, expectedUsage: 2867 },
    ],
    [
      'TestReplicaCalcScaleDownPerPodCMExternal',
      { currentReplicas: 5, levels: [8600], target: 2867, expectedReplicas: 3, expectedUsage: 1720 },
    ],
    [
      'TestReplicaCalcTolerancePerPodCMExternal',
      { currentReplicas: 3, levels: [8600], target: 2900, expectedReplicas: 3, expectedUsage: 2867 },
    ],
    // upstream Tolerances{scaleDown: 0.1, scaleUp: 0.01}; ratio 1.024 is above 1, so only the scale-up one counts
    [
      'TestReplicaCalcConfigurableTolerancePerPodCMExternal',
      {
        currentReplicas: 3,
        levels: [8600],
        target: 2800,
        expectedReplicas: 4,
        expectedUsage: 2867,
        tolerance: 0.01,
      },
    ],
    // int64 levels as float64: MaxInt64 milli is 2^63 here, which is float64(MaxInt64) in Go too
    [
      'TestExternalPerPodMetricReplicaOverflow',
      { currentReplicas: 1, levels: [MAX_INT64], target: 1, expectedReplicas: MAX_INT32, expectedUsage: MAX_INT64 },
    ],
    [
      'TestExternalPerPodMetricUsageOverflow',
      { currentReplicas: 1, levels: [MAX_INT64], target: MAX_INT64, expectedReplicas: 1, expectedUsage: MAX_INT64 },
    ],
  ])('%s', (_name, c) => {
    const r = desiredReplicasExternal({
      currentReplicas: c.currentReplicas,
      values: c.levels.map((level) => level / 1000),
      targetAverageValue: c.target / 1000,
      minReplicas: 1,
      maxReplicas: MAX_INT32,
      tolerance: c.tolerance,
    });
    expect(r.recommendation).toBe(c.expectedReplicas);
    expect(r.currentAverage).toBe(c.expectedUsage / 1000);
  });
});

describe('upstream replica_calculator_test.go: External metric, Value (externalMetric → GetExternalMetricReplicas)', () => {
  test.each<[string, ExternalCase]>([
    // ready pods are Running with Ready=True: 1 of 3, so ceil(1.95 × 1) = 2 (6 if unready pods counted)
    [
      'TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods',
      {
        currentReplicas: 3,
        podReadiness: ['F', 'T', 'F'],
        levels: [8600],
        target: 4400,
        expectedReplicas: 2,
        expectedUsage: 8600,
      },
    ],
    [
      'TestReplicaCalcScaleDownCMExternal',
      { currentReplicas: 5, levels: [8600], target: 14334, expectedReplicas: 3, expectedUsage: 8600 },
    ],
    [
      'TestReplicaCalcToleranceCMExternal',
      { currentReplicas: 3, levels: [8600], target: 8888, expectedReplicas: 3, expectedUsage: 8600 },
    ],
    // upstream Tolerances{scaleDown: 0.1, scaleUp: 0.01}; ratio 1.011 is above 1, so only the scale-up one counts
    [
      'TestReplicaCalcConfigurableToleranceCMExternal',
      {
        currentReplicas: 3,
        levels: [8900],
        target: 8800,
        expectedReplicas: 4,
        expectedUsage: 8900,
        tolerance: 0.01,
      },
    ],
    // two levels of MaxInt64/2+1 (= 2^62 exactly) overflow int64 and are capped at MaxInt64 (2^63 as float64)
    [
      'TestReplicaCalcExternalMetricUsageOverflow',
      {
        currentReplicas: 3,
        levels: [MAX_INT64 / 2, MAX_INT64 / 2],
        target: MAX_INT64,
        expectedReplicas: 3,
        expectedUsage: MAX_INT64,
      },
    ],
  ])('%s', (_name, c) => {
    const r = desiredReplicasExternalValue({
      currentReplicas: c.currentReplicas,
      values: c.levels.map((level) => level / 1000),
      targetValue: c.target / 1000,
      readyReplicas: c.podReadiness ? c.podReadiness.filter((s) => s === 'T').length : undefined,
      minReplicas: 1,
      maxReplicas: MAX_INT32,
      tolerance: c.tolerance,
    });
    expect(r.recommendation).toBe(c.expectedReplicas);
    expect(r.currentAverage).toBe(c.expectedUsage / 1000);
  });
});

describe('upstream error paths: the HPA takes no action', () => {
  test('GetRawMetric: no metrics returned from custom metrics API', () => {
    const r = desiredReplicas({
      currentReplicas: 3,
      pods: ['a'],
      podValues: new Map(),
      targetAverageValue: 1,
      minReplicas: 1,
      maxReplicas: 10,
    });
    expect([r.desiredReplicas, r.recommendation]).toEqual([3, 3]);
    expect(r.reason).toMatch(/no metrics returned from custom metrics API.*no scaling action/);
  });

  test('calcPlainMetricReplicas: only deleted, failed or pending pods have metrics', () => {
    const r = desiredReplicas({
      currentReplicas: 3,
      pods: ['a', 'b', 'c'],
      podValues: new Map([
        ['a', 5],
        ['b', 5],
        ['c', 5],
      ]),
      targetAverageValue: 1,
      minReplicas: 1,
      maxReplicas: 10,
      deletedPods: ['a'],
      failedPods: ['b'],
      pendingPods: ['c'],
    });
    expect(r.desiredReplicas).toBe(3);
    expect(r.reason).toMatch(/did not receive metrics for targeted pods.*no scaling action/);
  });

  test('GetExternalMetric: no metrics returned from external metrics API (both target types)', () => {
    const perPod = desiredReplicasExternal({
      currentReplicas: 4,
      values: [],
      targetAverageValue: 1,
      minReplicas: 1,
      maxReplicas: 10,
    });
    const value = desiredReplicasExternalValue({
      currentReplicas: 4,
      values: [],
      targetValue: 1,
      minReplicas: 1,
      maxReplicas: 10,
    });
    for (const r of [perPod, value]) {
      expect([r.desiredReplicas, r.currentAverage]).toEqual([4, undefined]);
      expect(r.reason).toMatch(/no metrics returned from external metrics API.*no scaling action/);
    }
  });
});
