import { createHash } from 'crypto';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { checkDnsLabel, propError, PropChecks } from './kit/checks';
import { AdapterRule } from './monitoring/adapter-rule';
import { recommendedLabels } from './kit/labels';
import { MessageMetricsHpa } from './message-metrics-hpa';
import { checkPropsIn, propsKeys } from './kit/props';
import { deploymentPodRegex, perPodFreshQuery } from './model/deployment-query';

export interface GrafanaDashboardProps {
  /** The namespace of the ConfigMap (the Grafana sidecar searches its own or every namespace). */
  readonly namespace: string;
  /** The HPA whose Deployment, target and replicas the dashboard shows; its rule gives the series and labels. */
  readonly hpa: MessageMetricsHpa;
  /**
   * Whether the Prometheus the dashboard reads has kube-state-metrics' series (kube-prometheus-stack's has): the
   * replicas panel and the "target × current replicas" line come from them, and would be empty without. The
   * chart sets false with its own Prometheus, which scrapes only the pushgateway.
   * @default true
   */
  readonly kubeStateMetrics?: boolean;
}

export const GRAFANA_DASHBOARD_PROPS = propsKeys<GrafanaDashboardProps>('GrafanaDashboardProps', {
  hpa: 1,
  kubeStateMetrics: 1,
  namespace: 1,
});

/**
 * A Grafana dashboard as a ConfigMap for the Grafana sidecar (label `grafana_dashboard: "1"`, as kube-prometheus-stack
 * and the Grafana chart look for): MessageMetrics per pod and in total (fresh groups only, as the adapter reads them),
 * the HPA's target, and desired/current replicas from kube-state-metrics where the Prometheus it reads has them.
 */
export class GrafanaDashboard extends Construct {
  /** The dashboard's JSON model (classic, schemaVersion 39). */
  public readonly dashboard: Record<string, any>;
  public readonly configMap: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, GRAFANA_DASHBOARD_PROPS) ?? c.fail();
    const namespace = c.check(() => checkDnsLabel(this, 'namespace', props.namespace));
    const hpa = props.hpa;
    c.check(() => {
      if (!(hpa instanceof MessageMetricsHpa)) throw propError(this, 'hpa', hpa, 'a MessageMetricsHpa of this app');
    });
    const ksm = props.kubeStateMetrics ?? true;
    c.check(() => {
      if (typeof ksm !== 'boolean') throw propError(this, 'kubeStateMetrics', ksm, 'true or false');
    });
    c.throwIfAny();
    this.dashboard = GrafanaDashboard.model(hpa.rule, hpa, ksm);
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name: `${hpa.target.name}-scaling-dashboard`,
        namespace,
        labels: {
          ...recommendedLabels({ name: 'interlok', instance: hpa.target.name, component: 'dashboard' }),
          grafana_dashboard: '1',
        },
      },
      // Grafana's legend {{label}} written as JSON escapes, so that a Helm chart of the stack (static templates)
      // does not read it as a template action; Grafana parses the same string
      data: {
        [`${hpa.target.name}-scaling.json`]: JSON.stringify(this.dashboard, null, 2).replace(/\{\{/g, '\\u007b\\u007b'),
      },
    });
  }

  /** The dashboard JSON for an HPA and its rule; the kube-state-metrics panel and line only with `kubeStateMetrics`. */
  public static model(rule: AdapterRule, hpa: MessageMetricsHpa, kubeStateMetrics = true): Record<string, any> {
    const ns = hpa.namespace;
    const deployment = hpa.target.name;
    const pods = `${rule.namespaceLabel}="${ns}",${rule.podLabel}=~"${deploymentPodRegex(deployment)}"`;
    const perPod = perPodFreshQuery({
      series: rule.seriesName,
      matchers: pods,
      groupBy: rule.podLabel,
      staleAfterSeconds: rule.staleAfter.toSeconds(),
    });
    const ksm = `namespace="${ns}",horizontalpodautoscaler="${hpa.name}"`;
    const ds = { type: 'prometheus', uid: '${datasource}' };
    const target = (refId: string, expr: string, legendFormat: string) => ({
      refId,
      datasource: ds,
      expr,
      legendFormat,
    });
    const panel = (
      id: number,
      title: string,
      y: number,
      x: number,
      w: number,
      targets: any[],
      description: string,
    ) => ({
      id,
      type: 'timeseries',
      title,
      description,
      datasource: ds,
      gridPos: { x, y, w, h: 8 },
      targets,
      fieldConfig: { defaults: { min: 0 }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom' } },
    });
    return {
      // Grafana keeps 40 characters of a uid: a cut name plus a hash of the whole one, so two Interloks never share it
      uid: `${`interlok-scaling-${ns}-${deployment}`.slice(0, 31)}-${createHash('sha256').update(`${ns}/${deployment}`).digest('hex').slice(0, 8)}`,
      title: `Interlok scaling: ${ns}/${deployment}`,
      tags: ['interlok', 'autoscaling'],
      editable: true,
      schemaVersion: 39,
      time: { from: 'now-1h', to: 'now' },
      refresh: '10s',
      templating: {
        list: [
          {
            name: 'datasource',
            label: 'Data source',
            type: 'datasource',
            query: 'prometheus',
            current: { selected: true, text: 'default', value: 'default' },
            hide: 0,
          },
        ],
      },
      panels: [
        panel(
          1,
          `${rule.seriesName} per pod`,
          0,
          0,
          12,
          [
            target('A', perPod, `{{${rule.podLabel}}}`),
            target('B', `vector(${hpa.averageValue})`, 'HPA target per pod'),
          ],
          `Messages each pod pushed in its last interval; a group older than ${rule.staleAfter.toSeconds()} s reads 0, as the adapter reads it.`,
        ),
        panel(
          2,
          `${rule.seriesName} in total`,
          0,
          12,
          12,
          [
            target('A', `sum(${perPod}) or vector(0)`, `total (External metric ${rule.externalMetricName})`),
            ...(kubeStateMetrics
              ? [
                  target(
                    'B',
                    `${hpa.averageValue} * max(kube_horizontalpodautoscaler_status_current_replicas{${ksm}})`,
                    'target × current replicas',
                  ),
                ]
              : []),
          ],
          kubeStateMetrics
            ? 'The total the HPA reads as its External metric; it scales up when the total passes target × replicas (needs kube-state-metrics for the second line).'
            : `The total the HPA reads as its External metric; it scales up when the total passes ${hpa.averageValue} × replicas.`,
        ),
        ...(kubeStateMetrics
          ? [
              panel(
                3,
                'Replicas (kube-state-metrics)',
                8,
                0,
                24,
                [
                  target('A', `max(kube_horizontalpodautoscaler_status_desired_replicas{${ksm}})`, 'desired'),
                  target('B', `max(kube_horizontalpodautoscaler_status_current_replicas{${ksm}})`, 'current'),
                  target('C', `max(kube_horizontalpodautoscaler_spec_min_replicas{${ksm}})`, 'min'),
                  target('D', `max(kube_horizontalpodautoscaler_spec_max_replicas{${ksm}})`, 'max'),
                ],
                `Desired and current replicas of HPA ${hpa.name}; empty where kube-state-metrics does not run.`,
              ),
            ]
          : []),
      ],
    };
  }
}
