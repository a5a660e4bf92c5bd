import { join, resolve } from 'path';
import { App, Chart, ChartProps, YamlOutputType } from 'cdk8s';
import { AppIndex } from './kit/app-index';
import { checkArray, propError, PropChecks } from './kit/checks';
import { checkProps, checkPropsIn, propsKeys } from './kit/props';
import { ExistingNamespaces } from './existing/existing-namespaces';
import { Construct } from 'constructs';
import { ADAPTER_RULE_PROPS, AdapterRule, AdapterRuleProps } from './monitoring/adapter-rule';
import {
  IMAGE_EXPECTED,
  INTERLOK_DEPLOYMENT_PROPS,
  InterlokDeployment,
  InterlokDeploymentProps,
  InterlokImage,
} from './interlok-deployment';
import { isLabelValue, MANAGED_BY, STACK_LABEL, stackMark } from './kit/labels';
import {
  AUTOSCALER_OPTIONS,
  AutoscalerOptions,
  MessageMetricsHpa,
  ScaleMetric,
  ScaleTarget,
  SCALING_RULES,
} from './message-metrics-hpa';
import { GrafanaDashboard } from './grafana-dashboard';
import {
  KUBE_PROMETHEUS_STACK_OPTIONS,
  MONITORING_STACK_PROPS,
  MonitoringStack,
  MonitoringStackProps,
} from './monitoring/monitoring-stack';
import { NetworkPeer } from './monitoring/network-peer';
import { ScrapedPods } from './monitoring/prometheus-server';
import { ReactionTimes, worstCaseReactionTimes } from './model/reaction-time';
import { KEDA_FALLBACK, KedaScaledObject } from './keda-scaled-object';
import { InterlokLoadJob } from './load-job';
import { KEDA_SCALER_OPTIONS, Scaler } from './scaler';
import { PROMETHEUS_ADAPTER_OPTIONS } from './monitoring/prometheus-adapter';

export interface InterlokAutoscalingChartProps extends ChartProps {
  /**
   * The first Interlok Deployment (more with `addInterlok`); its `image` has no default. Its pushgateway is the
   * monitoring stack's unless that runs none.
   */
  readonly interlok: InterlokDeploymentProps;
  /**
   * @default - pushgateway, Prometheus and prometheus-adapter in `monitoring`
   */
  readonly monitoring?: MonitoringStackProps;
  /**
   * The adapter rules' settings; `seriesName` is the series the first Interlok scales on. Interloks added with
   * `addInterlok` share the rule of their series, or get one for it with these settings.
   * @default - `MessageMetrics`; the scrape interval of the stack's Prometheus; pods stale after 30 s
   */
  readonly rule?: AdapterRuleProps;
  /**
   * Settings of our HPA (with `Scaler.hpa()`): the first Interlok's, and the defaults of those added with
   * `addInterlok` (but their name).
   * @default - the guide's: average 100 per pod, 1..5 replicas
   */
  readonly autoscaler?: AutoscalerOptions;
  /**
   * Namespaces of the Interloks that exist in the cluster already.
   * @default - none
   * @deprecated an Interlok's namespace is never created unless its `createNamespace` is true, so there is
   * nothing left to declare; accepted and ignored.
   */
  readonly existingNamespaces?: string[];
  /**
   * What scales Interlok: our HPA on our adapter's metric, or a KEDA ScaledObject (no HPA, adapter rule or
   * prometheus-adapter of ours then).
   * @default Scaler.hpa()
   */
  readonly scaler?: Scaler;
  /**
   * A Grafana dashboard ConfigMap (label `grafana_dashboard: "1"`) in the monitoring namespace for the first
   * Interlok (those added with `addInterlok` get one with their own `dashboard: true`).
   * @default true
   */
  readonly dashboard?: boolean;
}

export const CHART_PROPS = propsKeys<ChartProps>('ChartProps', {
  disableResourceNameHashes: 1,
  labels: 1,
  namespace: 1,
});
export const INTERLOK_AUTOSCALING_CHART_PROPS = propsKeys<InterlokAutoscalingChartProps, ChartProps>(
  'InterlokAutoscalingChartProps',
  { autoscaler: 1, dashboard: 1, existingNamespaces: 1, interlok: 1, monitoring: 1, rule: 1, scaler: 1 },
  {
    extends: [CHART_PROPS],
    aliases: { hpa: 'autoscaler', adapterRule: 'rule', networkPolicies: 'monitoring.networkPolicies' },
    nested: {
      interlok: INTERLOK_DEPLOYMENT_PROPS,
      monitoring: MONITORING_STACK_PROPS,
      rule: ADAPTER_RULE_PROPS,
      autoscaler: AUTOSCALER_OPTIONS,
    },
  },
);

/** Options of `InterlokAutoscalingChart.synthLoadJob`. */
export interface LoadJobOptions {
  /**
   * The Interlok whose `/in-box` gets the requests.
   * @default - the chart's first Interlok
   */
  readonly interlok?: InterlokDeployment;
  /**
   * Requests to send.
   * @default 150 (the guide's)
   */
  readonly count?: number;
  /**
   * The directory the Job's file is written to; not the app's own outdir, where `kubectl apply -f <outdir>/` would
   * run it with the stack.
   * @default - `extras/` in the app's outdir (`dist/extras/`): `kubectl apply -f dist/` does not recurse into it
   */
  readonly outdir?: string;
}

export const LOAD_JOB_OPTIONS = propsKeys<LoadJobOptions>('LoadJobOptions', { count: 1, interlok: 1, outdir: 1 });

/** One more Interlok of a fleet on the chart's monitoring stack. */
export interface FleetInterlokProps extends InterlokDeploymentProps {
  /**
   * Its HPA; unset settings come from the chart's `autoscaler`.
   * @default - the chart's autoscaler settings, named `<name>-autoscaler`
   */
  readonly autoscaler?: AutoscalerOptions;
  /**
   * The series its HPA scales on. Interloks that push the same series share one adapter rule.
   * @default - the first metric its adapter.xml pushes; `MessageMetrics` with the image's configuration
   */
  readonly scaleOn?: string;
  /**
   * A Grafana dashboard ConfigMap of its own. Off by default: a ConfigMap per Interlok makes a large fleet's
   * synthesis markedly slower and bigger (bench/RESULTS.md).
   * @default false
   */
  readonly dashboard?: boolean;
}

export const FLEET_INTERLOK_PROPS = propsKeys<FleetInterlokProps, InterlokDeploymentProps>(
  'FleetInterlokProps',
  { autoscaler: 1, dashboard: 1, scaleOn: 1 },
  { extends: [INTERLOK_DEPLOYMENT_PROPS], nested: { autoscaler: AUTOSCALER_OPTIONS } },
);

/**
 * An Interlok of the chart, wired: pushgateway, push admission, namespace, adapter rule, and its HPA or ScaledObject.
 */
export interface AutoscaledInterlok {
  readonly interlok: InterlokDeployment;
  readonly rule: AdapterRule;
  /** With Scaler.hpa(). */
  readonly autoscaler?: MessageMetricsHpa;
  /** With Scaler.keda(). */
  readonly scaledObject?: KedaScaledObject;
}

/**
 * Kubernetes kinds in the order `kubectl apply -f` must create them (Helm's install order): namespaces and RBAC
 * before what runs as them, the APIService after the Service it points to.
 */
export const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'Ingress',
  'APIService',
  'ScaledObject',
];

/**
 * The guide's whole autoscaling stack in one chart: Interlok pushing `MessageMetrics` to a pushgateway,
 * Prometheus scraping it, prometheus-adapter serving it, and an HPA scaling Interlok on it. More Interloks (other
 * teams, namespaces, images, metrics) join the same monitoring stack with `addInterlok`, each wired completely:
 * the pushgateway endpoint, its admission by the pushgateway's NetworkPolicy, its namespace, one adapter rule per
 * metric name, and its own HPA.
 */
export class InterlokAutoscalingChart extends Chart {
  public readonly monitoring: MonitoringStack;
  /** The first Interlok, its rule and HPA. */
  public readonly interlok: InterlokDeployment;
  public readonly rule: AdapterRule;
  /** Our HPA of the first Interlok (with Scaler.hpa()). */
  public readonly autoscaler?: MessageMetricsHpa;
  /** The KEDA ScaledObject of the first Interlok (with Scaler.keda()). */
  public readonly scaledObject?: KedaScaledObject;
  /** Every Interlok of the chart, the first one included. */
  public readonly interloks: AutoscaledInterlok[] = [];
  private readonly rules = new Map<string, AdapterRule>();
  /** The namespaces whose Namespace object the chart emits. */
  private readonly namespaces = new Set<string>();
  private readonly external: boolean;
  private readonly scaler: Scaler;
  private readonly props: InterlokAutoscalingChartProps;

  constructor(scope: Construct, id: string, props: InterlokAutoscalingChartProps) {
    super(scope, id, chartProps(scope, id, props));
    // every bad prop of the chart's own at once (nested blocks' keys included); then those its parts check
    const c = new PropChecks();
    props = checkChartProps(c, this, props);
    checkNested(c, this, props);
    this.props = props;
    const scaler = c.check(() => {
      const given = props.scaler ?? Scaler.hpa();
      if (!(given instanceof Scaler))
        throw propError(this, 'scaler', given, 'a Scaler (Scaler.hpa() or Scaler.keda({...}))');
      return given;
    });
    this.scaler = scaler!;
    const keda = scaler?.kind === 'keda';
    if (keda && props.autoscaler !== undefined) {
      c.check(() => {
        throw propError(
          this,
          'autoscaler',
          props.autoscaler,
          "no HPA settings with Scaler.keda(): give the ScaledObject's settings to Scaler.keda({...})",
        );
      });
    }
    // named as the user wrote it, before anything is built from it
    c.check(() => {
      if (!(props.interlok?.image instanceof InterlokImage))
        throw propError(this, 'interlok.image', props.interlok?.image, IMAGE_EXPECTED);
    });
    const existing = c.check(() => checkArray(this, 'existingNamespaces', props.existingNamespaces, 'namespace names'));
    c.throwIfAny();
    // A Pods-metric HPA needs no external metrics API, and a cluster with KEDA has one already (KEDA's).
    this.external = !keda && (props.autoscaler?.metric ?? ScaleMetric.externalTotal()).type === 'External';
    const monitoring = (scrapePods?: ScrapedPods[]) => {
      const stack = new MonitoringStack(this, 'Monitoring', {
        // Interlok 4.1+/5.x is scraped: no pushgateway unless asked for
        ...(scrapePods ? { pushgateway: false, scrapePods } : {}),
        ...props.monitoring,
        // with KEDA nothing needs an adapter, unless asked for
        adapter: props.monitoring?.adapter ?? !keda,
        adapterOptions: { externalMetrics: this.external, ...props.monitoring?.adapterOptions },
      });
      stack._propsPath = 'monitoring.';
      return stack;
    };
    // the first Interlok's errors and the stack's together: each part is built, and a part whose own props are bad
    // still lets the other report its own
    let first: InterlokDeployment | undefined;
    let stack: MonitoringStack | undefined;
    if (props.interlok?.metricsSource?.kind === 'scrape') {
      // Prometheus is configured with the pods it scrapes: this Interlok first, then the stack
      first = c.check(() => new InterlokDeployment(this, 'Interlok', props.interlok));
      if (first) stack = c.check(() => monitoring([{ namespace: first!.namespace, podSelector: first!.podSelector }]));
    } else {
      stack = c.check(() => monitoring());
      // the stack's pushgateway is the only input it gives the Interlok (a valid default stands in for it)
      if (!stack) c.check(() => new InterlokDeployment(this, 'Interlok', props.interlok));
    }
    c.throwIfAny();
    this.monitoring = stack!;
    if (existing!.length) new ExistingNamespaces(this, 'ExistingNamespaces', { names: existing! });
    if (this.monitoring.namespaceObject) this.namespaces.add(this.monitoring.namespace);

    const wired = this.wire(
      this,
      props.interlok,
      props.autoscaler,
      props.rule?.seriesName,
      props.dashboard ?? true,
      first,
    );
    ({
      interlok: this.interlok,
      rule: this.rule,
      autoscaler: this.autoscaler,
      scaledObject: this.scaledObject,
    } = wired);
    AppIndex.of(this);
  }

  /** Adds an Interlok to the stack, wired completely; its HPA (or ScaledObject) is named after it. */
  public addInterlok(id: string, props: FleetInterlokProps): AutoscaledInterlok {
    const at = `addInterlok(${id})`;
    const c = new PropChecks();
    props = checkPropsIn(c, this, at, props, FLEET_INTERLOK_PROPS) ?? c.fail();
    c.check(() => {
      if (!(props.image instanceof InterlokImage)) throw propError(this, `${at}.image`, props.image, IMAGE_EXPECTED);
    });
    const { autoscaler, scaleOn, dashboard, ...interlok } = props;
    // its keys are not checked where the whole block is refused (with KEDA, below)
    const keda = this.scaler.kind === 'keda';
    if (!keda) checkPropsIn(c, this, `${at}.autoscaler`, autoscaler, AUTOSCALER_OPTIONS);
    if (interlok.metricsSource?.kind === 'scrape') {
      c.check(() => {
        throw propError(
          this,
          `${at}.metricsSource`,
          'MetricsSource.scrape(...)',
          "MetricsSource.pushgateway(): the stack's Prometheus is configured with the scraped pods when it is built, so a fleet of scraped Interloks is one chart per Interlok for now",
        );
      });
    }
    if (keda && autoscaler !== undefined) {
      c.check(() => {
        throw propError(this, `${at}.autoscaler`, autoscaler, 'no HPA settings with Scaler.keda()');
      });
    }
    c.throwIfAny();
    const { name: _name, metricName: _metricName, ...defaults } = this.props.autoscaler ?? {};
    return this.wire(new Construct(this, id), interlok, { ...defaults, ...autoscaler }, scaleOn, dashboard ?? false);
  }

  private wire(
    scope: Construct,
    props: InterlokDeploymentProps,
    autoscaler: AutoscalerOptions | undefined,
    scaleOn: string | undefined,
    dashboard: boolean,
    built?: InterlokDeployment,
  ): AutoscaledInterlok {
    const interlok =
      built ??
      new InterlokDeployment(scope, 'Interlok', {
        ...props,
        pushgateway: props.pushgateway ?? this.monitoring.pushgatewayEndpoint,
        // asked for by several Interloks of one namespace (or the stack's): emitted once
        createNamespace: props.createNamespace && !this.namespaces.has(props.namespace ?? 'default'),
      });
    if (interlok.metricsSource.kind === 'pushgateway')
      this.monitoring.allowPushFrom(NetworkPeer.pods(interlok.namespace, interlok.podSelector));
    if (interlok.namespaceObject) this.namespaces.add(interlok.namespace);
    // the first Interlok scales on the chart's rule (its seriesName, or the series of its metrics source)
    const rule = this.ruleFor(
      scaleOn ?? (this.interloks.length === 0 ? undefined : (interlok.metricNames?.[0] ?? 'MessageMetrics')),
      interlok,
    );
    const target = ScaleTarget.interlok(interlok);
    let wired: AutoscaledInterlok;
    if (this.scaler.kind === 'keda') {
      const { operatorPeer, ...options } = this.scaler.kedaOptions ?? {};
      const serverAddress = options.serverAddress ?? this.monitoring.prometheusUrl;
      if (serverAddress === undefined) {
        throw propError(
          this,
          'scaler.serverAddress',
          serverAddress,
          'the URL of the Prometheus KEDA queries when the monitoring stack runs none (or set monitoring.existingPrometheusUrl)',
        );
      }
      if (this.interloks.length === 0)
        this.monitoring.prometheus?.allowQueryFrom(
          operatorPeer ?? NetworkPeer.pods('keda', { 'app.kubernetes.io/name': 'keda-operator' }),
        );
      // a name (and an HPA to adopt) given to Scaler.keda() is the first Interlok's; the others' ScaledObjects are
      // named after them
      const first = this.interloks.length === 0;
      const name = first ? options.name : undefined;
      const adoptHpa = first ? options.adoptHpa : undefined;
      wired = {
        interlok,
        rule,
        scaledObject: new KedaScaledObject(scope, 'ScaledObject', {
          ...options,
          name,
          adoptHpa,
          serverAddress,
          target,
          rule,
        }),
      };
    } else {
      const hpa = new MessageMetricsHpa(scope, 'Autoscaler', { ...autoscaler, target, rule });
      // the dashboard reads pushed groups; scraped counters need other panels (not written yet)
      if (dashboard && rule.metricsSource.kind === 'pushgateway') {
        this.monitoring._useNamespace();
        if (this.monitoring.namespaceObject) this.namespaces.add(this.monitoring.namespace);
        // our own Prometheus scrapes only the pushgateway: no kube-state-metrics series to draw replicas from
        new GrafanaDashboard(scope, 'Dashboard', {
          namespace: this.monitoring.namespace,
          hpa,
          kubeStateMetrics: this.monitoring.prometheus === undefined,
        });
      }
      wired = { interlok, rule, autoscaler: hpa };
    }
    this.interloks.push(wired);
    return wired;
  }

  /** One rule per series, whatever the number of Interloks pushing it: the adapter's config does not grow. */
  private ruleFor(series: string | undefined, interlok: InterlokDeployment): AdapterRule {
    let rule = series === undefined ? undefined : this.rules.get(series);
    if (!rule) {
      const shared = {
        metricsSource: interlok.metricsSource,
        scrapeInterval: this.monitoring.scrapeInterval,
        external: this.external,
        ...this.props.rule,
      };
      rule =
        this.rules.size === 0
          ? new AdapterRule(this, 'Rule', { ...shared, ...(series === undefined ? {} : { seriesName: series }) })
          : new AdapterRule(this, `Rule-${series}`, {
              ...shared,
              seriesName: series,
              metricName: undefined,
              externalMetricName: undefined,
            });
      this.monitoring.addRule(rule);
      this.rules.set(rule.seriesName, rule);
    }
    return rule;
  }

  /**
   * Writes the guide's load test, an InterlokLoadJob sending `count` GETs to an Interlok's `/in-box` from inside the
   * cluster, as a file of its own outside the stack's files (by default `dist/extras/load-job.k8s.yaml`), and
   * returns its path. Run it with `kubectl apply -f <path>`; it is never part of `kubectl apply -f dist/`.
   */
  public synthLoadJob(options: LoadJobOptions = {}): string {
    const c = new PropChecks();
    options = checkPropsIn(c, this, 'synthLoadJob', options, LOAD_JOB_OPTIONS) ?? c.fail();
    const interlok = options.interlok ?? this.interlok;
    c.check(() => {
      if (!(interlok instanceof InterlokDeployment))
        throw propError(
          this,
          'synthLoadJob.interlok',
          interlok,
          'an InterlokDeployment (one of stack.interloks[i].interlok)',
        );
    });
    const appOutdir = App.of(this).outdir;
    const outdir = options.outdir ?? join(appOutdir, 'extras');
    c.check(() => {
      if (typeof outdir !== 'string' || outdir === '' || resolve(outdir) === resolve(appOutdir)) {
        throw propError(
          this,
          'synthLoadJob.outdir',
          outdir,
          `a directory other than the app's outdir (${appOutdir}): kubectl apply -f ${appOutdir}/ would run the Job with the stack`,
        );
      }
    });
    c.throwIfAny();
    const extras = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
    // the first Interlok's file keeps the name main.ts has always written; others are named after their Interlok
    const id = interlok === this.interlok ? 'load-job' : `${interlok.namespace}-${interlok.name}-load-job`;
    new InterlokLoadJob(new Chart(extras, id), 'Job', { interlok, count: options.count });
    extras.synth();
    return join(outdir, `${id}.k8s.yaml`);
  }

  /** Worst-case reaction times of this stack (undefined: no Prometheus of its own to read intervals from). */
  public reactionTimes(): ReactionTimes | undefined {
    const prometheus = this.monitoring.prometheus;
    if (!prometheus || this.rule.metricsSource.kind !== 'pushgateway') return undefined;
    const scaler = this.autoscaler ?? this.scaledObject!;
    return worstCaseReactionTimes({
      scrapeInterval: prometheus.scrapeInterval,
      staleAfter: this.rule.staleAfter,
      scaleUpStabilization: scaler.scaleUpStabilization,
      scaleDownStabilization: scaler.scaleDownStabilization,
      // KEDA's HPA reads one External value, as ours does by default
      metricType: this.autoscaler?.metric.type ?? 'External',
    });
  }

  public toJson(): any[] {
    const rank = (o: any) => {
      const i = KIND_ORDER.indexOf(o.kind);
      return i < 0 ? KIND_ORDER.length : i;
    };
    // what `preflight` tells ours from someone else's object of the same name: every object, whatever built it
    const mark = stackMark(this.node.id);
    const marked = super.toJson().map((o) => ({
      ...o,
      metadata: {
        ...o.metadata,
        labels: { ...o.metadata?.labels, 'app.kubernetes.io/managed-by': MANAGED_BY, [STACK_LABEL]: mark },
      },
    }));
    // Array.prototype.sort is stable, so objects of one kind keep cdk8s's dependency order.
    return marked.sort((a, b) => rank(a) - rank(b));
  }
}

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * What cdk8s reads of the chart's props when it builds the Chart: a props block that is no object is refused here,
 * everything else is checked once the chart exists (checkChartProps), with its other errors.
 */
function chartProps(scope: Construct, id: string, props: InterlokAutoscalingChartProps): InterlokAutoscalingChartProps {
  if (props !== undefined && (props === null || typeof props !== 'object' || Array.isArray(props))) {
    // the chart does not exist yet: its path is its parent's and its id
    const self = { node: { path: [scope.node.path, id].filter(Boolean).join('/') } } as any;
    return checkProps(self, '', props, INTERLOK_AUTOSCALING_CHART_PROPS);
  }
  return props;
}

/** The chart's own props: no unknown keys, no namespace, valid labels. */
function checkChartProps(
  c: PropChecks,
  chart: InterlokAutoscalingChart,
  props: InterlokAutoscalingChartProps,
): InterlokAutoscalingChartProps {
  props = checkPropsIn(c, chart, '', props, INTERLOK_AUTOSCALING_CHART_PROPS) ?? c.fail();
  if (props.namespace !== undefined) {
    // cdk8s stamps a chart's namespace on every object, cluster-scoped ones too, and the Interlok would stay in default
    c.check(() => {
      throw propError(
        chart,
        'namespace',
        props.namespace,
        'no chart namespace: set interlok.namespace and monitoring.namespace, each object gets its own',
      );
    });
  }
  if (props.labels !== undefined) {
    const labels = props.labels;
    if (labels === null || typeof labels !== 'object' || Array.isArray(labels))
      c.check(() => {
        throw propError(chart, 'labels', labels, 'an object of Kubernetes labels');
      });
    else
      for (const [k, v] of Object.entries(labels)) {
        if (k.length > 317 || !LABEL_KEY.test(k))
          c.check(() => {
            throw propError(
              chart,
              'labels',
              k,
              'label keys of an optional DNS subdomain prefix and "/" and a name of at most 63 characters of A-Z, a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit',
            );
          });
        else if (!isLabelValue(v))
          c.check(() => {
            throw propError(
              chart,
              `labels.${k}`,
              v,
              'a label value: at most 63 characters of A-Z, a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit (or empty)',
            );
          });
      }
  }
  return props;
}

/** The nested blocks, checked here so that messages name them as the user wrote them (`autoscaler.maxReplica`). */
function checkNested(c: PropChecks, chart: InterlokAutoscalingChart, props: InterlokAutoscalingChartProps): void {
  checkPropsIn(c, chart, 'interlok', props.interlok, INTERLOK_DEPLOYMENT_PROPS);
  const monitoring = checkPropsIn(c, chart, 'monitoring', props.monitoring, MONITORING_STACK_PROPS);
  if (monitoring) {
    checkPropsIn(c, chart, 'monitoring.adapterOptions', monitoring.adapterOptions, PROMETHEUS_ADAPTER_OPTIONS);
    checkPropsIn(
      c,
      chart,
      'monitoring.kubePrometheusStack',
      monitoring.kubePrometheusStack,
      KUBE_PROMETHEUS_STACK_OPTIONS,
    );
  }
  checkPropsIn(c, chart, 'rule', props.rule, ADAPTER_RULE_PROPS);
  const autoscaler = checkPropsIn(c, chart, 'autoscaler', props.autoscaler, AUTOSCALER_OPTIONS);
  if (autoscaler) {
    checkPropsIn(c, chart, 'autoscaler.scaleUp', autoscaler.scaleUp, SCALING_RULES);
    checkPropsIn(c, chart, 'autoscaler.scaleDown', autoscaler.scaleDown, SCALING_RULES);
  }
  if (props.scaler instanceof Scaler && props.scaler.kedaOptions !== undefined) {
    const keda = checkPropsIn(c, chart, 'scaler', props.scaler.kedaOptions, KEDA_SCALER_OPTIONS);
    if (keda) {
      checkPropsIn(c, chart, 'scaler.scaleUp', keda.scaleUp, SCALING_RULES);
      checkPropsIn(c, chart, 'scaler.scaleDown', keda.scaleDown, SCALING_RULES);
      checkPropsIn(c, chart, 'scaler.fallback', keda.fallback, KEDA_FALLBACK);
    }
  }
}
