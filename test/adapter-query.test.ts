import { Chart, Testing } from 'cdk8s';
import { AdapterRule, AdapterRuleConfig, podValues, renderMetricsQuery, VectorSample } from '../lib';
import { apiMetricName, labelForResource, RuleRefusedError } from '../lib/model/adapter-query';

const rule: AdapterRuleConfig = new AdapterRule(new Chart(Testing.app(), 't'), 'Rule').toConfig();
const withName = (matches: string, as?: string): AdapterRuleConfig => ({
  ...rule,
  name: { matches, as: as as string },
});

describe('renderMetricsQuery (pkg/naming/metrics_query.go)', () => {
  test('one pod: namespace then pod, both by equality; GroupBy is the pod label', () => {
    expect(
      renderMetricsQuery({ ...rule, metricsQuery: '<<.Series>>|<<.LabelMatchers>>|<<.GroupBy>>' }, 'MessageMetrics', {
        namespace: 'ns',
        pods: ['p1'],
      }),
    ).toBe('MessageMetrics|k8s_namespace="ns",k8s_pod_name="p1"|k8s_pod_name');
  });

  test('several pods: an alternation with =~', () => {
    expect(
      renderMetricsQuery({ ...rule, metricsQuery: '<<.LabelMatchers>>' }, 'M', {
        namespace: 'ns',
        pods: ['p1', 'p2', 'p3'],
      }),
    ).toBe('k8s_namespace="ns",k8s_pod_name=~"p1|p2|p3"');
  });

  test('metric selector labels come first, sorted by key in byte order as labels.Parse sorts them', () => {
    expect(
      renderMetricsQuery({ ...rule, metricsQuery: '<<.LabelMatchers>>' }, 'M', {
        namespace: 'ns',
        pods: ['p'],
        metricSelector: { a: '1', B: '2', _c: '3' },
      }),
    ).toBe('B="2",_c="3",a="1",k8s_namespace="ns",k8s_pod_name="p"');
  });

  test('values are quoted like Go %q', () => {
    expect(
      renderMetricsQuery({ ...rule, metricsQuery: '<<.LabelMatchers>>' }, 'M', {
        namespace: 'ns',
        pods: ['p'],
        metricSelector: { q: 'a"b\\c' },
      }),
    ).toBe('q="a\\"b\\\\c",k8s_namespace="ns",k8s_pod_name="p"');
  });

  test("the guide's metricsQuery has no template fields: the same unscoped query for every request", () => {
    expect(
      renderMetricsQuery({ ...rule, metricsQuery: 'MessageMetrics' }, 'MessageMetrics', {
        namespace: 'a',
        pods: ['p'],
      }),
    ).toBe('MessageMetrics');
  });

  test('an empty template fails the request; an unknown field fails when the query runs, as in the adapter', () => {
    expect(() => renderMetricsQuery({ ...rule, metricsQuery: '' }, 'M', { namespace: 'ns', pods: ['p'] })).toThrow(
      'empty query produced by metrics query template',
    );
    expect(() =>
      renderMetricsQuery({ ...rule, metricsQuery: '<<.Nope>>' }, 'M', { namespace: 'ns', pods: ['p'] }),
    ).toThrow(
      'template: metrics-query:1: executing "metrics-query" at <.Nope>: can\'t evaluate field Nope in type naming.queryTemplateArgs',
    );
  });

  test('Go text/template semantics: GroupBySlice prints as a Go slice, index, printf, trim markers, comments', () => {
    const r = (metricsQuery: string, pods = ['p1', 'p2']) =>
      renderMetricsQuery({ ...rule, metricsQuery }, 'S', { namespace: 'ns', pods });
    expect(r('<<.GroupBySlice>>')).toBe('[k8s_pod_name]');
    expect(r('<<index .GroupBySlice 0>>')).toBe('k8s_pod_name');
    expect(r('<<index .LabelValuesByName "k8s_pod_name">>')).toBe('p1|p2');
    expect(r('<<index .LabelValuesByName "nope">>x')).toBe('x');
    expect(r('<<.LabelValuesByName.nope>>')).toBe('<no value>');
    expect(r('<<.LabelValuesByName>>')).toBe('map[k8s_namespace:ns k8s_pod_name:p1|p2]');
    expect(r('<<printf "%s{%s}" .Series .LabelMatchers>>')).toBe('S{k8s_namespace="ns",k8s_pod_name=~"p1|p2"}');
    expect(r('<<.Series | printf "%q">>')).toBe('"S"');
    expect(r('sum( \n  <<- .Series ->>  \n )')).toBe('sum(S)');
    expect(r('a <<-3>>')).toBe('a -3');
    expect(r('<</* a comment */>>S')).toBe('S');
    expect(r('<<len .GroupBySlice>>')).toBe('1');
    expect(r('<<"a>>b">>')).toBe('a>>b');
  });

  test('a rule the adapter refuses when it loads its config is refused, not rendered: join and other non-builtins', () => {
    const r = (metricsQuery: string) => () =>
      renderMetricsQuery({ ...rule, metricsQuery }, 'M', { namespace: 'ns', pods: ['p'] });
    expect(r('sum by (<<join .GroupBySlice ",">>) (M)')).toThrow(RuleRefusedError);
    expect(r('<<join .GroupBySlice ",">>')).toThrow(
      'unable to parse metrics query template "<<join .GroupBySlice \\",\\">>": template: metrics-query:1: function "join" not defined',
    );
    expect(r('<<.Series')).toThrow(RuleRefusedError);
    expect(r('<<end>>')).toThrow(RuleRefusedError);
    expect(r('<<if .Series>>x<<end>>')).toThrow('not modelled');
  });

  test('an empty namespace leaves the namespace matcher out, as Build does', () => {
    expect(
      renderMetricsQuery({ ...rule, metricsQuery: '<<.LabelMatchers>>' }, 'M', { namespace: '', pods: ['p'] }),
    ).toBe('k8s_pod_name="p"');
  });

  test('a rule without a namespace override cannot serve pods metrics', () => {
    const noNs: AdapterRuleConfig = { ...rule, resources: { overrides: { k8s_pod_name: { resource: 'pod' } } } };
    expect(() => labelForResource(noNs, 'namespace')).toThrow(
      'no generic resource label form specified for this metric (no override for namespace)',
    );
    expect(labelForResource({ ...rule, resources: { overrides: { pod_name: { resource: 'pods' } } } }, 'pod')).toBe(
      'pod_name',
    );
  });
});

describe('apiMetricName (NamersFromConfig, Regexp.Expand)', () => {
  test.each<[string, string | undefined, string, string | undefined]>([
    ['^MessageMetrics$', 'MessageMetrics', 'MessageMetrics', 'MessageMetrics'],
    ['^MessageMetrics$', 'MessageMetrics', 'OtherMetrics', undefined],
    ['', 'MessageMetrics', 'MessageMetrics', 'MessageMetrics'],
    ['^(.*)_total$', undefined, 'messages_total', 'messages'],
    ['^(.*)$', '$1_total', 'messages', ''],
    ['^(.*)$', '${1}_total', 'messages', 'messages_total'],
    ['^(?<base>.*)Metrics$', '${base}', 'MessageMetrics', 'Message'],
    ['^(.*)$', '$$1', 'm', '$1'],
    ['^Message', undefined, 'MessageMetrics', 'Message'],
  ])('matches %j as %j: %s → %j', (matches, as, series, expected) => {
    expect(apiMetricName(withName(matches, as), series)).toBe(expected);
  });

  test('two capture groups and no as is an error', () => {
    expect(() => apiMetricName(withName('^(a)(b)$'), 'ab')).toThrow("must specify an 'as' value");
  });
});

describe('podValues (MatchValuesToNames, metricsFor)', () => {
  const sample = (pod: string | undefined, value: string): VectorSample => ({
    metric: pod === undefined ? {} : { k8s_pod_name: pod },
    value: [0, value],
  });

  test('keyed by the pod label, only requested pods, a later series overwrites, NaN is 0, milli-units truncated', () => {
    const values = podValues(rule, { namespace: 'ns', pods: ['a', 'b', 'c'] }, [
      sample('a', '1'),
      sample('a', '7'),
      sample('b', 'NaN'),
      sample('x', '5'),
      sample(undefined, '9'),
      sample('c', '1.0019'),
    ]);
    expect([...values.entries()]).toEqual([
      ['a', 7],
      ['b', 0],
      ['c', 1.001],
    ]);
  });
});
