import { Duration } from 'cdk8s';
import { PodMonitor, Scaler, ServiceMonitor } from '../lib';
import { emptyChart, find, synthChart, synthStack } from './helpers';
import { validateManifest } from './k8s-schema';
import { securityFindings } from './security-scan';

describe('a cluster that runs kube-prometheus-stack', () => {
  const objects = synthStack({ monitoring: { kubePrometheusStack: {} } });

  test("snapshot: no Prometheus of ours, a ServiceMonitor for the pushgateway, the adapter on the stack's Prometheus", () => {
    expect(objects).toMatchSnapshot();
    expect(objects.filter((o) => /prometheus-server/.test(o.metadata.name))).toEqual([]);
    const sm = find(objects, 'ServiceMonitor', 'interlok-scaling-pushgateway');
    validateManifest(sm);
    expect(sm.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(sm.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s', honorLabels: true }]);
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['interlok-scaling'] });
    const svc = find(objects, 'Service', 'interlok-scaling-pushgateway');
    expect(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v)).toBe(true);
    expect(svc.spec.ports.map((p: any) => p.name)).toContain('http');
    const adapter = find(objects, 'Deployment', 'interlok-scaling-adapter').spec.template.spec.containers[0];
    expect(adapter.args).toContain('--prometheus-url=http://prometheus-operated.monitoring.svc:9090/');
  });

  test("the rule's stale window follows the monitor's interval: push 10 s + scrape 30 s + 10 s", () => {
    const config = find(objects, 'ConfigMap', 'interlok-scaling-adapter').data['config.yaml'];
    expect(config).toContain('< bool 50))');
    const faster = synthStack({
      monitoring: { kubePrometheusStack: { interval: Duration.seconds(15), release: 'kps' } },
    });
    expect(find(faster, 'ServiceMonitor', 'interlok-scaling-pushgateway').metadata.labels.release).toBe('kps');
    expect(find(faster, 'ConfigMap', 'interlok-scaling-adapter').data['config.yaml']).toContain('< bool 35))');
  });

  test("the pushgateway admits the stack's Prometheus pods", () => {
    const from = find(objects, 'NetworkPolicy', 'interlok-scaling-pushgateway').spec.ingress.flatMap(
      (r: any) => r.from,
    );
    expect(from).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
    });
    expect(securityFindings(objects)).toEqual([]);
  });

  test("with KEDA: the ScaledObject queries the stack's Prometheus and nothing of an adapter is left", () => {
    const keda = synthStack({
      scaler: Scaler.keda(),
      monitoring: {
        kubePrometheusStack: { prometheusUrl: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090/' },
      },
    });
    expect(
      keda.filter(
        (o) => /adapter/.test(o.metadata.name) || o.kind === 'APIService' || o.kind === 'HorizontalPodAutoscaler',
      ),
    ).toEqual([]);
    const so = find(keda, 'ScaledObject', 'interlok');
    expect(so.spec.triggers[0].metadata.serverAddress).toBe(
      'http://kube-prometheus-stack-prometheus.monitoring.svc:9090',
    );
    expect(so.spec.triggers[0].metadata.query).toContain('< bool 50)');
    for (const o of keda) validateManifest(o);
  });

  test('bad props', () => {
    expect(() => synthStack({ monitoring: { kubePrometheusStack: { release: 'a b' } } })).toThrow(
      '[interlok-autoscaling/Monitoring/ServiceMonitor] release: got "a b"',
    );
    expect(() => synthStack({ monitoring: { kubePrometheusStack: {}, prometheus: true } })).toThrow(
      '[interlok-autoscaling/Monitoring] prometheus: got true, expected false or unset with kubePrometheusStack',
    );
    expect(() => new PodMonitor(emptyChart(), 'P', { namespace: 'x', selector: {} })).toThrow(
      '[test/P] selector: got {}, expected at least one label of the pods',
    );
  });

  test('the monitors on their own', () => {
    const chart = emptyChart();
    new ServiceMonitor(chart, 'Sm', { selector: { app: 'pgw' }, port: 'http', namespace: 'obs', release: 'prom' });
    new PodMonitor(chart, 'Pm', {
      selector: { app: 'interlok' },
      namespace: 'integration',
      interval: Duration.seconds(15),
    });
    const out = synthChart(chart);
    expect(out).toMatchSnapshot();
    for (const o of out) validateManifest(o);
    expect(find(out, 'PodMonitor', 'interlok').spec.podMetricsEndpoints).toEqual([
      { port: 'http', path: '/prometheus/metrics', interval: '15s', honorLabels: false },
    ]);
  });

  test('the field-list check catches a misspelt field', () => {
    const sm = JSON.parse(JSON.stringify(find(objects, 'ServiceMonitor', 'interlok-scaling-pushgateway')));
    sm.spec.endpoints[0].honorLabel = true;
    expect(() => validateManifest(sm)).toThrow(
      'monitoring.coreos.com/v1/ServiceMonitor spec.endpoints[0]: unknown field honorLabel',
    );
  });
});
