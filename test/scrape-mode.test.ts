import { Duration } from 'cdk8s';
import { parse } from 'yaml';
import {
  AdapterRule,
  InterlokAutoscalingChartProps,
  InterlokImage,
  MetricsSource,
  PushgatewayDeregistration,
  PushgatewayEndpoint,
  Scaler,
} from '../lib';
import { demoInterlok, emptyChart, find, synthStack } from './helpers';

const IMAGE = InterlokImage.fromRegistry('registry.example.com/interlok-profiler:5.0.1');
const SCRAPED: InterlokAutoscalingChartProps = {
  interlok: { namespace: 'integration', image: IMAGE, metricsSource: MetricsSource.scrape({ workflow: 'in@ch' }) },
};

describe('Interlok 4.1+/5.x: Prometheus scrapes the pods', () => {
  const objects = synthStack(SCRAPED);

  test('snapshot: no pushgateway, pod discovery with Roles in the Interlok namespace, rules on workflow_count_total', () => {
    expect(objects).toMatchSnapshot();
    expect(objects.filter((o) => /pushgateway/.test(o.metadata.name))).toEqual([]);
    const interlok = find(objects, 'Deployment', 'interlok');
    expect(interlok.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['interlok']); // no deregistration sidecar
    expect(interlok.spec.template.spec.containers[0].ports[0]).toEqual({
      name: 'http',
      containerPort: 8080,
      protocol: 'TCP',
    });
    const prometheus = parse(find(objects, 'ConfigMap', 'interlok-scaling-prometheus').data['prometheus.yml']);
    expect(prometheus.scrape_configs.map((j: any) => j.job_name)).toEqual(['interlok-pods']);
    const job = prometheus.scrape_configs[0];
    expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['integration'] } }]);
    expect(job.relabel_configs).toContainEqual({
      source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'],
      regex: 'interlok',
      action: 'keep',
    });
    expect(job.relabel_configs).toContainEqual({
      source_labels: ['__meta_kubernetes_pod_container_port_name'],
      regex: 'http',
      action: 'keep',
    });
    const role = find(objects, 'Role', 'interlok-scaling:interlok-scaling:interlok-scaling-prometheus:pod-reader');
    expect(role.metadata.namespace).toBe('integration');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    expect(
      find(objects, 'RoleBinding', 'interlok-scaling:interlok-scaling:interlok-scaling-prometheus:pod-reader').subjects,
    ).toEqual([{ kind: 'ServiceAccount', name: 'interlok-scaling-prometheus', namespace: 'interlok-scaling' }]);
    const promPod = find(objects, 'Deployment', 'interlok-scaling-prometheus').spec.template.spec;
    expect([promPod.serviceAccountName, promPod.automountServiceAccountToken]).toEqual([
      'interlok-scaling-prometheus',
      true,
    ]);
    const config = parse(find(objects, 'ConfigMap', 'interlok-scaling-adapter').data['config.yaml']);
    expect(config.rules[0]).toMatchObject({
      seriesQuery: 'workflow_count_total{namespace!="",pod!=""}',
      name: { as: 'interlok_messages' },
    });
    expect(config.rules[0].metricsQuery).toBe(
      'sum by (<<.GroupBy>>) (increase(<<.Series>>{<<.LabelMatchers>>,workflow="in@ch"}[1m]))',
    );
    expect(config.externalRules[0].seriesQuery).toBe('up');
  });

  test("nothing of the pushgateway on the Interlok: no JAVA_OPTS (the image's own, with the profiler's agent, stays) and no K8S_* env", () => {
    const env = (o: any[]) => find(o, 'Deployment', 'interlok').spec.template.spec.containers[0].env;
    expect(env(objects)).toEqual([{ name: 'JVM_ARGS', value: '-Xmx1024m' }]);
    const agent = [
      '-javaagent:lib/aspectjweaver-1.9.21.jar',
      '-Dorg.aspectj.weaver.loadtime.configuration=META-INF/profiler-aop.xml',
    ];
    const withAgent = synthStack({ interlok: { ...SCRAPED.interlok, extraJavaOptions: agent } });
    expect(env(withAgent)).toEqual([
      { name: 'JVM_ARGS', value: '-Xmx1024m' },
      { name: 'JAVA_OPTS', value: agent.join(' ') },
    ]);
    const scraped = { image: IMAGE, metricsSource: MetricsSource.scrape({ workflow: 'a@b' }) };
    expect(() =>
      demoInterlok(emptyChart(), 'I', { ...scraped, pushgateway: PushgatewayEndpoint.hostPort('pgw:9091') }),
    ).toThrow(
      '[test/I] pushgateway: got "pgw:9091", expected none with MetricsSource.scrape(): Prometheus scrapes the pods, nothing is pushed',
    );
    expect(() =>
      demoInterlok(emptyChart(), 'I', { ...scraped, deregistration: PushgatewayDeregistration.sidecar() }),
    ).toThrow(
      '[test/I] deregistration: got "PushgatewayDeregistration.sidecar()", expected PushgatewayDeregistration.none() or unset with MetricsSource.scrape(): there is no pushgateway group to delete',
    );
    expect(() => demoInterlok(emptyChart(), 'I', { ...scraped, extraJavaOptions: ['-javaagent:a.jar -Dx=1'] })).toThrow(
      '[test/I] extraJavaOptions[0]: got "-javaagent:a.jar -Dx=1", expected one JVM option starting with "-" and without spaces',
    );
  });

  test("with kube-prometheus-stack and KEDA nothing of ours is monitoring, so no monitoring namespace; every object's namespace is the stack's (emitted) or the Interlok's (used)", () => {
    const kpsKeda = synthStack({ ...SCRAPED, scaler: Scaler.keda(), monitoring: { kubePrometheusStack: {} } });
    // the Interlok's namespace is used, never emitted (createNamespace is off)
    expect(kpsKeda.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual([]);
    expect([...new Set(kpsKeda.map((o) => o.metadata.namespace).filter(Boolean))]).toEqual(['integration']);
    // with the HPA the adapter runs there, and with a pushgateway the pushgateway: then the namespace is ours
    for (const props of [
      { ...SCRAPED, monitoring: { kubePrometheusStack: {} } },
      { scaler: Scaler.keda(), monitoring: { kubePrometheusStack: {} } },
    ]) {
      const o = synthStack(props);
      const emitted = o.filter((x) => x.kind === 'Namespace').map((x) => x.metadata.name);
      const used = [
        ...new Set(
          o
            .map((x) => x.metadata.namespace)
            .filter((ns) => ns && !['default', 'kube-system', 'integration'].includes(ns)),
        ),
      ];
      expect(used.length).toBeGreaterThan(0);
      expect(emitted.sort()).toEqual(used.sort());
    }
  });

  test('with kube-prometheus-stack: a PodMonitor in the Interlok namespace, nothing of Prometheus or pushgateway of ours', () => {
    const kps = synthStack({
      ...SCRAPED,
      scaler: Scaler.keda(),
      monitoring: { kubePrometheusStack: { interval: Duration.seconds(15) } },
    });
    expect(kps.filter((o) => /pushgateway|prometheus-server|adapter/.test(o.metadata.name))).toEqual([]);
    const pm = find(kps, 'PodMonitor', 'interlok');
    expect(pm.metadata).toMatchObject({ namespace: 'integration', labels: { release: 'kube-prometheus-stack' } });
    expect(pm.spec.podMetricsEndpoints).toEqual([
      { port: 'http', path: '/prometheus/metrics', interval: '15s', honorLabels: false },
    ]);
    // Interlok answers text/plain, which Prometheus 3 parses as text 0.0.4 (test/chain/scrape.test.ts scrapes it with
    // the
    // Debian Prometheus); the field would make kubectl refuse the PodMonitor on CRDs older than 0.79.1
    expect(pm.spec).not.toHaveProperty('fallbackScrapeProtocol');
    expect(find(kps, 'ScaledObject', 'interlok').spec.triggers[0].metadata.query).toContain('workflow="in@ch"}[1m]');
  });

  test('images that cannot serve the endpoint fail at once, saying what the image needs', () => {
    for (const image of [
      'adaptris/interlok:5.0.1-zulu-alpine',
      'docker.io/adaptris/interlok:5.0.1',
      `adaptris/interlok@sha256:${'c'.repeat(64)}`,
    ]) {
      expect(() =>
        demoInterlok(emptyChart(), 'I', {
          image: InterlokImage.fromRegistry(image),
          metricsSource: MetricsSource.scrape({ workflow: 'a@b' }),
        }),
      ).toThrow(
        new RegExp(
          `\\[test/I\\] image: got "${image.replace(/[.]/g, '\\.')}", expected with MetricsSource.scrape\\(\\), an image of your own .*interlok-rest-metrics-profiler.*metrics-provider-prometheus.*aspectjweaver`,
        ),
      );
    }
    expect(() =>
      demoInterlok(emptyChart(), 'I', {
        image: InterlokImage.guideDemo(),
        metricsSource: MetricsSource.scrape({ workflow: 'a@b' }),
      }),
    ).toThrow(/image: got "aaronmcgrathadpx\/interlok-kubernetes-scaling:latest"/);
    expect(() =>
      demoInterlok(emptyChart(), 'I', {
        image: InterlokImage.fromRegistry('adaptris/interlok-profiler:5.0.1'),
        metricsSource: MetricsSource.scrape({ workflow: 'a@b' }),
      }),
    ).not.toThrow();
  });

  test("the rule's window and workflow are checked", () => {
    expect(
      () => new AdapterRule(emptyChart(), 'R', { metricsSource: MetricsSource.scrape({ workflow: 'a"b' }) }),
    ).toThrow('[test/R] metricsSource.workflow: got "a\\"b"');
    const rule = (window: Duration | undefined, scrapeInterval: Duration) =>
      new AdapterRule(emptyChart(), 'R', {
        metricsSource: MetricsSource.scrape({ workflow: 'a@b', window }),
        scrapeInterval,
      });
    // kube-prometheus-stack's 30 s: 2 intervals lose a pod from the sum at one late scrape (Prometheus 3 leaves the
    // range's start open)
    expect(() => rule(Duration.minutes(1), Duration.seconds(30))).toThrow(
      '[test/R] metricsSource.window: got 1m, expected at least 4 scrape intervals (2m with a 30s interval): increase needs two samples of each pod in its window, and a late or missed scrape (Prometheus 3 leaves the start of a range open) would drop the pod from the sum',
    );
    expect(() => rule(Duration.seconds(119), Duration.seconds(30))).toThrow(
      'got 119s, expected at least 4 scrape intervals',
    );
    expect(rule(Duration.minutes(2), Duration.seconds(30)).metricsQuery).toContain('[2m]');
    // the default: 1 min, or 4 intervals when they are longer
    expect(rule(undefined, Duration.seconds(10)).metricsQuery).toContain('[1m]');
    expect(rule(undefined, Duration.seconds(15)).metricsQuery).toContain('[1m]');
    expect(rule(undefined, Duration.seconds(30)).metricsQuery).toContain('[2m]');
  });

  test("with kube-prometheus-stack's 30 s interval the default window is 4 intervals, on the rule and KEDA's query", () => {
    const kps = synthStack({ ...SCRAPED, scaler: Scaler.keda(), monitoring: { kubePrometheusStack: {} } });
    expect(find(kps, 'ScaledObject', 'interlok').spec.triggers[0].metadata.query).toContain('workflow="in@ch"}[2m]');
    expect(find(kps, 'PodMonitor', 'interlok').spec.podMetricsEndpoints[0].interval).toBe('30s');
  });

  test('a rule and an Interlok that disagree on the source fail synth', () => {
    const chart = emptyChart();
    const interlok = demoInterlok(chart, 'I', {
      image: IMAGE,
      metricsSource: MetricsSource.scrape({ workflow: 'a@b' }),
    });
    const rule = new AdapterRule(chart, 'R');
    new (require('../lib').KedaScaledObject)(chart, 'So', {
      target: require('../lib').ScaleTarget.interlok(interlok),
      rule,
      serverAddress: 'http://p:9090',
    });
    expect(() => require('cdk8s').Testing.synth(chart)).toThrow(
      /rule test\/R counts pushed metrics but Interlok test\/I is scraped/,
    );
  });
});
