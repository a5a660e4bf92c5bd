import { Duration, Testing } from 'cdk8s';
import {
  AdapterRule,
  KedaScaledObject,
  MessageMetricsHpa,
  NetworkPeer,
  Scaler,
  ScaleTarget,
  ScalingPolicy,
} from '../lib';
import { DEMO_IMAGE, demoChart, demoInterlok, emptyChart, find, synthChart, synthStack } from './helpers';
import { validateManifest } from './k8s-schema';

const SERVER = 'http://prometheus-operated.monitoring.svc:9090';

describe('KedaScaledObject', () => {
  test("on an existing Deployment: snapshot, the guide's meaning and KEDA's fields", () => {
    const chart = emptyChart();
    new KedaScaledObject(chart, 'So', {
      target: ScaleTarget.deployment('interlok', 'integration'),
      rule: new AdapterRule(chart, 'Rule'),
      serverAddress: `${SERVER}/`,
    });
    const objects = synthChart(chart);
    expect(objects).toMatchSnapshot();
    const so = find(objects, 'ScaledObject', 'interlok');
    validateManifest(so);
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.metadata.namespace).toBe('integration');
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'interlok' });
    // not KEDA's 0: scale to zero only when asked
    expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([1, 5]);
    expect(so.spec.triggers).toHaveLength(1);
    const t = so.spec.triggers[0];
    expect(t.type).toBe('prometheus');
    expect(t.metricType).toBe('AverageValue');
    expect(t.metadata.serverAddress).toBe(SERVER); // KEDA appends /api/v1/query
    expect(t.metadata.threshold).toBe('100');
    const pods = 'interlok-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}';
    expect(t.metadata.query).toBe(
      `sum(max by (k8s_pod_name) (MessageMetrics{k8s_namespace="integration",k8s_pod_name=~"${pods}"} * (time() - push_time_seconds{k8s_namespace="integration",k8s_pod_name=~"${pods}"} < bool 30))) or vector(0)`,
    );
    expect(t.metadata.query).not.toMatch(/\bby \(k8s_pod_name\)\)? or/);
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(so.spec.fallback).toBeUndefined();
  });

  test("the query is the adapter's External rule with the request filled in: one definition of the Deployment's pods", () => {
    const rule = new AdapterRule(emptyChart(), 'Rule');
    const template = rule.toExternalConfig().metricsQuery;
    const filled = template
      .split('<<index .LabelValuesByName "k8s_namespace">>')
      .join('ns')
      .split('<<index .LabelValuesByName "deployment">>')
      .join('x');
    expect(rule.totalQuery('ns', 'x')).toBe(filled);
  });

  test('every prop: scale to zero, activation, intervals, fallback with metricType, HPA behaviour', () => {
    const chart = emptyChart();
    new KedaScaledObject(chart, 'So', {
      target: ScaleTarget.deployment('interlok', 'default'),
      rule: new AdapterRule(chart, 'Rule'),
      serverAddress: SERVER,
      name: 'interlok-keda',
      threshold: 50,
      minReplicaCount: 0,
      maxReplicaCount: 8,
      activationThreshold: 5,
      pollingInterval: Duration.seconds(15),
      cooldownPeriod: Duration.minutes(10),
      fallback: { failureThreshold: 3, replicas: 2, behavior: 'currentReplicasIfHigher' },
      scaleDown: { stabilizationWindow: Duration.minutes(2), policies: [ScalingPolicy.pods(1, Duration.minutes(1))] },
    });
    const so = find(synthChart(chart), 'ScaledObject', 'interlok-keda');
    validateManifest(so);
    expect(so.spec).toMatchObject({
      minReplicaCount: 0,
      maxReplicaCount: 8,
      pollingInterval: 15,
      cooldownPeriod: 600,
      fallback: { failureThreshold: 3, replicas: 2, behavior: 'currentReplicasIfHigher' },
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleDown: {
              stabilizationWindowSeconds: 120,
              selectPolicy: 'Max',
              policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
            },
          },
        },
      },
    });
    expect(so.spec.triggers[0]).toMatchObject({
      metricType: 'AverageValue',
      metadata: { threshold: '50', activationThreshold: '5' },
    });
  });

  test('adoptHpa: KEDA takes over the named HPA (its transfer annotation and the HPA name), only when named', () => {
    const chart = emptyChart();
    const so = new KedaScaledObject(chart, 'So', {
      target: ScaleTarget.deployment('interlok', 'default'),
      rule: new AdapterRule(chart, 'Rule'),
      serverAddress: SERVER,
      adoptHpa: 'interlok-autoscaler',
    });
    const plain = new KedaScaledObject(chart, 'Other', {
      target: ScaleTarget.deployment('other', 'default'),
      rule: new AdapterRule(chart, 'Rule2'),
      serverAddress: SERVER,
    });
    const objects = synthChart(chart);
    const adopting = find(objects, 'ScaledObject', 'interlok');
    validateManifest(adopting);
    expect(adopting.metadata.annotations).toEqual({ 'scaledobject.keda.sh/transfer-hpa-ownership': 'true' });
    expect(adopting.spec.advanced.horizontalPodAutoscalerConfig.name).toBe('interlok-autoscaler');
    expect(so.hpaName).toBe('interlok-autoscaler');
    const other = find(objects, 'ScaledObject', 'other');
    expect(other.metadata.annotations).toBeUndefined();
    expect(other.spec.advanced.horizontalPodAutoscalerConfig.name).toBeUndefined();
    expect(plain.hpaName).toBe('keda-hpa-other');
    expect(
      () =>
        new KedaScaledObject(chart, 'Bad', {
          target: ScaleTarget.deployment('x', 'default'),
          rule: new AdapterRule(chart, 'Rule3'),
          serverAddress: SERVER,
          adoptHpa: 'Interlok_HPA',
        }),
    ).toThrow(/^\[test\/Bad\] adoptHpa: got "Interlok_HPA", expected/);
  });

  test("Scaler.keda({ adoptHpa }) in the chart: the first Interlok's ScaledObject adopts the HPA Scaler.hpa() names", () => {
    const hpaName = synthStack().find((o) => o.kind === 'HorizontalPodAutoscaler')!.metadata.name;
    const app = Testing.app();
    const chart = demoChart(app, 'test', { scaler: Scaler.keda({ adoptHpa: hpaName }) });
    chart.addInterlok('team-b', { image: DEMO_IMAGE, namespace: 'team-b' });
    const sos = Testing.synth(chart).filter((o: any) => o.kind === 'ScaledObject');
    expect(
      sos.map((o: any) => [
        o.metadata.namespace,
        o.spec.advanced.horizontalPodAutoscalerConfig.name ?? null,
        o.metadata.annotations ?? null,
      ]),
    ).toEqual([
      ['default', hpaName, { 'scaledobject.keda.sh/transfer-hpa-ownership': 'true' }],
      ['team-b', null, null],
    ]);
  });

  test('bad single props throw at once, naming the prop', () => {
    const chart = emptyChart();
    const rule = new AdapterRule(chart, 'Rule');
    const target = ScaleTarget.deployment('interlok', 'default');
    expect(() => new KedaScaledObject(chart, 'A', { target, rule, serverAddress: 'prometheus:9090' })).toThrow(
      '[test/A] serverAddress: got "prometheus:9090", expected an http:// or https:// URL',
    );
    expect(() => new KedaScaledObject(chart, 'B', { target, rule, serverAddress: SERVER, minReplicaCount: 6 })).toThrow(
      '[test/B] minReplicaCount: got 6, expected at most maxReplicaCount (5)',
    );
    expect(() => new KedaScaledObject(chart, 'C', { target, rule, serverAddress: SERVER, threshold: 0 })).toThrow(
      '[test/C] threshold: got 0, expected a number from 0.001 to 1e12',
    );
    expect(
      () =>
        new KedaScaledObject(chart, 'D', {
          target,
          rule,
          serverAddress: SERVER,
          fallback: { failureThreshold: 3, replicas: 2, behavior: 'sometimes' as any },
        }),
    ).toThrow(
      '[test/D] fallback.behavior: got "sometimes", expected one of static, currentReplicas, currentReplicasIfHigher, currentReplicasIfLower',
    );
    expect(
      () =>
        new KedaScaledObject(chart, 'E', {
          target: ScaleTarget.deployment('x'.repeat(47), 'default'),
          rule,
          serverAddress: SERVER,
        }),
    ).toThrow(/target.name: .* at most 46 characters/);
  });

  test("a name KEDA's HPA cannot carry (keda-hpa-<name> beyond 63 characters) is refused with the reason", () => {
    const rule = new AdapterRule(emptyChart(), 'Rule');
    const target = ScaleTarget.deployment('interlok', 'default');
    const make = (name: string) =>
      new KedaScaledObject(emptyChart(), 'So', { target, rule, serverAddress: SERVER, name });
    expect(make('n'.repeat(54)).name).toHaveLength(54);
    for (const length of [55, 63]) {
      expect(() => make('n'.repeat(length))).toThrow(
        `[test/So] name: got "${'n'.repeat(length)}", expected at most 54 characters: KEDA names its HPA keda-hpa-<name> and labels it with that name (app.kubernetes.io/name), a label value of at most 63 characters`,
      );
    }
    // in the chart, as Scaler.keda({ name })
    expect(() => demoChart(emptyChart(), 'Stack', { scaler: Scaler.keda({ name: 'n'.repeat(60) }) })).toThrow(
      'name: got "' + 'n'.repeat(60) + '", expected at most 54 characters',
    );
  });

  test('one workload is never scaled by both an HPA and a ScaledObject, nor by two ScaledObjects', () => {
    const chart = emptyChart();
    const rule = new AdapterRule(chart, 'Rule', { external: false });
    const target = ScaleTarget.deployment('interlok', 'default');
    new MessageMetricsHpa(chart, 'Hpa', { target, rule, metric: require('../lib').ScaleMetric.podsAverage() });
    new KedaScaledObject(chart, 'So', { target, rule, serverAddress: SERVER });
    new KedaScaledObject(chart, 'So2', { target, rule, serverAddress: SERVER, name: 'other' });
    expect(() => Testing.synth(chart)).toThrow(
      /Deployment default\/interlok is scaled by ScaledObject test\/So and by HPA test\/Hpa: one workload takes one autoscaler/,
    );
    expect(() => Testing.synth(chart)).toThrow(
      /Deployment default\/interlok is also scaled by ScaledObject test\/So: KEDA admits one ScaledObject per workload/,
    );
  });

  test('an InterlokDeployment it scales loses spec.replicas and gets a PodDisruptionBudget', () => {
    const chart = emptyChart();
    const interlok = demoInterlok(chart, 'Interlok');
    new KedaScaledObject(chart, 'So', {
      target: ScaleTarget.interlok(interlok),
      rule: new AdapterRule(chart, 'Rule'),
      serverAddress: SERVER,
    });
    const objects = synthChart(chart);
    expect(find(objects, 'Deployment', 'interlok').spec.replicas).toBeUndefined();
    expect(find(objects, 'PodDisruptionBudget', 'interlok').spec.maxUnavailable).toBe(1);
  });
});

describe('InterlokAutoscalingChart with Scaler.keda()', () => {
  const objects = synthStack({ scaler: Scaler.keda() });

  test('snapshot: a ScaledObject instead of our HPA, no adapter and no APIService', () => {
    expect(objects).toMatchSnapshot();
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(objects.filter((o) => o.kind === 'APIService')).toEqual([]);
    expect(objects.filter((o) => /adapter/.test(o.metadata.name))).toEqual([]);
    const so = find(objects, 'ScaledObject', 'interlok');
    expect(so.spec.triggers[0].metadata.serverAddress).toBe(
      'http://interlok-scaling-prometheus.interlok-scaling.svc:80',
    );
    expect(find(objects, 'Deployment', 'interlok').spec.replicas).toBeUndefined();
  });

  test("KEDA's operator may query the stack's Prometheus", () => {
    const from = find(objects, 'NetworkPolicy', 'interlok-scaling-prometheus').spec.ingress[0].from;
    expect(from).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'keda-operator' } },
      },
    ]);
    const own = synthStack({
      scaler: Scaler.keda({ operatorPeer: NetworkPeer.pods('autoscaling', { app: 'keda-operator' }) }),
    });
    expect(
      find(own, 'NetworkPolicy', 'interlok-scaling-prometheus').spec.ingress[0].from[0].namespaceSelector.matchLabels[
        'kubernetes.io/metadata.name'
      ],
    ).toBe('autoscaling');
  });

  test('an adapter asked for keeps its custom metrics API only: KEDA owns the external one', () => {
    const withAdapter = synthStack({ scaler: Scaler.keda(), monitoring: { adapter: true } });
    expect(withAdapter.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name)).toEqual([
      'v1beta1.custom.metrics.k8s.io',
    ]);
    expect(() =>
      synthStack({ scaler: Scaler.keda(), monitoring: { adapter: true, adapterOptions: { externalMetrics: true } } }),
    ).toThrow(/registers v1beta1.external.metrics.k8s.io, which KEDA's metrics server serves/);
  });

  test("the chart's choices", () => {
    expect(() => demoChart(Testing.app(), 'x', { scaler: Scaler.keda(), autoscaler: { maxReplicas: 3 } })).toThrow(
      '[x] autoscaler: got {"maxReplicas":3}, expected no HPA settings with Scaler.keda()',
    );
    expect(() => demoChart(Testing.app(), 'x', { scaler: Scaler.keda(), monitoring: { prometheus: false } })).toThrow(
      /scaler.serverAddress: got undefined/,
    );
    const existing = synthStack({
      scaler: Scaler.keda({ maxReplicaCount: 3 }),
      monitoring: {
        prometheus: false,
        existingPrometheusUrl: `${SERVER}/`,
        allowScrapeFrom: [NetworkPeer.pods('monitoring', { app: 'prometheus' })],
      },
      rule: { scrapeInterval: Duration.seconds(30) },
    });
    const so = find(existing, 'ScaledObject', 'interlok');
    expect(so.spec.maxReplicaCount).toBe(3);
    expect(so.spec.triggers[0].metadata.serverAddress).toBe(SERVER);
    expect(so.spec.triggers[0].metadata.query).toContain('< bool 50)');
  });

  test('the default chart is unchanged: Scaler.hpa()', () => {
    expect(synthStack({ scaler: Scaler.hpa() })).toEqual(synthStack());
  });
});
