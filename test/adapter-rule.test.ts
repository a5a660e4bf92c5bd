import { Duration } from 'cdk8s';
import { parse } from 'yaml';
import { AdapterRule } from '../lib';
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
  for (const o of Object.values(rule.resources.overrides)) expect(Object.keys(o as object).every((k) => ALLOWED_KEYS.override.includes(k))).toBe(true);
  expect(Object.keys(rule.name).every((k) => ALLOWED_KEYS.name.includes(k))).toBe(true);
}

describe('AdapterRule', () => {
  test('defaults: config.yaml snapshot and the exact keys the adapter accepts', () => {
    const rule = new AdapterRule(emptyChart(), 'Rule');
    const yaml = AdapterRule.configYaml([rule]);
    expect(yaml).toMatchSnapshot();
    const config = parse(yaml);
    expect(Object.keys(config)).toEqual(['rules']);
    expectStrictKeys(config.rules[0]);
    expect(config.rules[0].metricsQuery).toContain('{<<.LabelMatchers>>}');
    expect(config.rules[0].metricsQuery).toMatch(/^max by \(<<\.GroupBy>>\)/);
  });

  test('helm values for the prometheus-community chart: default rules off, ours as custom', () => {
    const rule = new AdapterRule(emptyChart(), 'Rule');
    const values = parse(AdapterRule.helmValuesYaml([rule]));
    expect(values).toEqual({ rules: { default: false, custom: [rule.toConfig()] } });
    expectStrictKeys(values.rules.custom[0]);
  });

  test('another series, API name, labels and stale window', () => {
    const rule = new AdapterRule(emptyChart(), 'Rule', {
      seriesName: 'OrdersInMetrics', metricName: 'orders_in', namespaceLabel: 'ns', podLabel: 'pod_name', staleAfter: Duration.minutes(1),
    });
    expect(rule.toConfig()).toEqual({
      seriesQuery: 'OrdersInMetrics{ns!="",pod_name!=""}',
      resources: { overrides: { ns: { resource: 'namespace' }, pod_name: { resource: 'pod' } } },
      name: { matches: '^OrdersInMetrics$', as: 'orders_in' },
      metricsQuery: 'max by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>} * (time() - push_time_seconds{<<.LabelMatchers>>} < bool 60))',
    });
  });
});
