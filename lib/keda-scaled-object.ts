import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AppIndex } from './kit/app-index';
import { checkDnsLabel, checkDuration, checkInteger, checkUrl, propError, PropChecks } from './kit/checks';
import { AdapterRule, MAX_EXTERNAL_DEPLOYMENT_NAME } from './monitoring/adapter-rule';
import { recommendedLabels } from './kit/labels';
import {
  checkTargetAndRule,
  MessageMetricsHpa,
  renderBehavior,
  ScaleTarget,
  SCALING_RULES,
  ScalingRules,
} from './message-metrics-hpa';
import { PrometheusAdapter } from './monitoring/prometheus-adapter';
import { checkPropsIn, propsKeys } from './kit/props';

/** What KEDA does while the query fails (`spec.fallback`). */
export interface KedaFallback {
  /** Failed queries in a row before the fallback applies. */
  readonly failureThreshold: number;
  /** The replica count of the fallback. */
  readonly replicas: number;
  /**
   * `static` (hold `replicas`), `currentReplicas`, `currentReplicasIfHigher` or `currentReplicasIfLower`; the field
   * needs KEDA 2.17 or later.
   * @default - left out: KEDA's `static`
   */
  readonly behavior?: 'static' | 'currentReplicas' | 'currentReplicasIfHigher' | 'currentReplicasIfLower';
}

export const KEDA_FALLBACK = propsKeys<KedaFallback>('KedaFallback', { behavior: 1, failureThreshold: 1, replicas: 1 });

/** The ScaledObject's settings, apart from what it scales, on which series and from which Prometheus. */
export interface KedaOptions {
  /**
   * Name of the ScaledObject, at most 54 characters: KEDA names the HPA it creates `keda-hpa-<name>` and labels
   * it with that name, a label value of at most 63 characters.
   * @default - the Deployment's name
   */
  readonly name?: string;
  /**
   * The Prometheus KEDA queries (`/api/v1/query` is appended), e.g. kube-prometheus-stack's
   * `http://prometheus-operated.monitoring.svc:9090`.
   * @default - in InterlokAutoscalingChart, the monitoring stack's Prometheus
   */
  readonly serverAddress?: string;
  /**
   * Messages per pod above which KEDA's HPA scales up: `metricType: AverageValue` with the query summing the
   * Deployment's pods gives ceil(total / threshold) replicas, the guide's meaning.
   * @default 100
   */
  readonly threshold?: number;
  /**
   * 0 lets KEDA scale the Deployment to zero when the query reads at most `activationThreshold` for
   * `cooldownPeriod`. The query counts what running pods handled, so at zero it reads 0 for ever: only with a second
   * trigger of your own that sees waiting work (a queue's depth) can the Deployment come back.
   * @default 1
   */
  readonly minReplicaCount?: number;
  /**
   * @default 5
   */
  readonly maxReplicaCount?: number;
  /**
   * With minReplicaCount 0: the value above which the Deployment is scaled up from zero.
   * @default - KEDA's 0
   */
  readonly activationThreshold?: number;
  /**
   * How often KEDA checks the trigger for 0 ↔ 1 (1 ↔ N is the HPA's 15 s sync).
   * @default - KEDA's 30 s
   */
  readonly pollingInterval?: Duration;
  /**
   * How long the query must read at most activationThreshold before scaling to zero (only with minReplicaCount 0).
   * @default - KEDA's 300 s
   */
  readonly cooldownPeriod?: Duration;
  /**
   * What KEDA does while the query fails; the trigger's `metricType: AverageValue` is always written out, as KEDA
   * 2.16 requires with a fallback.
   * @default - none: KEDA's HPA keeps its replica count
   */
  readonly fallback?: KedaFallback;
  /**
   * The name of an HPA that already scales the same Deployment and that KEDA is to take over instead of creating
   * `keda-hpa-<name>`: the HPA `Scaler.hpa()` installed (`interlok-autoscaler` by default), when a stack moves to
   * `Scaler.keda()`. Without it KEDA's webhook refuses the ScaledObject while that HPA exists ("already managed by
   * the hpa"). Writes KEDA's `scaledobject.keda.sh/transfer-hpa-ownership: "true"` and
   * `advanced.horizontalPodAutoscalerConfig.name`; KEDA then owns that HPA (deleting the ScaledObject deletes it)
   * and keeps the Deployment's replica count through the switch. Never a default: an HPA is taken over only by name.
   * @default - none: KEDA creates its own HPA, and refuses the ScaledObject if another HPA scales the Deployment
   */
  readonly adoptHpa?: string;
  /**
   * Scale-up behaviour of KEDA's HPA (`advanced.horizontalPodAutoscalerConfig.behavior`).
   * @default - the Kubernetes defaults, written out
   */
  readonly scaleUp?: ScalingRules;
  /**
   * Scale-down behaviour of KEDA's HPA.
   * @default - the Kubernetes defaults, written out
   */
  readonly scaleDown?: ScalingRules;
}

export const KEDA_OPTIONS = propsKeys<KedaOptions>(
  'KedaOptions',
  {
    activationThreshold: 1,
    adoptHpa: 1,
    cooldownPeriod: 1,
    fallback: 1,
    maxReplicaCount: 1,
    minReplicaCount: 1,
    name: 1,
    pollingInterval: 1,
    scaleDown: 1,
    scaleUp: 1,
    serverAddress: 1,
    threshold: 1,
  },
  {
    aliases: {
      minReplicas: 'minReplicaCount',
      maxReplicas: 'maxReplicaCount',
      averageValue: 'threshold',
      targetAverageValue: 'threshold',
    },
    nested: { scaleUp: SCALING_RULES, scaleDown: SCALING_RULES, fallback: KEDA_FALLBACK },
  },
);

export interface KedaScaledObjectProps extends KedaOptions {
  /** The Deployment to scale. */
  readonly target: ScaleTarget;
  /** The series and labels to count (the rule need not be served by an adapter). */
  readonly rule: AdapterRule;
  /** The Prometheus KEDA queries, e.g. `http://prometheus-operated.monitoring.svc:9090`. */
  readonly serverAddress: string;
}

export const KEDA_SCALED_OBJECT_PROPS = propsKeys<KedaScaledObjectProps, KedaOptions>(
  'KedaScaledObjectProps',
  { rule: 1, target: 1 },
  { extends: [KEDA_OPTIONS] },
);

/** What KEDA puts before a ScaledObject's name to name its HPA. */
const KEDA_HPA_PREFIX = 'keda-hpa-';
/**
 * KEDA's annotation that lets a ScaledObject take over the HPA named in `advanced.horizontalPodAutoscalerConfig.name`.
 */
const KEDA_TRANSFER_HPA_OWNERSHIP = 'scaledobject.keda.sh/transfer-hpa-ownership';

const FALLBACK_BEHAVIORS = ['static', 'currentReplicas', 'currentReplicasIfHigher', 'currentReplicasIfLower'];

/**
 * A `keda.sh/v1alpha1` ScaledObject with KEDA's prometheus trigger, instead of our HPA and adapter: the query sums
 * the messages of exactly the target Deployment's pods in its namespace (stale pushgateway groups read 0) and
 * returns one element; `metricType: AverageValue` with `threshold` = the per-pod target makes KEDA's HPA want
 * ceil(total / threshold) replicas (`desiredReplicasExternal` models it).
 */
export class KedaScaledObject extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly target: ScaleTarget;
  public readonly rule: AdapterRule;
  public readonly serverAddress: string;
  public readonly threshold: number;
  public readonly minReplicaCount: number;
  public readonly maxReplicaCount: number;
  /** The PromQL of the trigger. */
  public readonly query: string;
  public readonly scaleUpStabilization: Duration;
  public readonly scaleDownStabilization: Duration;
  /** The name of the HPA KEDA scales through: `keda-hpa-<name>`, or the adopted HPA's. */
  public readonly hpaName: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: KedaScaledObjectProps) {
    super(scope, id);
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, KEDA_SCALED_OBJECT_PROPS) ?? c.fail();
    const { target, rule } = checkTargetAndRule(c, this, props, 'an AdapterRule (its series settings)');
    const targetName =
      target &&
      c.check(() => {
        checkDnsLabel(this, 'target.name', target.name);
        if (target.name.length > MAX_EXTERNAL_DEPLOYMENT_NAME) {
          throw propError(
            this,
            'target.name',
            target.name,
            `at most ${MAX_EXTERNAL_DEPLOYMENT_NAME} characters: longer Deployment names are cut in pod names, which the query matches by the Deployment's name`,
          );
        }
        return target.name;
      });
    const namespace = target && c.check(() => checkDnsLabel(this, 'target.namespace', target.namespace));
    // the default name follows target.name: a bad one is reported once
    const givenName = props.name ?? targetName;
    const name =
      givenName === undefined
        ? undefined
        : c.check(() => {
            checkDnsLabel(this, 'name', givenName);
            if (KEDA_HPA_PREFIX.length + givenName.length > 63) {
              throw propError(
                this,
                'name',
                givenName,
                `at most ${63 - KEDA_HPA_PREFIX.length} characters: KEDA names its HPA ${KEDA_HPA_PREFIX}<name> and labels it with that name (app.kubernetes.io/name), a label value of at most 63 characters`,
              );
            }
            return givenName;
          });
    // KEDA appends /api/v1/query
    const serverAddress = c.check(() => checkUrl(this, 'serverAddress', props.serverAddress).replace(/\/+$/, ''));
    const threshold = c.check(() => checkNumber(this, 'threshold', props.threshold ?? 100, 0.001));
    const minReplicaCount = c.check(() => checkInteger(this, 'minReplicaCount', props.minReplicaCount ?? 1, 0, 1000));
    const maxReplicaCount = c.check(() => checkInteger(this, 'maxReplicaCount', props.maxReplicaCount ?? 5, 1, 1000));
    if (minReplicaCount !== undefined && maxReplicaCount !== undefined && minReplicaCount > maxReplicaCount) {
      c.check(() => {
        throw propError(this, 'minReplicaCount', minReplicaCount, `at most maxReplicaCount (${maxReplicaCount})`);
      });
    }
    const activation =
      props.activationThreshold === undefined
        ? undefined
        : c.check(() => checkNumber(this, 'activationThreshold', props.activationThreshold!, 0));
    const polling =
      props.pollingInterval === undefined
        ? undefined
        : c.check(() =>
            checkDuration(this, 'pollingInterval', props.pollingInterval!, Duration.seconds(1), Duration.hours(1)),
          );
    const cooldown =
      props.cooldownPeriod === undefined
        ? undefined
        : c.check(() =>
            checkDuration(this, 'cooldownPeriod', props.cooldownPeriod!, Duration.seconds(0), Duration.days(1)),
          );
    const fallbackProps =
      props.fallback === undefined ? undefined : checkPropsIn(c, this, 'fallback', props.fallback, KEDA_FALLBACK);
    const fallback =
      fallbackProps === undefined ? undefined : c.check(() => this.checkFallback(fallbackProps, maxReplicaCount));
    const adopt =
      props.adoptHpa === undefined ? undefined : c.check(() => checkDnsLabel(this, 'adoptHpa', props.adoptHpa!));
    const behavior = c.check(() => renderBehavior(this, props))!;
    c.throwIfAny();
    this.target = target!;
    this.rule = rule!;
    this.namespace = namespace!;
    this.name = name!;
    this.serverAddress = serverAddress!;
    this.threshold = threshold!;
    this.minReplicaCount = minReplicaCount!;
    this.maxReplicaCount = maxReplicaCount!;
    this.hpaName = adopt ?? `${KEDA_HPA_PREFIX}${this.name}`;
    this.scaleUpStabilization = Duration.seconds(behavior.scaleUp.stabilizationWindowSeconds!);
    this.scaleDownStabilization = Duration.seconds(behavior.scaleDown.stabilizationWindowSeconds!);
    this.query = this.rule.totalQuery(this.namespace, this.target.name);
    this.target.interlok?.markAutoscaled(this, this.maxReplicaCount);

    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: recommendedLabels({ name: 'interlok', instance: this.target.name, component: 'autoscaler' }),
        ...(adopt ? { annotations: { [KEDA_TRANSFER_HPA_OWNERSHIP]: 'true' } } : {}),
      },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.target.name },
        ...(polling ? { pollingInterval: polling.toSeconds() } : {}),
        ...(cooldown ? { cooldownPeriod: cooldown.toSeconds() } : {}),
        minReplicaCount: this.minReplicaCount,
        maxReplicaCount: this.maxReplicaCount,
        ...(fallback ? { fallback } : {}),
        advanced: { horizontalPodAutoscalerConfig: { ...(adopt ? { name: adopt } : {}), behavior } },
        triggers: [
          {
            type: 'prometheus',
            name: 'interlok-messages',
            // a trigger field, not metadata; KEDA 2.16 rejects a fallback unless it is written out
            metricType: 'AverageValue',
            metadata: {
              serverAddress: this.serverAddress,
              query: this.query,
              threshold: String(this.threshold),
              ...(activation !== undefined ? { activationThreshold: String(activation) } : {}),
            },
          },
        ],
      },
    });

    const index = AppIndex.of(this);
    this.node.addValidation({ validate: () => this.crossCheck(index) });
  }

  /** `fallback.replicas` is checked against a valid maxReplicaCount only (undefined: skipped). */
  private checkFallback(f: KedaFallback, maxReplicaCount: number | undefined): Record<string, unknown> {
    if (f === null || typeof f !== 'object')
      throw propError(this, 'fallback', f, '{ failureThreshold, replicas, behavior? }');
    const c = new PropChecks();
    const failureThreshold = c.check(() =>
      checkInteger(this, 'fallback.failureThreshold', f.failureThreshold, 1, 1000),
    );
    const replicas =
      maxReplicaCount === undefined
        ? undefined
        : c.check(() => checkInteger(this, 'fallback.replicas', f.replicas, 1, maxReplicaCount));
    c.check(() => {
      if (f.behavior !== undefined && !FALLBACK_BEHAVIORS.includes(f.behavior)) {
        throw propError(this, 'fallback.behavior', f.behavior, `one of ${FALLBACK_BEHAVIORS.join(', ')}`);
      }
    });
    c.throwIfAny();
    return { failureThreshold, replicas, ...(f.behavior ? { behavior: f.behavior } : {}) };
  }

  private crossCheck(index: AppIndex): string[] {
    const errors: string[] = [];
    const t = this.target;
    const same = (o: { target: ScaleTarget }) => o.target.name === t.name && o.target.namespace === t.namespace;
    const hpas = index.ofType(MessageMetricsHpa).filter(same);
    if (hpas.length > 0) {
      errors.push(
        `Deployment ${t.namespace}/${t.name} is scaled by ScaledObject ${this.node.path} and by HPA ${hpas.map((h) => h.node.path).join(', ')}: one workload takes one autoscaler (KEDA's webhook rejects the ScaledObject, or both fight over the replicas); use Scaler.keda() or Scaler.hpa(), not both`,
      );
    }
    const objects = index.ofType(KedaScaledObject);
    const rivals = objects.filter((o) => o !== this && same(o));
    if (rivals.length > 0 && objects.indexOf(rivals[0]) < objects.indexOf(this)) {
      errors.push(
        `Deployment ${t.namespace}/${t.name} is also scaled by ScaledObject ${rivals.map((r) => r.node.path).join(', ')}: KEDA admits one ScaledObject per workload`,
      );
    }
    const external = index.ofType(PrometheusAdapter).filter((a) => a.externalApiService !== undefined);
    if (external.length > 0) {
      errors.push(
        `prometheus-adapter ${external.map((a) => a.node.path).join(', ')} registers v1beta1.external.metrics.k8s.io, which KEDA's metrics server serves for ScaledObject ${this.node.path}: leave the adapter out or set its externalMetrics: false`,
      );
    }
    if (t.interlok && t.interlok.metricsSource.kind !== this.rule.metricsSource.kind) {
      errors.push(
        `rule ${this.rule.node.path} counts ${this.rule.metricsSource.kind === 'scrape' ? 'scraped' : 'pushed'} metrics but Interlok ${t.interlok.node.path} ${t.interlok.metricsSource.kind === 'scrape' ? 'is scraped' : 'pushes'}: give both the same metricsSource`,
      );
    }
    const pushed = t.interlok?.metricNames;
    if (this.rule.metricsSource.kind === 'pushgateway' && pushed && !pushed.includes(this.rule.seriesName)) {
      errors.push(
        `ScaledObject ${this.node.path} counts series "${this.rule.seriesName}" but Interlok ${t.interlok!.node.path} pushes ${pushed.length ? pushed.map((n) => `"${n}"`).join(', ') : 'no message-metrics-interceptor'}`,
      );
    }
    return errors;
  }
}

function checkNumber(scope: Construct, prop: string, value: number, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > 1e12) {
    throw propError(scope, prop, value, `a number from ${min} to 1e12`);
  }
  return value;
}
