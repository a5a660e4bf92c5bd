/**
 * prometheus-adapter's own test cases, ported as tables, run against the model in lib/model/ (the queries
 * explain and doctor print). Sources, kubernetes-sigs/prometheus-adapter (the v0.12 line):
 * - pkg/naming/metrics_query_test.go @ 0536a5d481daa836d5a97d58a28341471acd2faa (TestBuildSelector,
 * TestBuildExternalSelector)
 * - pkg/naming/regex_matcher_test.go @ 6030912cc03a4146bc3438289ba84d60d7fc3d33
 * - pkg/custom-provider/series_registry_test.go @ 0e105eeeb181ad9d8c73e19ece6f1aa3c79879b6
 * - pkg/custom-provider/provider_test.go @ 0e105eeeb181ad9d8c73e19ece6f1aa3c79879b6
 * - cmd/config-gen/utils/default.go @ 080ddaa901c399e2e7269d9f1b287d51439a5204 (DefaultConfig, which the last two use)
 * The kubernetes replica-calculator cases are in replica-calculator-upstream.test.ts.
 */
import { AdapterRuleConfig } from '../lib';
import {
  buildExternalMetricsQuery,
  buildMetricsQuery,
  LabelRequirement,
  seriesFilterMatcher,
} from '../lib/model/adapter-query';
import { ApiResource, Series, SeriesRegistry } from '../lib/model/series-registry';

const req = (key: string, operator: LabelRequirement['operator'], values: string[]): LabelRequirement => ({
  key,
  operator,
  values,
});

describe('pkg/naming/metrics_query_test.go TestBuildSelector', () => {
  // the mock resource converter: a resource's label is its own name; the namespace resource is "namespaces"
  test.each<
    [
      string,
      string,
      {
        series?: string;
        resource?: string;
        namespace?: string;
        extraGroupBy?: string[];
        selector?: LabelRequirement[];
        names?: string[];
      },
      string,
    ]
  >([
    ['series', 'series <<.Series>>', { series: 'foo' }, 'series foo'],
    [
      'multiple LabelMatchers values',
      '<<.LabelMatchers>>',
      { resource: 'resource', names: ['bar', 'baz'] },
      'resource=~"bar|baz"',
    ],
    ['single LabelMatchers value', '<<.LabelMatchers>>', { resource: 'resource', names: ['bar'] }, 'resource="bar"'],
    [
      'LabelMatchers with additional metrics filter',
      '<<.LabelMatchers>>',
      { resource: 'resource', names: ['bar'], selector: [req('metric1', '=', ['value1'])] },
      'metric1="value1",resource="bar"',
    ],
    [
      'single LabelValuesByName value',
      '<<index .LabelValuesByName "resource">>',
      { resource: 'resource', names: ['bar'] },
      'bar',
    ],
    [
      'multiple LabelValuesByName values',
      '<<index .LabelValuesByName "resource">>',
      { resource: 'resource', names: ['bar', 'baz'] },
      'bar|baz',
    ],
    [
      'multiple LabelValuesByName values with namespace',
      '<<index .LabelValuesByName "namespaces">> <<index .LabelValuesByName "resource">>',
      { resource: 'resource', namespace: 'default', names: ['bar', 'baz'] },
      'default bar|baz',
    ],
    ['single GroupBy value', '<<.GroupBy>>', { resource: 'resource' }, 'resource'],
    [
      'multiple GroupBy values',
      '<<.GroupBy>>',
      { resource: 'resource', extraGroupBy: ['extra', 'groups'] },
      'resource,extra,groups',
    ],
    ['single GroupBySlice value', '<<.GroupBySlice>>', { resource: 'resource' }, '[resource]'],
    [
      'multiple GroupBySlice values',
      '<<.GroupBySlice>>',
      { resource: 'resource', extraGroupBy: ['extra', 'groups'] },
      '[resource extra groups]',
    ],
  ])('%s', (_name, template, a, expected) => {
    expect(
      buildMetricsQuery(template, {
        series: a.series ?? '',
        resourceLabel: a.resource ?? '',
        namespaceLabel: 'namespaces',
        namespace: a.namespace ?? '',
        names: a.names ?? [],
        extraGroupBy: a.extraGroupBy,
        selector: a.selector,
      }),
    ).toBe(expected);
  });
});

describe('pkg/naming/metrics_query_test.go TestBuildExternalSelector', () => {
  test.each<
    [
      string,
      string,
      { series?: string; namespace?: string; groupBy?: string; groupBySlice?: string[]; selector?: LabelRequirement[] },
      string,
    ]
  >([
    ['series', 'series <<.Series>>', { series: 'foo' }, 'series foo'],
    ['single GroupBy value', '<<.GroupBy>>', { groupBy: 'foo' }, 'foo'],
    ['multiple GroupBySlice values', '<<.GroupBySlice>>', { groupBySlice: ['foo', 'bar'] }, '[foo bar]'],
    [
      'multiple GroupBySlice values with namespace',
      '<<index .LabelValuesByName "namespaces">> <<.GroupBySlice>>',
      { namespace: 'default', groupBySlice: ['foo', 'bar'] },
      'default [foo bar]',
    ],
    ['single LabelMatchers value', '<<.LabelMatchers>>', { selector: [req('foo', '=', ['bar'])] }, 'foo="bar"'],
    [
      'single LabelMatchers value with namespace',
      '<<.LabelMatchers>>',
      { namespace: 'default', selector: [req('foo', '=', ['bar'])] },
      'foo="bar",namespaces="default"',
    ],
    [
      'multiple LabelMatchers value',
      '<<.LabelMatchers>>',
      { selector: [req('foo', '=', ['bar']), req('qux', 'in', ['bar', 'baz'])] },
      'foo="bar",qux=~"bar|baz"',
    ],
    [
      'single LabelValuesByName value',
      '<<.LabelValuesByName>>',
      { selector: [req('foo', '=', ['bar'])] },
      'map[foo:bar]',
    ],
    [
      'single LabelValuesByName with multiple selectors',
      '<<.LabelValuesByName>>',
      { selector: [req('foo', 'in', ['bar', 'baz'])] },
      'map[foo:bar|baz]',
    ],
  ])('%s', (_name, template, a, expected) => {
    expect(
      buildExternalMetricsQuery(template, {
        series: a.series ?? '',
        namespaceLabel: 'namespaces',
        namespace: a.namespace ?? '',
        groupBy: a.groupBy,
        groupBySlice: a.groupBySlice,
        selector: a.selector,
      }),
    ).toBe(expected);
  });
});

describe('pkg/naming/regex_matcher_test.go', () => {
  test('TestReMatcherIs', () => {
    const m = seriesFilterMatcher({ is: 'my_.*' });
    expect([m('my_label'), m('your_label')]).toEqual([true, false]);
  });
  test('TestReMatcherIsNot', () => {
    const m = seriesFilterMatcher({ isNot: 'my_.*' });
    expect([m('my_label'), m('your_label')]).toEqual([false, true]);
  });
  test('TestEnforcesIsOrIsNotButNotBoth', () => {
    expect(() => seriesFilterMatcher({ is: 'my_.*', isNot: 'your_.*' })).toThrow();
  });
});

/** cmd/config-gen/utils/default.go DefaultConfig(1m, prefix).Rules */
function defaultRules(prefix: string): AdapterRuleConfig[] {
  const container = '{__name__=~"^container_.*",container!="POD",namespace!="",pod!=""}';
  const normal = `{${prefix}namespace!="",__name__!~"^container_.*"}`;
  const overrides = { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } };
  const template = `${prefix}<<.Resource>>`;
  return [
    {
      seriesQuery: container,
      resources: { overrides },
      name: { matches: '^container_(.*)_seconds_total$', as: '' },
      metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>,container!="POD"}[1m])) by (<<.GroupBy>>)',
    },
    {
      seriesQuery: container,
      seriesFilters: [{ isNot: '^container_.*_seconds_total$' }],
      resources: { overrides },
      name: { matches: '^container_(.*)_total$', as: '' },
      metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>,container!="POD"}[1m])) by (<<.GroupBy>>)',
    },
    {
      seriesQuery: container,
      seriesFilters: [{ isNot: '^container_.*_total$' }],
      resources: { overrides },
      name: { matches: '^container_(.*)$', as: '' },
      metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>,container!="POD"}) by (<<.GroupBy>>)',
    },
    {
      seriesQuery: normal,
      seriesFilters: [{ isNot: '.*_total$' }],
      resources: { template },
      name: { matches: '', as: '' },
      metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
    },
    {
      seriesQuery: normal,
      seriesFilters: [{ isNot: '.*_seconds_total' }],
      resources: { template },
      name: { matches: '^(.*)_total$', as: '' },
      metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)',
    },
    {
      seriesQuery: normal,
      resources: { template },
      name: { matches: '^(.*)_seconds_total$', as: '' },
      metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)',
    },
  ];
}

/**
 * series_registry_test.go restMapper(): core pods, services, nodes, PVs, namespaces; extensions ingresses and
 * deployments.
 */
const MAPPER: ApiResource[] = [
  { group: '', resource: 'pods', singular: 'pod', namespaced: true },
  { group: '', resource: 'services', singular: 'service', namespaced: true },
  { group: 'extensions', resource: 'ingresses', singular: 'ingress', namespaced: true },
  { group: 'extensions', resource: 'deployments', singular: 'deployment', namespaced: true },
  { group: '', resource: 'nodes', singular: 'node', namespaced: false },
  { group: '', resource: 'persistentvolumes', singular: 'persistentvolume', namespaced: false },
  { group: '', resource: 'namespaces', singular: 'namespace', namespaced: false },
];

const s = (name: string, labels: Record<string, string>): Series => ({ name, labels });
const containerLabels = { pod: 'somepod', namespace: 'somens', container: 'somecont' };

describe('pkg/custom-provider/series_registry_test.go, with the default configuration rules', () => {
  const registry = new SeriesRegistry(defaultRules('kube_'), MAPPER);
  registry.setSeries([
    [s('container_some_time_seconds_total', containerLabels)],
    [s('container_some_count_total', containerLabels)],
    [s('container_some_usage', containerLabels)],
    [
      s('node_gigawatts', { kube_node: 'somenode' }),
      s('service_proxy_packets', { kube_service: 'somesvc', kube_namespace: 'somens' }),
    ],
    [
      s('ingress_hits_total', {
        kube_ingress: 'someingress',
        kube_service: 'somesvc',
        kube_pod: 'backend1',
        kube_namespace: 'somens',
      }),
      s('ingress_hits_total', {
        kube_ingress: 'someingress',
        kube_service: 'somesvc',
        kube_pod: 'backend2',
        kube_namespace: 'somens',
      }),
      s('volume_claims_total', { kube_persistentvolume: 'somepv' }),
    ],
    [
      s('work_queue_wait_seconds_total', { kube_deployment: 'somedep', kube_namespace: 'somens' }),
      s('node_fan_seconds_total', { kube_node: 'somenode' }),
    ],
  ]);

  test.each<
    [
      string,
      { group?: string; resource: string; namespaced: boolean; metric: string },
      string,
      string[],
      LabelRequirement[],
      string,
    ]
  >([
    [
      'container metrics gauge / multiple resource names',
      { resource: 'pods', namespaced: true, metric: 'some_usage' },
      'somens',
      ['somepod1', 'somepod2'],
      [],
      'sum(container_some_usage{namespace="somens",pod=~"somepod1|somepod2",container!="POD"}) by (pod)',
    ],
    [
      'container metrics counter',
      { resource: 'pods', namespaced: true, metric: 'some_count' },
      'somens',
      ['somepod1', 'somepod2'],
      [],
      'sum(rate(container_some_count_total{namespace="somens",pod=~"somepod1|somepod2",container!="POD"}[1m])) by (pod)',
    ],
    [
      'container metrics seconds counter',
      { resource: 'pods', namespaced: true, metric: 'some_time' },
      'somens',
      ['somepod1', 'somepod2'],
      [],
      'sum(rate(container_some_time_seconds_total{namespace="somens",pod=~"somepod1|somepod2",container!="POD"}[1m])) by (pod)',
    ],
    [
      'namespaced metrics counter / multidimensional (service)',
      { resource: 'service', namespaced: true, metric: 'ingress_hits' },
      'somens',
      ['somesvc'],
      [],
      'sum(rate(ingress_hits_total{kube_namespace="somens",kube_service="somesvc"}[1m])) by (kube_service)',
    ],
    [
      'namespaced metrics counter / multidimensional (service) / selection using labels',
      { resource: 'service', namespaced: true, metric: 'ingress_hits' },
      'somens',
      ['somesvc'],
      [req('param1', '=', ['value1'])],
      'sum(rate(ingress_hits_total{param1="value1",kube_namespace="somens",kube_service="somesvc"}[1m])) by (kube_service)',
    ],
    [
      'namespaced metrics counter / multidimensional (ingress)',
      { group: 'extensions', resource: 'ingress', namespaced: true, metric: 'ingress_hits' },
      'somens',
      ['someingress'],
      [],
      'sum(rate(ingress_hits_total{kube_namespace="somens",kube_ingress="someingress"}[1m])) by (kube_ingress)',
    ],
    [
      'namespaced metrics counter / multidimensional (pod)',
      { resource: 'pod', namespaced: true, metric: 'ingress_hits' },
      'somens',
      ['somepod'],
      [],
      'sum(rate(ingress_hits_total{kube_namespace="somens",kube_pod="somepod"}[1m])) by (kube_pod)',
    ],
    [
      'namespaced metrics gauge',
      { resource: 'service', namespaced: true, metric: 'service_proxy_packets' },
      'somens',
      ['somesvc'],
      [],
      'sum(service_proxy_packets{kube_namespace="somens",kube_service="somesvc"}) by (kube_service)',
    ],
    [
      'namespaced metrics seconds counter',
      { group: 'extensions', resource: 'deployment', namespaced: true, metric: 'work_queue_wait' },
      'somens',
      ['somedep'],
      [],
      'sum(rate(work_queue_wait_seconds_total{kube_namespace="somens",kube_deployment="somedep"}[1m])) by (kube_deployment)',
    ],
    [
      'root scoped metrics gauge',
      { resource: 'node', namespaced: false, metric: 'node_gigawatts' },
      '',
      ['somenode'],
      [],
      'sum(node_gigawatts{kube_node="somenode"}) by (kube_node)',
    ],
    [
      'root scoped metrics counter',
      { resource: 'persistentvolume', namespaced: false, metric: 'volume_claims' },
      '',
      ['somepv'],
      [],
      'sum(rate(volume_claims_total{kube_persistentvolume="somepv"}[1m])) by (kube_persistentvolume)',
    ],
    [
      'root scoped metrics seconds counter',
      { resource: 'node', namespaced: false, metric: 'node_fan' },
      '',
      ['somenode'],
      [],
      'sum(rate(node_fan_seconds_total{kube_node="somenode"}[1m])) by (kube_node)',
    ],
  ])('should build a query for %s', (_title, info, namespace, names, selector, expected) => {
    expect(registry.queryForMetric(info, namespace, selector, names)).toBe(expected);
  });

  test('should list all metrics', () => {
    const i = (resource: string, namespaced: boolean, metric: string, group = '') => ({
      group,
      resource,
      namespaced,
      metric,
    });
    expect(sorted(registry.listAllMetrics())).toEqual(
      sorted([
        i('pods', true, 'some_count'),
        i('namespaces', false, 'some_count'),
        i('pods', true, 'some_time'),
        i('namespaces', false, 'some_time'),
        i('pods', true, 'some_usage'),
        i('namespaces', false, 'some_usage'),
        i('services', true, 'ingress_hits'),
        i('ingresses', true, 'ingress_hits', 'extensions'),
        i('pods', true, 'ingress_hits'),
        i('namespaces', false, 'ingress_hits'),
        i('services', true, 'service_proxy_packets'),
        i('namespaces', false, 'service_proxy_packets'),
        i('deployments', true, 'work_queue_wait', 'extensions'),
        i('namespaces', false, 'work_queue_wait'),
        i('nodes', false, 'node_gigawatts'),
        i('persistentvolumes', false, 'volume_claims'),
        i('nodes', false, 'node_fan'),
      ]),
    );
  });
});

describe('pkg/custom-provider/provider_test.go: should be able to list all metrics', () => {
  test('DefaultConfig(1m, "") over the fake Prometheus series', () => {
    const rules = defaultRules('');
    const registry = new SeriesRegistry(rules, MAPPER);
    // the fake client answers the container seriesQuery and the namespaced one; each rule gets its query's series
    const container = [s('container_some_usage', containerLabels)];
    const namespaced = [
      s('ingress_hits_total', { ingress: 'someingress', service: 'somesvc', pod: 'backend1', namespace: 'somens' }),
      s('ingress_hits_total', { ingress: 'someingress', service: 'somesvc', pod: 'backend2', namespace: 'somens' }),
      s('service_proxy_packets', { service: 'somesvc', namespace: 'somens' }),
      s('work_queue_wait_seconds_total', { deployment: 'somedep', namespace: 'somens' }),
    ];
    registry.setSeries(rules.map((r) => (r.seriesQuery.includes('container!=') ? container : namespaced)));
    const i = (resource: string, namespaced: boolean, metric: string, group = '') => ({
      group,
      resource,
      namespaced,
      metric,
    });
    expect(sorted(registry.listAllMetrics())).toEqual(
      sorted([
        i('services', true, 'ingress_hits'),
        i('ingresses', true, 'ingress_hits', 'extensions'),
        i('pods', true, 'ingress_hits'),
        i('namespaces', false, 'ingress_hits'),
        i('services', true, 'service_proxy_packets'),
        i('namespaces', false, 'service_proxy_packets'),
        i('deployments', true, 'work_queue_wait', 'extensions'),
        i('namespaces', false, 'work_queue_wait'),
        i('namespaces', false, 'some_usage'),
        i('pods', true, 'some_usage'),
      ]),
    );
  });
});

function sorted<T>(list: T[]): T[] {
  return [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
