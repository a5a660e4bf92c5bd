import { Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from '../imports/k8s';
import { AppIndex } from './kit/app-index';
import {
  checkDnsLabel,
  checkDnsSubdomain,
  checkDuration,
  checkInteger,
  checkMetricName,
  propError,
  PropChecks,
} from './kit/checks';
import { AdapterRule, DEPLOYMENT_SELECTOR_LABEL, MAX_EXTERNAL_DEPLOYMENT_NAME } from './monitoring/adapter-rule';
import { InterlokDeployment } from './interlok-deployment';
import { recommendedLabels } from './kit/labels';
import { PrometheusAdapter } from './monitoring/prometheus-adapter';
import { checkPropsIn, propsKeys } from './kit/props';
import { inputError } from './model/_input';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, HpaScalingRules } from './model/simulation';

/** What the HPA scales. */
export class ScaleTarget {
  /** An InterlokDeployment of this app: its `spec.replicas` is dropped and its metric names are checked. */
  public static interlok(deployment: InterlokDeployment): ScaleTarget {
    if (!(deployment instanceof InterlokDeployment)) {
      throw inputError(
        'ScaleTarget.interlok',
        'deployment',
        deployment,
        'an InterlokDeployment of this app (or ScaleTarget.deployment(name, namespace) for one that exists)',
      );
    }
    return new ScaleTarget(deployment.name, deployment.namespace, deployment);
  }

  /** A Deployment that exists in the cluster already. Leave `spec.replicas` out of its manifest. */
  public static deployment(name: string, namespace: string): ScaleTarget {
    return new ScaleTarget(name, namespace);
  }

  private constructor(
    public readonly name: string,
    public readonly namespace: string,
    public readonly interlok?: InterlokDeployment,
  ) {}
}

/** Which metric the HPA scales on. */
export class ScaleMetric {
  /**
   * The rule's External metric: the messages of all the Deployment's pods summed, against the per-pod target as
   * an `AverageValue` (the HPA wants ceil(total / target) replicas). It reads 0 when no pod has pushed, so the HPA
   * reaches minReplicas after a rollout while idle or after the pushgateway was replaced while idle. Needs the
   * cluster's external metrics API (`v1beta1.external.metrics.k8s.io`), which KEDA also registers.
   */
  public static externalTotal(): ScaleMetric {
    return new ScaleMetric('External');
  }

  /**
   * The guide's Pods metric: the average over the pods that have a series. Pods that never pushed count at the
   * target when scaling down, and with no series at all the HPA holds its count: after a rollout while idle it
   * stays up until traffic returns. For clusters whose external metrics API belongs to KEDA or another adapter.
   */
  public static podsAverage(): ScaleMetric {
    return new ScaleMetric('Pods');
  }

  private constructor(public readonly type: 'External' | 'Pods') {}
}

/** One HPA scaling policy: at most `value` pods or percent per period. */
export class ScalingPolicy {
  public static pods(value: number, period: Duration): ScalingPolicy {
    return new ScalingPolicy('Pods', value, period);
  }

  public static percent(value: number, period: Duration): ScalingPolicy {
    return new ScalingPolicy('Percent', value, period);
  }

  private constructor(
    public readonly type: 'Pods' | 'Percent',
    public readonly value: number,
    public readonly period: Duration,
  ) {}
}

export interface ScalingRules {
  /**
   * The HPA acts on the most conservative recommendation within this window.
   * @default - 0 s up, 300 s down (the Kubernetes defaults)
   */
  readonly stabilizationWindow?: Duration;
  /**
   * @default - up: 100 % or 4 pods per 15 s, whichever is more; down: 100 % per 15 s
   */
  readonly policies?: ScalingPolicy[];
}

export const SCALING_RULES = propsKeys<ScalingRules>('ScalingRules', { policies: 1, stabilizationWindow: 1 });

/** The HPA's settings, apart from what it scales and on which rule. */
export interface AutoscalerOptions {
  /**
   * @default ScaleMetric.externalTotal()
   */
  readonly metric?: ScaleMetric;
  /**
   * The metric name, if you want it stated; synth fails when it differs from the rule's.
   * @default - the rule's metric name (its External metric name with ScaleMetric.externalTotal())
   */
  readonly metricName?: string;
  /**
   * Average per pod above which the HPA scales up (the guide: 100).
   * @default 100
   */
  readonly averageValue?: number;
  /**
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * @default 5
   */
  readonly maxReplicas?: number;
  /**
   * @default - the target Deployment's name + `-autoscaler` (`interlok-autoscaler` for the guide's)
   */
  readonly name?: string;
  /**
   * @default - the Kubernetes defaults, written out
   */
  readonly scaleUp?: ScalingRules;
  /**
   * @default - the Kubernetes defaults, written out
   */
  readonly scaleDown?: ScalingRules;
}

export const AUTOSCALER_OPTIONS = propsKeys<AutoscalerOptions>(
  'AutoscalerOptions',
  { averageValue: 1, maxReplicas: 1, metric: 1, metricName: 1, minReplicas: 1, name: 1, scaleDown: 1, scaleUp: 1 },
  {
    aliases: {
      targetAverageValue: 'averageValue',
      targetValue: 'averageValue',
      target: 'averageValue',
      metricsName: 'metricName',
      minReplicaCount: 'minReplicas',
      maxReplicaCount: 'maxReplicas',
      behavior: 'scaleUp and scaleDown',
    },
    nested: { scaleUp: SCALING_RULES, scaleDown: SCALING_RULES },
  },
);

export interface MessageMetricsHpaProps extends AutoscalerOptions {
  /** The Deployment to scale. */
  readonly target: ScaleTarget;
  /** The adapter rule that serves the metric; the HPA uses its API metric name. */
  readonly rule: AdapterRule;
}

export const MESSAGE_METRICS_HPA_PROPS = propsKeys<MessageMetricsHpaProps, AutoscalerOptions>(
  'MessageMetricsHpaProps',
  { rule: 1, target: 1 },
  { extends: [AUTOSCALER_OPTIONS] },
);

/**
 * An `autoscaling/v2` HPA with an `AverageValue` target of messages per pod: the guide's `autoscale-interlok.yaml`
 * (v2beta1, `extensions/v1beta1` target) in the API current clusters serve, by default on the External metric
 * that also scales an idle Deployment down (see ScaleMetric).
 */
export class MessageMetricsHpa extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly metric: ScaleMetric;
  public readonly metricName: string;
  public readonly averageValue: number;
  public readonly minReplicas: number;
  public readonly maxReplicas: number;
  public readonly target: ScaleTarget;
  public readonly rule: AdapterRule;
  public readonly scaleUpStabilization: Duration;
  public readonly scaleDownStabilization: Duration;
  public readonly resource: k8s.KubeHorizontalPodAutoscalerV2;

  constructor(scope: Construct, id: string, props: MessageMetricsHpaProps) {
    super(scope, id);
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, MESSAGE_METRICS_HPA_PROPS) ?? c.fail();
    const { target, rule } = checkTargetAndRule(c, this, props, 'an AdapterRule');
    // a Deployment name is a DNS-1123 subdomain: dots are allowed (see the External metric below)
    const targetName = target && c.check(() => checkDnsSubdomain(this, 'target.name', target.name));
    if (target) c.check(() => checkDnsLabel(this, 'target.namespace', target.namespace));
    // defaults that follow another prop are checked only when that prop is valid: a bad one is reported once
    const name = props.name ?? (targetName === undefined ? undefined : `${targetName}-autoscaler`);
    if (name !== undefined) c.check(() => checkDnsSubdomain(this, 'name', name));
    const metric = c.check(() => {
      const given = props.metric ?? ScaleMetric.externalTotal();
      if (!(given instanceof ScaleMetric))
        throw propError(
          this,
          'metric',
          given,
          'a ScaleMetric (ScaleMetric.externalTotal() or ScaleMetric.podsAverage())',
        );
      return given;
    });
    const external = metric?.type === 'External';
    const metricName =
      props.metricName ?? (rule && metric ? (external ? rule.externalMetricName : rule.metricName) : undefined);
    if (metricName !== undefined) c.check(() => checkMetricName(this, 'metricName', metricName));
    if (external && targetName !== undefined) {
      c.check(() => {
        if (targetName.includes('.')) {
          throw propError(
            this,
            'target.name',
            targetName,
            "no dots with ScaleMetric.externalTotal(): the adapter rule matches the Deployment's pods by name in a regular expression its template cannot escape (ScaleMetric.podsAverage() takes dotted names)",
          );
        }
        if (targetName.length > MAX_EXTERNAL_DEPLOYMENT_NAME) {
          throw propError(
            this,
            'target.name',
            targetName,
            `at most ${MAX_EXTERNAL_DEPLOYMENT_NAME} characters with ScaleMetric.externalTotal(): longer Deployment names are cut in pod names, which the rule matches by the Deployment's name`,
          );
        }
      });
    }
    const averageValue = props.averageValue ?? 100;
    c.check(() => {
      if (
        typeof averageValue !== 'number' ||
        !Number.isFinite(averageValue) ||
        averageValue < 0.001 ||
        averageValue > 1e12
      ) {
        throw propError(
          this,
          'averageValue',
          averageValue,
          'a number from 0.001 to 1e12 (quantities have milli precision)',
        );
      }
    });
    const minReplicas = c.check(() => checkInteger(this, 'minReplicas', props.minReplicas ?? 1, 1, 1000));
    const maxReplicas = c.check(() => checkInteger(this, 'maxReplicas', props.maxReplicas ?? 5, 1, 1000));
    if (minReplicas !== undefined && maxReplicas !== undefined && minReplicas > maxReplicas) {
      c.check(() => {
        throw propError(this, 'minReplicas', minReplicas, `at most maxReplicas (${maxReplicas})`);
      });
    }
    const behavior = c.check(() => renderBehavior(this, props));
    c.throwIfAny();
    this.target = target!;
    this.rule = rule!;
    this.namespace = this.target.namespace;
    this.name = name!;
    this.metric = metric!;
    this.metricName = metricName!;
    this.averageValue = averageValue;
    this.minReplicas = minReplicas!;
    this.maxReplicas = maxReplicas!;
    const { scaleUp, scaleDown } = behavior!;

    this.scaleUpStabilization = Duration.seconds(scaleUp.stabilizationWindowSeconds!);
    this.scaleDownStabilization = Duration.seconds(scaleDown.stabilizationWindowSeconds!);
    this.target.interlok?.markAutoscaled(this, this.maxReplicas);

    this.resource = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: recommendedLabels({ name: 'interlok', instance: this.target.name, component: 'autoscaler' }),
      },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.target.name },
        minReplicas: this.minReplicas,
        maxReplicas: this.maxReplicas,
        metrics: [this.renderMetric()],
        behavior: { scaleUp, scaleDown },
      },
    });

    const index = AppIndex.of(this);
    this.node.addValidation({ validate: () => this.crossCheck(index) });
  }

  private renderMetric(): k8s.MetricSpecV2 {
    const target = { type: 'AverageValue', averageValue: k8s.Quantity.fromString(quantity(this.averageValue)) };
    if (this.metric.type === 'Pods') return { type: 'Pods', pods: { metric: { name: this.metricName }, target } };
    return {
      type: 'External',
      external: {
        metric: { name: this.metricName, selector: { matchLabels: { [DEPLOYMENT_SELECTOR_LABEL]: this.target.name } } },
        target,
      },
    };
  }

  private crossCheck(index: AppIndex): string[] {
    const errors: string[] = [];
    const t = this.target;
    const key = `${t.namespace}/${t.name}`;
    const byTarget = index.memo('hpas by target', () =>
      groupBy(index.ofType(MessageMetricsHpa), (h) => `${h.target.namespace}/${h.target.name}`),
    );
    const rivals = byTarget.get(key)!;
    if (rivals.length > 1 && rivals[0] !== this) {
      errors.push(
        `Deployment ${key} is also scaled by ${rivals
          .filter((r) => r !== this)
          .map((r) => r.node.path)
          .join(', ')}: only one HPA may scale a workload, or they fight over its replicas`,
      );
    }
    const interloks = index.ofType(InterlokDeployment);
    const interlokKeys = index.memo(
      'interloks by key',
      () => new Set(interloks.map((d) => `${d.namespace}/${d.name}`)),
    );
    const namesAnInterlok = interlokKeys.has(key);
    if (!t.interlok && interloks.length > 0 && !namesAnInterlok) {
      const some = interloks
        .slice(0, 5)
        .map((d) => `${d.namespace}/${d.name}`)
        .join(', ');
      errors.push(
        `HPA target Deployment ${key} is none of this app's Interlok Deployments (${some}${interloks.length > 5 ? `, ... ${interloks.length} in all` : ''})`,
      );
    }
    if (!t.interlok && namesAnInterlok) {
      errors.push(
        `HPA target ${key} is an InterlokDeployment of this app: use ScaleTarget.interlok(...) so its spec.replicas is left to the HPA`,
      );
    }
    if (!index.knownNamespaces().has(this.namespace)) {
      errors.push(
        `HPA ${this.namespace}/${this.name} is in namespace "${this.namespace}", which this app does not create: create it (a Namespace object) or declare it with new ExistingNamespaces(scope, id, { names: ['${this.namespace}'] })`,
      );
    }
    const adapters = index.ofType(PrometheusAdapter);
    if (adapters.length > 0 && !adapters.some((a) => a.serves(this.rule))) {
      errors.push(
        `adapter rule ${this.rule.node.path} is served by no prometheus-adapter of this app (${adapters.map((a) => a.node.path).join(', ')}): add it with addRule`,
      );
    }
    const served = this.metric.type === 'External' ? this.rule.externalMetricName : this.rule.metricName;
    if (this.metricName !== served) {
      errors.push(
        `HPA metric "${this.metricName}" is not the ${this.metric.type} metric "${served}" that adapter rule ${this.rule.node.path} serves`,
      );
    }
    if (this.metric.type === 'External' && !this.rule.external) {
      errors.push(
        `HPA ${this.node.path} scales on the External metric but adapter rule ${this.rule.node.path} has external: false: turn it on, or use ScaleMetric.podsAverage()`,
      );
    }
    if (this.target.interlok && this.target.interlok.metricsSource.kind !== this.rule.metricsSource.kind) {
      errors.push(
        `rule ${this.rule.node.path} counts ${this.rule.metricsSource.kind === 'scrape' ? 'scraped' : 'pushed'} metrics but Interlok ${this.target.interlok.node.path} ${this.target.interlok.metricsSource.kind === 'scrape' ? 'is scraped' : 'pushes'}: give both the same metricsSource`,
      );
    }
    const pushed = this.target.interlok?.metricNames;
    if (pushed && !pushed.includes(this.rule.seriesName)) {
      errors.push(
        `adapter rule ${this.rule.node.path} reads series "${this.rule.seriesName}" but Interlok ${this.target.interlok!.node.path} pushes ${pushed.length ? pushed.map((n) => `"${n}"`).join(', ') : 'no message-metrics-interceptor'} (interceptor unique-id without dashes)`,
      );
    }
    return errors;
  }
}

/**
 * The HPA `behavior` from ScalingRules, the Kubernetes defaults written out where none are given; the errors of
 * both directions together.
 */
export function renderBehavior(
  scope: IConstruct,
  props: { readonly scaleUp?: ScalingRules; readonly scaleDown?: ScalingRules },
): { scaleUp: k8s.HpaScalingRulesV2; scaleDown: k8s.HpaScalingRulesV2 } {
  const c = new PropChecks();
  const scaleUp = c.check(() => renderRules(scope, 'scaleUp', props.scaleUp, ...defaultRules(DEFAULT_SCALE_UP)));
  const scaleDown = c.check(() =>
    renderRules(scope, 'scaleDown', props.scaleDown, ...defaultRules(DEFAULT_SCALE_DOWN)),
  );
  c.throwIfAny();
  return { scaleUp: scaleUp!, scaleDown: scaleDown! };
}

/** The model's defaults as a stabilization window and ScalingPolicies. */
function defaultRules(rules: HpaScalingRules): [Duration, ScalingPolicy[]] {
  const policies = rules.policies.map((p) =>
    (p.type === 'Pods' ? ScalingPolicy.pods : ScalingPolicy.percent)(p.value, Duration.seconds(p.periodSeconds)),
  );
  return [Duration.seconds(rules.stabilizationWindowSeconds), policies];
}

function renderRules(
  scope: IConstruct,
  prop: string,
  rules: ScalingRules | undefined,
  window: Duration,
  policies: ScalingPolicy[],
): k8s.HpaScalingRulesV2 {
  const c = new PropChecks();
  rules = checkPropsIn(c, scope, prop, rules, SCALING_RULES) ?? c.fail();
  const stabilization = c.check(() =>
    checkDuration(
      scope,
      `${prop}.stabilizationWindow`,
      rules?.stabilizationWindow ?? window,
      Duration.seconds(0),
      Duration.hours(1),
    ),
  );
  const list = rules?.policies ?? policies;
  if (!Array.isArray(list) || list.length === 0)
    c.check(() => {
      throw propError(scope, `${prop}.policies`, list, 'at least one ScalingPolicy');
    });
  const rendered = (Array.isArray(list) ? list : []).map((p, i) =>
    c.check(() => {
      if (!(p instanceof ScalingPolicy))
        throw propError(scope, `${prop}.policies[${i}]`, p, 'a ScalingPolicy (ScalingPolicy.pods or .percent)');
      const one = new PropChecks();
      one.check(() => checkInteger(scope, `${prop}.policies[${i}].value`, p.value, 1, 10000));
      const period = one.check(() =>
        checkDuration(scope, `${prop}.policies[${i}].period`, p.period, Duration.seconds(1), Duration.minutes(30)),
      );
      one.throwIfAny();
      return { type: p.type, value: p.value, periodSeconds: period!.toSeconds() };
    }),
  );
  c.throwIfAny();
  return {
    stabilizationWindowSeconds: stabilization!.toSeconds(),
    selectPolicy: 'Max',
    policies: rendered.map((p) => p!),
  };
}

/** Renders a target as a Kubernetes quantity: whole numbers plain, fractions in milli-units. */
export function quantity(value: number): string {
  return Number.isInteger(value) ? String(value) : `${Math.round(value * 1000)}m`;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** What an HPA and a ScaledObject both need: the Deployment they scale and the rule that gives its metric. */
export function checkTargetAndRule(
  c: PropChecks,
  scope: IConstruct,
  props: { target?: unknown; rule?: unknown },
  ruleExpected: string,
): { target?: ScaleTarget; rule?: AdapterRule } {
  const target = c.check(() => {
    if (!(props?.target instanceof ScaleTarget)) {
      throw propError(
        scope,
        'target',
        props?.target,
        'a ScaleTarget (ScaleTarget.interlok(deployment) or ScaleTarget.deployment(name, namespace))',
      );
    }
    return props.target;
  });
  const rule = c.check(() => {
    if (!(props?.rule instanceof AdapterRule)) throw propError(scope, 'rule', props?.rule, ruleExpected);
    return props.rule;
  });
  return { target, rule };
}
