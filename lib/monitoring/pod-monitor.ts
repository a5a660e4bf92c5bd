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

export interface PodMonitorProps {
  /** The pods' labels to select them by. */
  readonly selector: Record<string, string>;
  /** The namespace of the monitor (and, by default, of the pods). */
  readonly namespace: string;
  /**
   * @default 'interlok'
   */
  readonly name?: string;
  /**
   * The name of the container port to scrape (prometheus-operator finds no target for an unnamed port).
   * @default 'http'
   */
  readonly port?: string;
  /**
   * Namespaces of the selected pods.
   * @default - the monitor's own namespace
   */
  readonly namespaces?: string[];
  /**
   * @default '/prometheus/metrics' (Interlok's metrics-provider-prometheus)
   */
  readonly path?: string;
  /**
   * How often Prometheus scrapes; an AdapterRule's `scrapeInterval` must be at least this.
   * @default Duration.seconds(30) (kube-prometheus-stack's default)
   */
  readonly interval?: Duration;
  /**
   * The `release` label kube-prometheus-stack's Prometheus selects monitors by (its Helm release name).
   * @default 'kube-prometheus-stack'
   */
  readonly release?: string;
  /**
   * Keep the scraped labels when they collide with the target's. Off, so that a pod cannot report series labelled
   * with another pod's `namespace` or `pod`: the target's labels win (the page's own become `exported_*`).
   * @default false
   */
  readonly honorLabels?: boolean;
}

export const POD_MONITOR_PROPS = propsKeys<PodMonitorProps>('PodMonitorProps', {
  honorLabels: 1,
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
 * A prometheus-operator `PodMonitor`: kube-prometheus-stack's Prometheus scrapes the selected pods directly and
 * labels their series with `namespace` and `pod` (Interlok 4.1+/5.x, scrape mode). A plain `ApiObject`.
 *
 * No `fallbackScrapeProtocol`: Interlok's endpoint answers `Content-Type: text/plain` (4.1 to 5.0.7), which
 * Prometheus 3 parses as the 0.0.4 text format, so it is not needed; and the field exists only in PodMonitor CRDs of
 * prometheus-operator 0.79.1 and later (0.79.0 named it `scrapeFallbackProtocol`), so on a kube-prometheus-stack whose
 * CRDs are older, kubectl's strict field validation would refuse the whole object for it.
 */
export class PodMonitor extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly interval: Duration;
  public readonly release: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: PodMonitorProps) {
    super(scope, id);
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, POD_MONITOR_PROPS) ?? c.fail();
    this.name = c.check(() => checkDnsLabel(this, 'name', props.name ?? 'interlok'))!;
    this.namespace = c.check(() => checkDnsLabel(this, 'namespace', props.namespace))!;
    this.release = c.check(() => checkRelease(this, props.release ?? DEFAULT_RELEASE))!;
    this.interval = props.interval ?? DEFAULT_MONITOR_INTERVAL;
    const interval = c.check(() => checkInterval(this, this.interval));
    // the default follows namespace: a bad one is reported once
    const namespaces =
      props.namespaces !== undefined || this.namespace !== undefined
        ? c.check(() => checkNamespaces(this, props.namespaces ?? [this.namespace]))
        : undefined;
    const port = c.check(() => checkServiceName(this, 'port', props.port ?? 'http'));
    c.check(() => {
      if (props.selector === null || typeof props.selector !== 'object' || Object.keys(props.selector).length === 0)
        throw propError(this, 'selector', props.selector, 'at least one label of the pods');
    });
    c.throwIfAny();
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: {
          ...recommendedLabels({ name: 'interlok', instance: this.name, component: 'pod-monitor' }),
          [RELEASE_LABEL]: this.release,
        },
      },
      spec: {
        selector: { matchLabels: props.selector },
        namespaceSelector: { matchNames: namespaces },
        podMetricsEndpoints: [
          { port, path: props.path ?? '/prometheus/metrics', interval, honorLabels: props.honorLabels ?? false },
        ],
      },
    });
  }
}
