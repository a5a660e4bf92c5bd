import { Duration, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { AdapterRule, PrometheusServer, ExistingEndpoints } from '../lib';
import { emptyChart } from './helpers';

// prometheus-adapter parses its config with yaml.UnmarshalStrict: any other key crash-loops it.
const ALLOWED_KEYS: Record<string, string[]> = {
  rule: ['seriesQuery', 'seriesFilters', 'resources', 'name', 'metricsQuery'],
  resources: ['template', 'overrides', 'namespaced'],
  override: ['group', 'resource'],
  name: ['matches', 'as'],
};

function expectStrictKeys(rule: any): void {
  expect(Object.keys(rule).every((k) => ALLOWED_KEYS.rule.includes(k))).toBe(true);
  expect(Object.keys(rule.resources).every((k) => ALLOWED_KEYS.resources.includes(k))).toBe(true);
  for (const o of Object.values(rule.resources.overrides))
    expect(Object.keys(o as object).every((k) => ALLOWED_KEYS.override.includes(k))).toBe(true);
  expect(Object.keys(rule.name).every((k) => ALLOWED_KEYS.name.includes(k))).toBe(true);
}

describe('AdapterRule', () => {
  test('defaults: config.yaml snapshot and the exact keys the adapter accepts', () => {
    const rule = new AdapterRule(emptyChart(), 'Rule');
    const yaml = AdapterRule.configYaml([rule]);
    expect(yaml).toMatchSnapshot();
    const config = parse(yaml);
    expect(Object.keys(config)).toEqual(['rules', 'externalRules']);
    expectStrictKeys(config.rules[0]);
    expectStrictKeys(config.externalRules[0]);
    expect(config.rules[0].metricsQuery).toContain('{<<.LabelMatchers>>}');
    expect(config.rules[0].metricsQuery).toMatch(/^max by \(<<\.GroupBy>>\)/);
  });

  test('helm values for the prometheus-community chart: default rules off, ours as custom and external', () => {
    const rule = new AdapterRule(emptyChart(), 'Rule');
    const values = parse(AdapterRule.helmValuesYaml([rule]));
    expect(values).toEqual({
      rules: { default: false, custom: [rule.toConfig()], external: [rule.toExternalConfig()] },
    });
    expectStrictKeys(values.rules.custom[0]);
    expectStrictKeys(values.rules.external[0]);
    const podsOnly = new AdapterRule(emptyChart(), 'Rule', { external: false });
    expect(parse(AdapterRule.helmValuesYaml([podsOnly]))).toEqual({
      rules: { default: false, custom: [podsOnly.toConfig()] },
    });
  });

  test('the External metric name is lowercase (client-go lowercases it in the URL)', () => {
    expect(new AdapterRule(emptyChart(), 'Rule', { seriesName: 'OrdersIn' }).externalMetricName).toBe(
      'interlok_ordersin',
    );
    expect(() => new AdapterRule(emptyChart(), 'Rule', { externalMetricName: 'Orders' })).toThrow(
      '[test/Rule] externalMetricName: got "Orders", expected a lowercase name',
    );
  });

  test('the stale window follows the scrape interval: push 10 s + scrape + 10 s', () => {
    expect(new AdapterRule(emptyChart(), 'Rule', { scrapeInterval: Duration.minutes(1) }).staleAfter.toSeconds()).toBe(
      80,
    );
    expect(new AdapterRule(emptyChart(), 'Rule').staleAfter.toSeconds()).toBe(30);
  });

  test("a rule that assumes faster scrapes than the app's Prometheus does fails synth", () => {
    const chart = emptyChart();
    new AdapterRule(chart, 'Rule');
    new ExistingEndpoints(chart, 'Existing', { pushgateways: ['pgw:9091'] });
    new PrometheusServer(chart, 'Prom', {
      pushgatewayTargets: ['pgw:9091'],
      scrapeInterval: Duration.seconds(10),
      networkPolicy: false,
    });
    expect(() => Testing.synth(chart)).not.toThrow();
    const slow = emptyChart();
    new AdapterRule(slow, 'Rule', { scrapeInterval: Duration.seconds(5) });
    new ExistingEndpoints(slow, 'Existing', { pushgateways: ['pgw:9091'] });
    new PrometheusServer(slow, 'Prom', {
      pushgatewayTargets: ['pgw:9091'],
      scrapeInterval: Duration.seconds(10),
      networkPolicy: false,
    });
    expect(() => Testing.synth(slow)).toThrow(
      "[test/Rule] adapter rule test/Rule assumes the pushgateway is scraped every 5s but Prometheus test/Prom scrapes every 10s: busy pods would read 0; set the rule's scrapeInterval",
    );
  });

  test('another series, API name, labels and stale window', () => {
    const rule = new AdapterRule(emptyChart(), 'Rule', {
      seriesName: 'OrdersInMetrics',
      metricName: 'orders_in',
      namespaceLabel: 'ns',
      podLabel: 'pod_name',
      staleAfter: Duration.minutes(1),
    });
    expect(rule.toConfig()).toEqual({
      seriesQuery: 'OrdersInMetrics{ns!="",pod_name!=""}',
      resources: { overrides: { ns: { resource: 'namespace' }, pod_name: { resource: 'pod' } } },
      name: { matches: '^OrdersInMetrics$', as: 'orders_in' },
      metricsQuery:
        'max by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>} * (time() - push_time_seconds{<<.LabelMatchers>>} < bool 60))',
    });
  });
});
