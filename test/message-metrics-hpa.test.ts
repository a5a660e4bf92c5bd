import { Duration, Testing } from 'cdk8s';
import {
  AdapterRule,
  ExistingNamespaces,
  InterlokConfig,
  MessageMetricsHpa,
  PrometheusAdapter,
  ScaleMetric,
  ScaleTarget,
  ScalingPolicy,
  ExistingEndpoints,
} from '../lib';
import { demoInterlok, emptyChart, find, synthChart } from './helpers';

describe('MessageMetricsHpa', () => {
  test("on an existing Deployment: snapshot and the guide's settings", () => {
    const chart = emptyChart();
    new ExistingNamespaces(chart, 'Existing', { names: ['integration'] });
    new MessageMetricsHpa(chart, 'Hpa', {
      target: ScaleTarget.deployment('interlok', 'integration'),
      rule: new AdapterRule(chart, 'Rule'),
    });
    const objects = synthChart(chart);
    expect(objects).toMatchSnapshot();
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'interlok-autoscaler');
    expect(hpa.metadata.namespace).toBe('integration');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'interlok' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        {
          type: 'External',
          external: {
            metric: { name: 'interlok_messagemetrics', selector: { matchLabels: { deployment: 'interlok' } } },
            target: { type: 'AverageValue', averageValue: '100' },
          },
        },
      ],
    });
  });

  test("ScaleMetric.podsAverage(): the guide's Pods metric", () => {
    const chart = emptyChart();
    new MessageMetricsHpa(chart, 'Hpa', {
      target: ScaleTarget.deployment('interlok', 'default'),
      rule: new AdapterRule(chart, 'Rule', { external: false }),
      metric: ScaleMetric.podsAverage(),
    });
    expect(find(synthChart(chart), 'HorizontalPodAutoscaler', 'interlok-autoscaler').spec.metrics).toEqual([
      {
        type: 'Pods',
        pods: { metric: { name: 'MessageMetrics' }, target: { type: 'AverageValue', averageValue: '100' } },
      },
    ]);
  });

  test('the External metric needs a rule that serves it, and a Deployment name that pod names keep whole', () => {
    const chart = emptyChart();
    new MessageMetricsHpa(chart, 'Hpa', {
      target: ScaleTarget.deployment('interlok', 'default'),
      rule: new AdapterRule(chart, 'Rule', { external: false }),
    });
    expect(() => Testing.synth(chart)).toThrow(
      '[test/Hpa] HPA test/Hpa scales on the External metric but adapter rule test/Rule has external: false: turn it on, or use ScaleMetric.podsAverage()',
    );
    const long = 'i'.repeat(47);
    const other = emptyChart();
    expect(
      () =>
        new MessageMetricsHpa(other, 'Hpa', {
          target: ScaleTarget.deployment(long, 'default'),
          rule: new AdapterRule(other, 'Rule'),
        }),
    ).toThrow(`[test/Hpa] target.name: got "${long}", expected at most 46 characters with ScaleMetric.externalTotal()`);
    expect(
      () =>
        new MessageMetricsHpa(emptyChart(), 'Hpa', {
          target: ScaleTarget.deployment('i'.repeat(46), 'default'),
          rule: new AdapterRule(other, 'Rule2'),
        }),
    ).not.toThrow();
  });

  test('a fractional target is a milli quantity; behaviour as given', () => {
    const chart = emptyChart();
    new MessageMetricsHpa(chart, 'Hpa', {
      target: ScaleTarget.deployment('interlok', 'default'),
      rule: new AdapterRule(chart, 'Rule', { metricName: 'orders' }),
      averageValue: 2.5,
      minReplicas: 2,
      maxReplicas: 20,
      scaleUp: { stabilizationWindow: Duration.seconds(30), policies: [ScalingPolicy.pods(2, Duration.minutes(1))] },
      scaleDown: {
        stabilizationWindow: Duration.minutes(10),
        policies: [ScalingPolicy.percent(50, Duration.minutes(2))],
      },
    });
    const spec = find(synthChart(chart), 'HorizontalPodAutoscaler', 'interlok-autoscaler').spec;
    expect(spec.metrics[0].external.target).toEqual({ type: 'AverageValue', averageValue: '2500m' });
    expect(spec.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 30,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }],
      },
      scaleDown: {
        stabilizationWindowSeconds: 600,
        selectPolicy: 'Max',
        policies: [{ type: 'Percent', value: 50, periodSeconds: 120 }],
      },
    });
    expect([spec.minReplicas, spec.maxReplicas]).toEqual([2, 20]);
  });

  test('names that disagree fail synth, every problem listed at once', () => {
    const chart = emptyChart();
    const interlok = demoInterlok(chart, 'Interlok', {
      config: InterlokConfig.fromStrings({
        adapterXml:
          '<adapter><message-metrics-interceptor><unique-id>Orders-In</unique-id></message-metrics-interceptor></adapter>',
      }),
    });
    const rule = new AdapterRule(chart, 'Rule');
    new MessageMetricsHpa(chart, 'Hpa', { target: ScaleTarget.interlok(interlok), rule, metricName: 'Messages' });
    expect(() => Testing.synth(chart)).toThrow(
      [
        'Validation failed with the following errors:',
        '  [test/Hpa] HPA metric "Messages" is not the External metric "interlok_messagemetrics" that adapter rule test/Rule serves',
        '  [test/Hpa] adapter rule test/Rule reads series "MessageMetrics" but Interlok test/Interlok pushes "OrdersIn" (interceptor unique-id without dashes)',
      ].join('\n'),
    );
  });

  test("two HPAs on one Deployment, a rule no adapter serves, a target that is not the app's Interlok", () => {
    const chart = emptyChart();
    const interlok = demoInterlok(chart, 'Interlok');
    const rule = new AdapterRule(chart, 'Rule');
    new ExistingEndpoints(chart, 'Existing', { prometheusUrls: ['http://prometheus:9090/'] });
    const adapter = new PrometheusAdapter(chart, 'Adapter', { prometheusUrl: 'http://prometheus:9090/' });
    adapter.addRule(new AdapterRule(chart, 'Other', { metricName: 'Other' }));
    new MessageMetricsHpa(chart, 'First', { target: ScaleTarget.interlok(interlok), rule });
    new MessageMetricsHpa(chart, 'Second', {
      name: 'second',
      target: ScaleTarget.deployment('interlok', 'default'),
      rule,
    });
    new MessageMetricsHpa(chart, 'Third', { name: 'third', target: ScaleTarget.deployment('orders', 'default'), rule });
    let message = '';
    try {
      Testing.synth(chart);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(
      message
        .split('\n')
        .slice(1)
        .map((l) => l.trim())
        .sort(),
    ).toEqual([
      '[test/First] adapter rule test/Rule is served by no prometheus-adapter of this app (test/Adapter): add it with addRule',
      '[test/Second] Deployment default/interlok is also scaled by test/First: only one HPA may scale a workload, or they fight over its replicas',
      '[test/Second] HPA target default/interlok is an InterlokDeployment of this app: use ScaleTarget.interlok(...) so its spec.replicas is left to the HPA',
      '[test/Second] adapter rule test/Rule is served by no prometheus-adapter of this app (test/Adapter): add it with addRule',
      "[test/Third] HPA target Deployment default/orders is none of this app's Interlok Deployments (default/interlok)",
      '[test/Third] adapter rule test/Rule is served by no prometheus-adapter of this app (test/Adapter): add it with addRule',
    ]);
  });
});
