import { Duration, Size, Testing } from 'cdk8s';
import {
  AdapterRule,
  deploymentPodRegex,
  desiredReplicas,
  InterlokImage,
  MessageMetricsHpa,
  MonitoringStack,
  PushgatewayEndpoint,
  ScaleMetric,
  ScaleTarget,
} from '../lib';
import { demoChart, demoInterlok, emptyChart } from './helpers';

// Valid but unusual input is accepted: the round-2 bad-input checks must not refuse it.
describe('unusual but valid input', () => {
  test('an image from a registry with a port, and one pinned by digest', () => {
    demoInterlok(emptyChart(), 'A', {
      image: InterlokImage.fromRegistry('registry.example.com:5000/team/interlok:3.12.0'),
    });
    demoInterlok(emptyChart(), 'B', {
      image: InterlokImage.fromRegistry(`registry.example.com:5000/interlok@sha256:${'a'.repeat(64)}`),
    });
  });

  test('fractional targets and min = max', () => {
    const chart = demoChart(Testing.app(), 'stack', {
      autoscaler: { averageValue: 0.5, minReplicas: 3, maxReplicas: 3 },
    });
    expect(chart.autoscaler!.averageValue).toBe(0.5);
    expect(
      desiredReplicas({
        currentReplicas: 3,
        podValues: new Map([['a', 1]]),
        pods: ['a'],
        targetAverageValue: 0.001,
        minReplicas: 3,
        maxReplicas: 3,
      }).desiredReplicas,
    ).toBe(3);
  });

  test('a dotted Deployment name with a Pods metric, its pods matched with the dot escaped', () => {
    const chart = emptyChart();
    const hpa = new MessageMetricsHpa(chart, 'Hpa', {
      target: ScaleTarget.deployment('orders.eu', 'apps'),
      rule: new AdapterRule(chart, 'Rule'),
      metric: ScaleMetric.podsAverage(),
    });
    expect(hpa.target.name).toBe('orders.eu');
    expect(deploymentPodRegex('orders.eu')).toBe(
      'orders\\\\.eu-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}',
    );
    expect(
      () =>
        new MessageMetricsHpa(chart, 'Ext', {
          target: ScaleTarget.deployment('orders.eu', 'apps'),
          rule: new AdapterRule(chart, 'Rule2'),
        }),
    ).toThrow('[test/Ext] target.name: got "orders.eu", expected no dots with ScaleMetric.externalTotal()');
  });

  test("an existing Prometheus with a given scrape interval: the rule's stale window covers it", () => {
    const chart = demoChart(Testing.app(), 'stack', {
      monitoring: {
        prometheus: false,
        existingPrometheusUrl: 'http://prom.obs.svc:9090/',
        scrapeInterval: Duration.minutes(1),
      },
    });
    expect(chart.rule.scrapeInterval.toSeconds()).toBe(60);
    expect(chart.rule.staleAfter.toSeconds()).toBeGreaterThanOrEqual(75);
  });

  test("an existing pushgateway with the stack's own turned off", () => {
    const stack = new MonitoringStack(emptyChart(), 'M', {
      pushgateway: false,
      existingPushgateway: PushgatewayEndpoint.hostPort('pgw.obs.svc:9091'),
    });
    expect(stack.pushgatewayEndpoint!.hostPort).toBe('pgw.obs.svc:9091');
  });

  test('a memory limit just above heap + 128 MiB', () => {
    demoInterlok(emptyChart(), 'I', {
      heap: Size.gibibytes(1),
      resources: { memory: { limit: Size.mebibytes(1152) } },
    });
  });
});
