import { desiredReplicas, desiredReplicasExternal, ReplicaCalculation } from './replica-calculation';
import { HPA_SYNC_SECONDS, INTERLOK_PUSH_SECONDS } from './intervals';

/**
 * The chain over time, second by second: Interlok pods pushing the messages of their last push interval (nothing
 * while idle), Prometheus scraping the pushgateway, the rule's stale window, and the HPA controller's sync loop
 * with `behavior` as `pkg/controller/podautoscaler/horizontal.go` applies it (`stabilizeRecommendationWithBehaviors`:
 * the lowest recommendation of the scale-up window and the highest of the scale-down window bound the change;
 * `convertDesiredReplicasWithBehaviorRate`: the policies limit the change against the scale events of each
 * period, `selectPolicy` Max/Min/Disabled; then min/max). A sync whose metric is missing takes no action and
 * records no recommendation, as the controller does on an error.
 */

export interface HpaPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

export interface HpaScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
  readonly policies: HpaPolicy[];
}

/** What the simulation needs of an HPA (see readHpas in manifests.ts). */
export interface SimulatedHpa {
  readonly metricType: 'External' | 'Pods';
  /** AverageValue target per pod. */
  readonly target: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly scaleUp: HpaScalingRules;
  readonly scaleDown: HpaScalingRules;
  /** @default 0.1 */
  readonly tolerance?: number;
}

/**
 * The Kubernetes defaults of `behavior` (k8s.io/kubernetes pkg/apis/autoscaling/v2 defaults.go), written once:
 * MessageMetricsHpa and KedaScaledObject write them out from here, and the simulation and the manifests reader
 * assume them where a manifest gives none.
 */
export const DEFAULT_SCALE_UP: HpaScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
};
export const DEFAULT_SCALE_DOWN: HpaScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

/** One step of a load profile: from `at` seconds on, until the next step. */
export interface LoadStep {
  readonly at: number;
  /** Messages each pod handles per push interval. */
  readonly perPod?: number;
  /** Messages per push interval for the whole Deployment, spread evenly over its pods. */
  readonly total?: number;
}

/**
 * Named load profiles. A load is what the Deployment receives, spread over however many pods it runs: totals, so
 * that adding pods lowers each pod's share, as a Service spreads requests (a per-pod load never falls, and
 * would drive any HPA to maxReplicas).
 */
export const LOAD_PRESETS: Record<string, { readonly steps: readonly LoadStep[]; readonly description: string }> = {
  burst: {
    steps: [
      { at: 0, total: 150 },
      { at: 10, total: 0 },
    ],
    description: "the guide's 150 messages in one push interval",
  },
  ramp: {
    steps: [
      { at: 0, total: 100 },
      { at: 30, total: 200 },
      { at: 60, total: 300 },
      { at: 90, total: 400 },
    ],
    description: '100 to 400 messages per push interval in four steps: 4 pods at the default target of 100',
  },
};

/** A profile as the CLI's `--load` writes it: `0s=150total,10s=0total` (`N` alone: per pod). */
export function loadProfileText(steps: readonly LoadStep[]): string {
  return steps.map((s) => `${s.at}s=${s.total !== undefined ? `${s.total}total` : (s.perPod ?? 0)}`).join(',');
}

export interface SimulationTiming {
  /** @default 10 */
  readonly pushInterval?: number;
  /** @default 10 */
  readonly scrapeInterval?: number;
  /** A group pushed longer ago reads 0; undefined: the last value counts for ever (the guide's rule). @default 30 */
  readonly staleAfter?: number;
  /** @default 15 */
  readonly syncPeriod?: number;
  /** Whether a deleted pod's group is removed at once (the deregistration sidecar). @default true */
  readonly deregistration?: boolean;
}

export interface SimulationInput {
  readonly hpa: SimulatedHpa;
  readonly load: LoadStep[];
  /** Seconds to simulate. */
  readonly duration: number;
  readonly timing?: SimulationTiming;
  /** @default hpa.minReplicas */
  readonly initialReplicas?: number;
}

/** One HPA sync. */
export interface SyncRecord {
  readonly t: number;
  readonly replicasBefore: number;
  readonly replicas: number;
  /** What the HPA read: the External total, or the Pods average; undefined when it got no metric. */
  readonly metric?: number;
  /** The replica calculator's recommendation, before behavior. */
  readonly recommendation?: number;
  readonly reason: string;
}

export interface SimulationResult {
  readonly syncs: SyncRecord[];
  /** Replicas at each second 0..duration. */
  readonly replicas: number[];
  /** Messages per pod per push interval offered at each second. */
  readonly loadPerPod: number[];
  /** [time, from, to] of each change. */
  readonly changes: Array<[number, number, number]>;
}

interface Pod {
  readonly name: string;
  readonly started: number;
  handled: number;
}
interface Group {
  value: number;
  pushTime: number;
}

export function simulate(input: SimulationInput): SimulationResult {
  const push = input.timing?.pushInterval ?? INTERLOK_PUSH_SECONDS;
  const scrape = input.timing?.scrapeInterval ?? 10;
  const stale = input.timing && 'staleAfter' in input.timing ? input.timing.staleAfter : 30;
  const sync = input.timing?.syncPeriod ?? HPA_SYNC_SECONDS;
  const deregister = input.timing?.deregistration ?? true;
  const hpa = input.hpa;
  const steps = [...input.load].sort((a, b) => a.at - b.at);

  let serial = 0;
  const pods: Pod[] = [];
  const addPod = (t: number) => pods.push({ name: `pod-${serial++}`, started: t, handled: 0 });
  for (let i = 0; i < (input.initialReplicas ?? hpa.minReplicas); i++) addPod(0);

  const gateway = new Map<string, Group>();
  let scraped = new Map<string, Group>();
  const recommendations: Array<{ t: number; value: number }> = [];
  const upEvents: Array<{ t: number; change: number }> = [];
  const downEvents: Array<{ t: number; change: number }> = [];
  const result: SimulationResult = { syncs: [], replicas: [], loadPerPod: [], changes: [] };

  for (let t = 0; t <= input.duration; t++) {
    // 1. messages of this second: each step gives messages per push interval, handled evenly over it
    const step = steps.filter((s) => s.at <= t).pop();
    const perPod = step ? (step.perPod ?? (step.total ?? 0) / pods.length) : 0;
    result.loadPerPod.push(perPod);
    // 2. pushes: every push interval since the pod started, the messages of that interval; none while idle
    for (const pod of pods) {
      if (t > pod.started && (t - pod.started) % push === 0) {
        if (pod.handled > 0) gateway.set(pod.name, { value: round(pod.handled), pushTime: t });
        pod.handled = 0;
      }
      pod.handled += perPod / push;
    }
    // 3. scrapes
    if (t % scrape === 0) scraped = new Map([...gateway].map(([k, v]) => [k, { ...v }]));
    // 4. the HPA
    if (t > 0 && t % sync === 0) {
      const current = pods.length;
      const fresh = (g: Group) => (stale === undefined || t - g.pushTime < stale ? g.value : 0);
      let calc: ReplicaCalculation;
      let metric: number | undefined;
      const common = {
        currentReplicas: current,
        targetAverageValue: hpa.target,
        minReplicas: hpa.minReplicas,
        maxReplicas: hpa.maxReplicas,
        tolerance: hpa.tolerance,
      };
      if (hpa.metricType === 'External') {
        const total =
          pods.reduce((sum, p) => sum + (scraped.has(p.name) ? fresh(scraped.get(p.name)!) : 0), 0) +
          (deregister
            ? 0
            : [...scraped].filter(([k]) => !pods.some((p) => p.name === k)).reduce((s, [, g]) => s + fresh(g), 0));
        calc = desiredReplicasExternal({ ...common, values: [total] });
        metric = round(total);
      } else {
        const values = new Map(
          pods.filter((p) => scraped.has(p.name)).map((p) => [p.name, fresh(scraped.get(p.name)!)]),
        );
        calc = desiredReplicas({ ...common, podValues: values, pods: pods.map((p) => p.name) });
        metric = calc.currentAverage;
      }
      let next = current;
      let reason = calc.reason;
      if (calc.currentAverage !== undefined && calc.recommendation !== undefined) {
        const n = normalize(hpa, t, current, calc.recommendation, recommendations, upEvents, downEvents);
        next = n.replicas;
        if (n.note) reason += `; ${n.note}`;
      }
      if (next !== current) {
        (next > current ? upEvents : downEvents).push({ t, change: Math.abs(next - current) });
        result.changes.push([t, current, next]);
        if (next > current) for (let i = current; i < next; i++) addPod(t);
        else {
          const removed = pods.splice(next);
          if (deregister) for (const p of removed) gateway.delete(p.name);
        }
      }
      result.syncs.push({
        t,
        replicasBefore: current,
        replicas: next,
        metric,
        recommendation: calc.recommendation,
        reason,
      });
    }
    result.replicas.push(pods.length);
  }
  return result;
}

function round(v: number) {
  return Math.round(v * 1000) / 1000;
}

/** normalizeDesiredReplicasWithBehaviors: stabilization, then the rate policies and min/max. */
function normalize(
  hpa: SimulatedHpa,
  t: number,
  current: number,
  desired: number,
  recs: Array<{ t: number; value: number }>,
  upEvents: Array<{ t: number; change: number }>,
  downEvents: Array<{ t: number; change: number }>,
): { replicas: number; note?: string } {
  // stabilizeRecommendationWithBehaviors
  const upCutoff = t - hpa.scaleUp.stabilizationWindowSeconds;
  const downCutoff = t - hpa.scaleDown.stabilizationWindowSeconds;
  let up = desired;
  let down = desired;
  let oldIndex = -1;
  recs.forEach((r, i) => {
    if (r.t > upCutoff) up = Math.min(up, r.value);
    if (r.t > downCutoff) down = Math.max(down, r.value);
    if (r.t < upCutoff && r.t < downCutoff) oldIndex = i;
  });
  let stabilized = current;
  if (stabilized < up) stabilized = up;
  if (stabilized > down) stabilized = down;
  if (oldIndex >= 0) recs[oldIndex] = { t, value: desired };
  else recs.push({ t, value: desired });
  const notes: string[] = [];
  if (stabilized !== desired)
    notes.push(
      `stabilized to ${stabilized} (recommendations of the ${stabilized > desired ? `last ${hpa.scaleDown.stabilizationWindowSeconds} s` : `last ${hpa.scaleUp.stabilizationWindowSeconds} s`})`,
    );

  // convertDesiredReplicasWithBehaviorRate
  const changeIn = (events: Array<{ t: number; change: number }>, period: number) =>
    events.filter((e) => e.t > t - period).reduce((s, e) => s + e.change, 0);
  let replicas = stabilized;
  if (stabilized > current) {
    let limit = limitFor(
      hpa.scaleUp,
      current,
      (p) => {
        const start = current - changeIn(upEvents, p.periodSeconds) + changeIn(downEvents, p.periodSeconds);
        return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      },
      'up',
    );
    if (limit < current) limit = current;
    const max = Math.min(hpa.maxReplicas, limit);
    if (stabilized > max) {
      replicas = max;
      notes.push(max === hpa.maxReplicas ? `capped at maxReplicas ${max}` : `scale-up policy allows ${max}`);
    }
  } else if (stabilized < current) {
    let limit = limitFor(
      hpa.scaleDown,
      current,
      (p) => {
        const start = current - changeIn(upEvents, p.periodSeconds) + changeIn(downEvents, p.periodSeconds);
        return p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
      },
      'down',
    );
    if (limit > current) limit = current;
    const min = Math.max(hpa.minReplicas, limit);
    if (stabilized < min) {
      replicas = min;
      notes.push(min === hpa.minReplicas ? `kept at minReplicas ${min}` : `scale-down policy allows ${min}`);
    }
  }
  return { replicas, note: notes.join('; ') || undefined };
}

function limitFor(
  rules: HpaScalingRules,
  current: number,
  proposed: (p: HpaPolicy) => number,
  direction: 'up' | 'down',
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // Max selects the biggest change: the highest limit up, the lowest down; Min the other way round
  const biggest = rules.selectPolicy !== 'Min';
  const pick = (direction === 'up') === biggest ? Math.max : Math.min;
  return rules.policies.map(proposed).reduce((a, b) => pick(a, b));
}
