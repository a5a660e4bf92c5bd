import {
  checkCount,
  checkInput,
  checkMinMax,
  checkNumbers,
  checkPositive,
  checkStrings,
  checkTolerance,
  inputError,
} from './_input';

/**
 * The autoscaling/v2 HPA's replica recommendation for one Pods metric with an AverageValue target, as
 * `pkg/controller/podautoscaler/replica_calculator.go` computes it in `GetMetricReplicas`/`calcPlainMetricReplicas`
 * (milli-unit arithmetic, tolerance, the pod grouping of `groupPods`, the treatment of pods without a metric), clamped
 * to min/max. Not modelled: `behavior` (stabilization windows and rate policies act on this recommendation afterwards).
 *
 * Tolerance is compared as `math.Abs(1.0-usageRatio) <= tolerance` in float64, as Kubernetes up to 1.32 does.
 * Kubernetes 1.33+ (`HPAConfigurableTolerance`) tests `1-down <= ratio <= 1+up` instead; the two differ only at a
 * ratio right at the upper boundary (e.g. 110 against 100 with 0.1: scales up here, stays on 1.33+).
 */
export interface ReplicaCalculationInput {
  /** The target's `spec.replicas`. */
  readonly currentReplicas: number;
  /**
   * The metric per pod the adapter returned (milli precision); pods absent here had no metric. Like the HPA, values for
   * pods not in the pod list still count in the average (though not as ready pods).
   */
  readonly podValues: Map<string, number>;
  /** Names of the pods the HPA's selector lists, including those without a metric. */
  readonly pods: string[];
  /** The target average value per pod. */
  readonly targetAverageValue: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /**
   * The controller's `--horizontal-pod-autoscaler-tolerance`.
   * @default 0.1
   */
  readonly tolerance?: number;
  /**
   * Pods with a deletionTimestamp (terminating, e.g. during a rolling update): the HPA drops them and their metric
   * entirely, so a pod on its way out neither holds the average up nor counts as missing. Need not be in `pods`.
   * @default []
   */
  readonly deletedPods?: string[];
  /** Pods in phase Failed: dropped like deleted pods. Need not be in `pods`. @default [] */
  readonly failedPods?: string[];
  /**
   * Pods in phase Pending (not scheduled or still starting): set aside; on a scale-up they count as 0 so that pods
   * which are coming anyway damp it, on a scale-down they are left out. Need not be in `pods`.
   * @default []
   */
  readonly pendingPods?: string[];
  /**
   * Running pods whose Ready condition is not True. The HPA only sets those aside for the `cpu` resource, so for a
   * Pods metric they count like ready pods; accepted so that callers can pass what the cluster shows.
   * @default []
   */
  readonly unreadyPods?: string[];
}

export interface ReplicaCalculation {
  /** The HPA's recommendation before `behavior`, clamped to min/max; equals currentReplicas when it takes no action. */
  readonly desiredReplicas: number;
  /** Why, in the words `kubectl describe hpa` would use. */
  readonly reason: string;
  /**
   * What the HPA reports as current (milli-precision): the average per pod for AverageValue targets, the total for
   * an External Value target. Absent when the HPA got no usable metric.
   */
  readonly currentAverage?: number;
  /**
   * The replica calculator's own result, before the controller clamps it to min/max (equals currentReplicas when it
   * takes no action): what upstream's `replica_calculator_test.go` compares.
   */
  readonly recommendation?: number;
}

const MAX_INT32 = 2 ** 31 - 1;
/** float64(math.MaxInt64): int64 sums that would overflow are capped there upstream. */
const MAX_INT64 = 2 ** 63;

/**
 * Quantity values reach the HPA as `MilliValue()`; the adapter already cut them to milli, rounding only undoes float
 * error in × 1000.
 */
const milli = (value: number) => Math.round(value * 1000);

export function desiredReplicas(input: ReplicaCalculationInput): ReplicaCalculation {
  const fn = 'desiredReplicas';
  checkInput(fn, input, 'ReplicaCalculationInput');
  checkCount(fn, 'currentReplicas', input.currentReplicas);
  checkPositive(fn, 'targetAverageValue', input.targetAverageValue);
  checkMinMax(fn, input);
  checkTolerance(fn, input.tolerance);
  if (!(input.podValues instanceof Map))
    throw inputError(fn, 'podValues', input.podValues, 'a Map from pod names to values');
  checkNumbers(fn, 'podValues', [...input.podValues.values()]);
  checkStrings(fn, 'pods', input.pods);
  for (const p of ['deletedPods', 'failedPods', 'pendingPods', 'unreadyPods'] as const)
    checkStrings(fn, p, input[p], true);
  const tolerance = input.tolerance ?? 0.1;
  const current = input.currentReplicas;
  const within = (ratio: number) => Math.abs(1.0 - ratio) <= tolerance;
  const noAction = (why: string, currentAverage?: number) =>
    finish(input, current, `${why}: no scaling action`, currentAverage);

  // GetRawMetric fails on an empty list before any pod is looked at.
  if (input.podValues.size === 0) return noAction('no metrics returned from custom metrics API');

  const deleted = new Set([...(input.deletedPods ?? []), ...(input.failedPods ?? [])]);
  const pending = new Set(input.pendingPods ?? []);
  const podList = [...new Set([...input.pods, ...deleted, ...pending, ...(input.unreadyPods ?? [])])];
  if (podList.length === 0) return noAction('no pods returned by selector while calculating replica count');

  const metrics = new Map<string, number>();
  for (const [pod, value] of input.podValues) metrics.set(pod, milli(value));

  // groupPods for a non-CPU metric: readiness and CPU start-up windows play no part.
  let readyPodCount = 0;
  const unready: string[] = [];
  const missing: string[] = [];
  for (const pod of podList) {
    if (deleted.has(pod)) {
      metrics.delete(pod);
    } else if (pending.has(pod)) {
      unready.push(pod);
      metrics.delete(pod);
    } else if (!metrics.has(pod)) {
      missing.push(pod);
    } else {
      readyPodCount++;
    }
  }
  if (metrics.size === 0) return noAction('did not receive metrics for targeted pods (pods might be unready)');

  const targetMilli = milli(input.targetAverageValue);
  const { ratio, usage } = usageRatio(metrics, targetMilli);
  const average = usage / 1000;
  const scaleUpWithUnready = unready.length > 0 && ratio > 1.0;

  if (!scaleUpWithUnready && missing.length === 0) {
    if (within(ratio)) return finish(input, current, `ratio ${fmt(ratio)} within tolerance ${tolerance}`, average);
    return finish(input, Math.ceil(ratio * readyPodCount), `ceil(${fmt(ratio)} × ${readyPodCount})`, average);
  }

  // Assume the worst for the direction we are heading: pods without a metric hold a scale-down at target and
  // damp a scale-up as idle. At a ratio of exactly 1 there is no direction, and they are left out.
  if (ratio < 1.0) for (const pod of missing) metrics.set(pod, targetMilli);
  else if (ratio > 1.0) for (const pod of missing) metrics.set(pod, 0);
  if (scaleUpWithUnready) for (const pod of unready) metrics.set(pod, 0);

  const next = usageRatio(metrics, targetMilli).ratio;
  const setAside = [
    missing.length > 0 ? `${missing.length} pod(s) missing the metric` : '',
    scaleUpWithUnready ? `${unready.length} pending pod(s) counted as 0` : '',
  ]
    .filter((s) => s)
    .join(', ');
  if (within(next) || (ratio < 1.0 && next > 1.0) || (ratio > 1.0 && next < 1.0)) {
    return finish(input, current, `with ${setAside} the ratio ${fmt(next)} gives no change`, average);
  }
  const newReplicas = Math.ceil(next * metrics.size);
  if ((next < 1.0 && newReplicas > current) || (next > 1.0 && newReplicas < current)) {
    // more pods in the calculation than replicas (e.g. a surge pod during a rolling update) would reverse the direction
    return finish(
      input,
      current,
      `with ${setAside} ceil(${fmt(next)} × ${metrics.size}) = ${newReplicas} would reverse the direction: no change`,
      average,
    );
  }
  return finish(input, newReplicas, `ceil(${fmt(next)} × ${metrics.size}) with ${setAside}`, average);
}

/**
 * What the HPA reads from the external metrics API for one External metric: every value matching the metric's
 * selector (the HPA sums them).
 */
export interface ExternalReplicaCalculationInput {
  /** The target's status.replicas. */
  readonly currentReplicas: number;
  /** The values the external metrics API returned for the metric (the HPA sums them); empty: no metric. */
  readonly values: number[];
  /** The per-pod target (AverageValue). */
  readonly targetAverageValue: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** @default 0.1 */
  readonly tolerance?: number;
}

/**
 * The HPA's recommendation for an External metric with an AverageValue target (`GetExternalPerPodMetricReplicas`):
 * the total is shared over status.replicas, not over pods that report, so neither readiness nor missing pods play a
 * part. Same tolerance semantics and min/max clamp as {@link desiredReplicas}.
 *
 * KEDA's ScaledObject (`KedaScaledObject`, `metricType: AverageValue`) goes through this same calculation: KEDA
 * creates an HPA with one External metric per trigger (target = `threshold`, values = the query's one element as a
 * milli-quantity); its `minReplicas` is `max(minReplicaCount, 1)`, scaling to and from zero is KEDA's own.
 */
export function desiredReplicasExternal(input: ExternalReplicaCalculationInput): ReplicaCalculation {
  const fn = 'desiredReplicasExternal';
  checkInput(fn, input, 'ExternalReplicaCalculationInput');
  checkCount(fn, 'currentReplicas', input.currentReplicas);
  checkPositive(fn, 'targetAverageValue', input.targetAverageValue);
  checkMinMax(fn, input);
  checkTolerance(fn, input.tolerance);
  checkNumbers(fn, 'values', input.values);
  const tolerance = input.tolerance ?? 0.1;
  const current = input.currentReplicas;
  if (input.values.length === 0) {
    return finish(input, current, 'no metrics returned from external metrics API: no scaling action');
  }
  const usage = sumMilli(input.values);
  const targetMilli = milli(input.targetAverageValue);
  const ratio = usage / (targetMilli * current);
  let replicas = current;
  let reason = `ratio ${fmt(ratio)} within tolerance ${tolerance}`;
  if (!(Math.abs(1.0 - ratio) <= tolerance)) {
    replicas = Math.min(MAX_INT32, Math.ceil(usage / targetMilli));
    reason = `ceil(${usage / 1000} / ${targetMilli / 1000})`;
  }
  // from 0 replicas Go divides by zero here; report the total rather than Infinity
  const reported = usage >= MAX_INT64 || current === 0 ? usage : Math.ceil(usage / current);
  return finish(input, replicas, reason, reported / 1000);
}

/**
 * An External metric with a Value target: the same as {@link ExternalReplicaCalculationInput} but one target for the
 * total.
 */
export interface ExternalValueReplicaCalculationInput {
  /** The target's `spec.replicas`. */
  readonly currentReplicas: number;
  /** The values the external metrics API returned for the metric (the HPA sums them); empty: no metric. */
  readonly values: number[];
  /** The target for the summed value (Value). */
  readonly targetValue: number;
  /**
   * Pods the selector lists that are Running with Ready=True: the HPA scales those, not currentReplicas, by the ratio.
   * @default currentReplicas
   */
  readonly readyReplicas?: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** @default 0.1 */
  readonly tolerance?: number;
}

/**
 * The HPA's recommendation for an External metric with a Value target (`GetExternalMetricReplicas`): the ratio of
 * the total to the target applied to the ready pods, so unready pods neither add capacity nor count; from 0
 * replicas (scale to zero) it is `ceil(ratio)` with no tolerance. Same min/max clamp as {@link desiredReplicas}.
 */
export function desiredReplicasExternalValue(input: ExternalValueReplicaCalculationInput): ReplicaCalculation {
  const fn = 'desiredReplicasExternalValue';
  checkInput(fn, input, 'ExternalValueReplicaCalculationInput');
  checkCount(fn, 'currentReplicas', input.currentReplicas);
  checkPositive(fn, 'targetValue', input.targetValue);
  checkMinMax(fn, input);
  checkTolerance(fn, input.tolerance);
  checkNumbers(fn, 'values', input.values);
  if (input.readyReplicas !== undefined) checkCount(fn, 'readyReplicas', input.readyReplicas);
  const tolerance = input.tolerance ?? 0.1;
  const current = input.currentReplicas;
  if (input.values.length === 0) {
    return finish(input, current, 'no metrics returned from external metrics API: no scaling action');
  }
  const usage = sumMilli(input.values);
  const ratio = usage / milli(input.targetValue);
  if (current === 0)
    return finish(input, Math.min(MAX_INT32, Math.ceil(ratio)), `ceil(${fmt(ratio)}) from 0 replicas`, usage / 1000);
  if (Math.abs(1.0 - ratio) <= tolerance)
    return finish(input, current, `ratio ${fmt(ratio)} within tolerance ${tolerance}`, usage / 1000);
  const ready = input.readyReplicas ?? current;
  return finish(
    input,
    Math.min(MAX_INT32, Math.ceil(ratio * ready)),
    `ceil(${fmt(ratio)} × ${ready} ready)`,
    usage / 1000,
  );
}

/** GetMetricUsageRatio: the average is an int64 division (truncated), the ratio is taken from that. */
function usageRatio(metrics: Map<string, number>, targetMilli: number) {
  let total = 0;
  for (const v of metrics.values()) total += v;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetMilli, usage };
}

/** The int64 sum of the external values, capped at MaxInt64 as the calculator does on overflow. */
function sumMilli(values: number[]) {
  return Math.min(
    MAX_INT64,
    values.reduce((sum, v) => sum + milli(v), 0),
  );
}

function fmt(ratio: number) {
  return ratio.toFixed(3);
}

function finish(
  input: { minReplicas: number; maxReplicas: number },
  recommendation: number,
  reason: string,
  currentAverage?: number,
): ReplicaCalculation {
  const clamped = Math.min(input.maxReplicas, Math.max(input.minReplicas, recommendation));
  return {
    desiredReplicas: clamped,
    reason: clamped === recommendation ? reason : `${reason} = ${recommendation}, clamped to ${clamped}`,
    currentAverage,
    recommendation,
  };
}
