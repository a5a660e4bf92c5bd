/**
 * The autoscaling/v2 HPA's replica recommendation for one Pods metric with an AverageValue target, as
 * `pkg/controller/podautoscaler/replica_calculator.go` computes it (milli-unit arithmetic, tolerance, the
 * treatment of pods without a metric), clamped to min/max. Not modelled: unready and deleted pods (all pods given
 * count as ready) and `behavior` (stabilization windows and rate policies act on this recommendation afterwards).
 */
export interface ReplicaCalculationInput {
  /** The target's `spec.replicas`. */
  readonly currentReplicas: number;
  /** The metric per pod the adapter returned (milli precision); pods absent here had no metric. */
  readonly podValues: Map<string, number>;
  /** Names of the Deployment's pods (all taken as ready), including those without a metric. */
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
}

export interface ReplicaCalculation {
  /** The HPA's recommendation before `behavior`; equals currentReplicas when it takes no action. */
  readonly desiredReplicas: number;
  /** Why, in the words `kubectl describe hpa` would use. */
  readonly reason: string;
  /** The average the HPA reports as current (milli-precision). */
  readonly currentAverage?: number;
}

export function desiredReplicas(input: ReplicaCalculationInput): ReplicaCalculation {
  const tolerance = input.tolerance ?? 0.1;
  const current = input.currentReplicas;
  const clamp = (n: number) => Math.min(input.maxReplicas, Math.max(input.minReplicas, n));
  const metrics = new Map<string, number>();
  const missing: string[] = [];
  for (const pod of input.pods) {
    // the adapter already cut values to milli-units: rounding only undoes float error in × 1000
    if (input.podValues.has(pod)) metrics.set(pod, Math.round(input.podValues.get(pod)! * 1000));
    else missing.push(pod);
  }
  if (metrics.size === 0) {
    return { desiredReplicas: clamp(current), reason: 'no metrics returned from custom metrics API: no scaling action' };
  }
  const targetMilli = Math.round(input.targetAverageValue * 1000);
  const ratioOf = (m: Map<string, number>) => {
    let total = 0;
    for (const v of m.values()) total += v;
    const average = Math.trunc(total / m.size);
    return { ratio: average / targetMilli, average: average / 1000 };
  };
  const { ratio, average } = ratioOf(metrics);

  let desired: number;
  let reason: string;
  if (missing.length === 0) {
    if (Math.abs(1 - ratio) <= tolerance) {
      desired = current;
      reason = `ratio ${ratio.toFixed(3)} within tolerance ${tolerance}`;
    } else {
      desired = Math.ceil(ratio * metrics.size);
      reason = `ceil(${ratio.toFixed(3)} × ${metrics.size})`;
    }
  } else {
    // Pods without a metric count as at target when scaling down and as 0 when scaling up.
    const rebalanced = new Map(metrics);
    for (const pod of missing) rebalanced.set(pod, ratio < 1 ? targetMilli : 0);
    const next = ratioOf(rebalanced).ratio;
    const reversed = (ratio < 1 && next > 1) || (ratio > 1 && next < 1);
    const candidate = Math.ceil(next * rebalanced.size);
    if (Math.abs(1 - next) <= tolerance || reversed
      || (next < 1 && candidate > current) || (next > 1 && candidate < current)) {
      desired = current;
      reason = `with ${missing.length} pod(s) missing the metric the ratio ${next.toFixed(3)} gives no change`;
    } else {
      desired = candidate;
      reason = `ceil(${next.toFixed(3)} × ${rebalanced.size}) with ${missing.length} pod(s) missing the metric`;
    }
  }
  const clamped = clamp(desired);
  return { desiredReplicas: clamped, reason: clamped === desired ? reason : `${reason} = ${desired}, clamped to ${clamped}`, currentAverage: average };
}

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

/** `GetExternalPerPodMetricReplicas`: an External metric with an AverageValue target, clamped to min/max. */
export function desiredReplicasExternal(input: ExternalReplicaCalculationInput): ReplicaCalculation {
  const tolerance = input.tolerance ?? 0.1;
  const current = input.currentReplicas;
  const clamp = (n: number) => Math.min(input.maxReplicas, Math.max(input.minReplicas, n));
  if (input.values.length === 0) {
    return { desiredReplicas: clamp(current), reason: 'no metrics returned from external metrics API: no scaling action' };
  }
  const usage = input.values.reduce((sum, v) => sum + Math.round(v * 1000), 0);
  const target = Math.round(input.targetAverageValue * 1000);
  const ratio = usage / (target * current);
  const desired = Math.abs(1 - ratio) > tolerance ? Math.ceil(usage / target) : current;
  const clamped = clamp(desired);
  return { desiredReplicas: clamped, reason: `total ${usage / 1000}, ceil(total / ${input.targetAverageValue}) = ${desired}`, currentAverage: Math.ceil(usage / current) / 1000 };
}
