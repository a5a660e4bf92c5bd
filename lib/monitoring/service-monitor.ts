import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { checkDnsLabel, checkServiceName, propError, PropChecks } from '../kit/checks';
import { recommendedLabels } from '../kit/labels';
import {
  checkInterval,
  checkNamespaces,
  checkRelease,
  DEFAULT_MONITOR_INTERVAL,
  DEFAULT_RELEASE,
  RELEASE_LABEL,
} from './_monitor';
import { checkPropsIn, propsKeys } from '../kit/props';
import { DEFAULT_NAMES } from '../kit/monitoring-names';

export interface ServiceMonitorProps {
  /** The Service's labels to select it by. */
  readonly selector: Record<string, string>;
  /** The name of the Service port to scrape. */
  readonly port: string;
  /**
   * @default 'interlok-scaling' (MonitoringNames.ours())
   */
  readonly namespace?: string;
  /**
   * @default 'interlok-scaling-pushgateway' (MonitoringNames.ours())
   */
  readonly name?: string;
  /**
   * Namespaces of the selected Services.
   * @default - the monitor's own namespace
   */
  readonly namespaces?: string[];
  /**
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * How often Prometheus scrapes; an AdapterRule's `scrapeInterval` must be at least this.
   * @default Duration.seconds(30) (kube-prometheus-stack's default)
   */
  readonly interval?: Duration;
  /**
   * The `release` label, which kube-prometheus-stack's Prometheus selects monitors by (its Helm release name:
   * `helm list -A | grep kube-prometheus-stack`).
   * @default 'kube-prometheus-stack'
   */
  readonly release?: string;
}

export const SERVICE_MONITOR_PROPS = propsKeys<ServiceMonitorProps>('ServiceMonitorProps', {
  interval: 1,
  name: 1,
  namespace: 1,
  namespaces: 1,
  path: 1,
  port: 1,
  release: 1,
  selector: 1,
});

/**
 * A prometheus-operator `ServiceMonitor` with `honorLabels: true`: for the pushgateway, whose pushed `job`,
 * `k8s_namespace` and `k8s_pod_name` must survive the scrape. A plain `ApiObject` (no CRD import needed).
 */
export class ServiceMonitor extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly interval: Duration;
  public readonly release: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    super(scope, id);
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, SERVICE_MONITOR_PROPS) ?? c.fail();
    this.name = c.check(() => checkDnsLabel(this, 'name', props.name ?? DEFAULT_NAMES.pushgateway))!;
    this.namespace = c.check(() => checkDnsLabel(this, 'namespace', props.namespace ?? DEFAULT_NAMES.namespace))!;
    this.release = c.check(() => checkRelease(this, props.release ?? DEFAULT_RELEASE))!;
    this.interval = props.interval ?? DEFAULT_MONITOR_INTERVAL;
    const interval = c.check(() => checkInterval(this, this.interval));
    // the default follows namespace: a bad one is reported once
    const namespaces =
      props.namespaces !== undefined || this.namespace !== undefined
        ? c.check(() => checkNamespaces(this, props.namespaces ?? [this.namespace]))
        : undefined;
    c.check(() => checkServiceName(this, 'port', props.port));
    c.check(() => {
      if (props.selector === null || typeof props.selector !== 'object' || Object.keys(props.selector).length === 0)
        throw propError(this, 'selector', props.selector, 'at least one label of the Service');
    });
    c.throwIfAny();
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: {
          ...recommendedLabels({ name: 'interlok', instance: this.name, component: 'service-monitor' }),
          [RELEASE_LABEL]: this.release,
        },
      },
      spec: {
        selector: { matchLabels: props.selector },
        namespaceSelector: { matchNames: namespaces },
        // keep the pushed labels (job, k8s_namespace, k8s_pod_name) instead of renaming them exported_*
        endpoints: [{ port: props.port, path: props.path ?? '/metrics', interval, honorLabels: true }],
      },
    });
  }
}
