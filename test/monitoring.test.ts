import { Duration, Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  AdapterRule,
  ApiServiceTls,
  MonitoringStack,
  NetworkPeer,
  PrometheusAdapter,
  PrometheusServer,
  Pushgateway,
  ExistingEndpoints,
} from '../lib';
import { container, demoChart, emptyChart, find, synthChart } from './helpers';

const INTERLOK = NetworkPeer.pods('default', { 'app.kubernetes.io/name': 'interlok' });

describe('MonitoringStack', () => {
  test('on its own, for an Interlok deployed elsewhere: snapshot', () => {
    const chart = emptyChart();
    const stack = new MonitoringStack(chart, 'Monitoring', { allowPushFrom: [INTERLOK] });
    stack.addRule(new AdapterRule(chart, 'Rule'));
    const objects = synthChart(chart);
    expect(objects).toMatchSnapshot();
    expect(stack.pushgatewayEndpoint!.hostPort).toBe('interlok-scaling-pushgateway.interlok-scaling.svc:9091');
  });

  test('the pushgateway admits the pushers and Prometheus only; Prometheus admits the adapter only', () => {
    const chart = emptyChart();
    new MonitoringStack(chart, 'Monitoring', { allowPushFrom: [INTERLOK] }).addRule(new AdapterRule(chart, 'Rule'));
    const objects = synthChart(chart);
    const from = (name: string) =>
      find(objects, 'NetworkPolicy', name).spec.ingress[0].from?.map((p: any) => [
        p.namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
        p.podSelector.matchLabels['app.kubernetes.io/name'],
      ]);
    expect(from('interlok-scaling-pushgateway')).toEqual([
      ['default', 'interlok'],
      ['interlok-scaling', 'prometheus'],
    ]);
    expect(from('interlok-scaling-prometheus')).toEqual([['interlok-scaling', 'prometheus-adapter']]);
    expect(from('interlok-scaling-adapter')).toBeUndefined();
    expect(find(objects, 'NetworkPolicy', 'interlok-scaling-adapter').spec.ingress[0].ports).toEqual([
      { protocol: 'TCP', port: 6443 },
    ]);
  });

  test('a pushgateway nobody may push to fails synth, saying what to do', () => {
    const chart = emptyChart();
    new MonitoringStack(chart, 'Monitoring').addRule(new AdapterRule(chart, 'Rule'));
    // in the stack's props, not the inner Pushgateway's (allowPushFrom(...), networkPolicy)
    expect(() => Testing.synth(chart)).toThrow(
      '[test/Monitoring/Pushgateway] pushgateway interlok-scaling/interlok-scaling-pushgateway admits no pusher: give allowPushFrom: [NetworkPeer.pods(namespace, labels)] for the Interlok pods, or set networkPolicies: false',
    );
    const own = emptyChart();
    new Pushgateway(own, 'Pgw', { allowScrapeFrom: [INTERLOK] });
    expect(() => Testing.synth(own)).toThrow(
      '[test/Pgw] pushgateway interlok-scaling/interlok-scaling-pushgateway admits no pusher: call allowPushFrom(NetworkPeer.pods(namespace, labels)) for the Interlok pods, or set networkPolicy: false',
    );
  });

  test("in the chart, what to do is said with the chart's monitoring props", () => {
    const adapterless = emptyChart();
    demoChart(adapterless, 'Stack', { monitoring: { adapter: false } });
    expect(() => Testing.synth(adapterless)).toThrow(
      '[test/Stack/Monitoring/Prometheus] Prometheus interlok-scaling/interlok-scaling-prometheus admits no client: give monitoring.allowQueryFrom: [NetworkPeer.pods(namespace, labels)] for your prometheus-adapter, or set monitoring.networkPolicies: false',
    );
    const prometheusless = emptyChart();
    demoChart(prometheusless, 'Stack', {
      monitoring: { prometheus: false, existingPrometheusUrl: 'http://prom.obs.svc:9090/' },
    });
    expect(() => Testing.synth(prometheusless)).toThrow(
      '[test/Stack/Monitoring/Pushgateway] pushgateway interlok-scaling/interlok-scaling-pushgateway admits no scraper: give monitoring.allowScrapeFrom: [NetworkPeer.pods(namespace, labels)] for the Prometheus pods, or set monitoring.networkPolicies: false',
    );
    const own = emptyChart();
    new PrometheusServer(own, 'Prom', { pushgatewayTargets: ['pgw:9091'] });
    expect(() => Testing.synth(own)).toThrow(
      '[test/Prom] Prometheus interlok-scaling/interlok-scaling-prometheus admits no client: call allowQueryFrom(NetworkPeer.pods(namespace, labels)) for your prometheus-adapter, or set networkPolicy: false',
    );
  });

  test('an outside Prometheus must be allowed to scrape the pushgateway', () => {
    const chart = emptyChart();
    new MonitoringStack(chart, 'Monitoring', {
      allowPushFrom: [INTERLOK],
      prometheus: false,
      existingPrometheusUrl: 'http://prom.obs.svc:9090/',
    }).addRule(new AdapterRule(chart, 'Rule'));
    expect(() => Testing.synth(chart)).toThrow(
      '[test/Monitoring/Pushgateway] pushgateway interlok-scaling/interlok-scaling-pushgateway admits no scraper: give allowScrapeFrom: [NetworkPeer.pods(namespace, labels)] for the Prometheus pods, or set networkPolicies: false',
    );
  });

  test('without NetworkPolicies nothing has to be allowed', () => {
    const chart = emptyChart();
    new MonitoringStack(chart, 'Monitoring', { networkPolicies: false }).addRule(new AdapterRule(chart, 'Rule'));
    expect(synthChart(chart).filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  });
});

describe('PrometheusAdapter', () => {
  const make = (tls?: ApiServiceTls, rules = [{}]) => {
    const chart = emptyChart();
    new ExistingEndpoints(chart, 'Existing', { prometheusUrls: ['http://prometheus.obs.svc:9090/'] });
    const adapter = new PrometheusAdapter(chart, 'Adapter', { prometheusUrl: 'http://prometheus.obs.svc:9090/', tls });
    rules.forEach((props, i) => adapter.addRule(new AdapterRule(chart, `Rule${i}`, props)));
    return synthChart(chart);
  };

  test('a changed rule changes the checksum on the pod template, so the adapter rolls', () => {
    const sum = (objects: any[]) =>
      find(objects, 'Deployment', 'interlok-scaling-adapter').spec.template.metadata.annotations['checksum/config'];
    expect(sum(make(undefined, [{}]))).not.toBe(sum(make(undefined, [{ staleAfter: Duration.minutes(2) }])));
    expect(sum(make(undefined, [{}]))).toBe(sum(make(undefined, [{}])));
  });

  test('several rules in one config.yaml', () => {
    const config = parse(
      find(make(undefined, [{}, { seriesName: 'OrdersIn' }]), 'ConfigMap', 'interlok-scaling-adapter').data[
        'config.yaml'
      ],
    );
    expect(config.rules.map((r: any) => r.name.as)).toEqual(['MessageMetrics', 'OrdersIn']);
  });

  test('TLS from a CA bundle: no skip-verify, the serving certificate mounted from the Secret', () => {
    const objects = make(ApiServiceTls.caBundle('Q0E=', 'adapter-tls'));
    expect(find(objects, 'APIService', 'v1beta1.custom.metrics.k8s.io').spec).toMatchObject({ caBundle: 'Q0E=' });
    expect(find(objects, 'APIService', 'v1beta1.custom.metrics.k8s.io').spec.insecureSkipTLSVerify).toBeUndefined();
    const dep = find(objects, 'Deployment', 'interlok-scaling-adapter');
    expect(container(dep).args).toEqual(
      expect.arrayContaining([
        '--tls-cert-file=/var/run/serving-cert/tls.crt',
        '--tls-private-key-file=/var/run/serving-cert/tls.key',
      ]),
    );
    expect(dep.spec.template.spec.volumes).toContainEqual({
      name: 'serving-cert',
      secret: { secretName: 'adapter-tls' },
    });
  });

  test('TLS by cert-manager CA injection', () => {
    const api = find(
      make(ApiServiceTls.certManager('monitoring/adapter', 'adapter-tls')),
      'APIService',
      'v1beta1.custom.metrics.k8s.io',
    );
    expect(api.metadata.annotations).toEqual({ 'cert-manager.io/inject-ca-from': 'monitoring/adapter' });
    expect(api.spec.insecureSkipTLSVerify).toBeUndefined();
    expect(api.spec.caBundle).toBeUndefined();
  });

  test('an adapter without rules, or serving one name twice, fails synth', () => {
    // one app each: a cluster has one adapter, and two in one app fail on their APIServices first
    const empty = emptyChart();
    new PrometheusAdapter(empty, 'Empty', { prometheusUrl: 'http://p:9090/', networkPolicy: false, name: 'empty' });
    expect(() => Testing.synth(empty)).toThrow(
      '[test/Empty] prometheus-adapter interlok-scaling/empty has no rules: it would serve no metric',
    );
    const chart = emptyChart();
    const twice = new PrometheusAdapter(chart, 'Twice', {
      prometheusUrl: 'http://p:9090/',
      networkPolicy: false,
      name: 'twice',
    });
    twice.addRule(new AdapterRule(chart, 'A'));
    twice.addRule(new AdapterRule(chart, 'B'));
    // which rules, and what to do
    expect(() => Testing.synth(chart)).toThrow(
      '[test/Twice] prometheus-adapter interlok-scaling/twice serves MessageMetrics, interlok_messagemetrics from more than one rule ' +
        '(MessageMetrics: test/A, test/B; interlok_messagemetrics: test/A, test/B): give the HPAs on one metric one AdapterRule ' +
        "(each HPA still reads only its own Deployment's pods), or give each other rule a metricName and externalMetricName of its own",
    );
  });

  test('a Prometheus URL in any valid namespace, even one that is invalid punycode (xn--a), is taken', () => {
    expect(
      () => new PrometheusAdapter(emptyChart(), 'A', { prometheusUrl: 'http://prometheus-server.xn--a.svc:80/' }),
    ).not.toThrow();
    expect(() => new PrometheusAdapter(emptyChart(), 'A', { prometheusUrl: 'http://p:99999/' })).toThrow(
      'prometheusUrl: got "http://p:99999/"',
    );
  });

  test('the external metrics API only where it serves something, and never without it', () => {
    const on = emptyChart();
    new PrometheusAdapter(on, 'Adapter', {
      prometheusUrl: 'http://p:9090/',
      networkPolicy: false,
      rules: [new AdapterRule(on, 'Rule', { external: false })],
    });
    expect(() => Testing.synth(on)).toThrow(
      '[test/Adapter] prometheus-adapter interlok-scaling/interlok-scaling-adapter registers v1beta1.external.metrics.k8s.io but serves no External metric: set externalMetrics: false',
    );
    const off = emptyChart();
    new PrometheusAdapter(off, 'Adapter', {
      prometheusUrl: 'http://p:9090/',
      networkPolicy: false,
      externalMetrics: false,
      rules: [new AdapterRule(off, 'Rule')],
    });
    expect(() => Testing.synth(off)).toThrow(
      '[test/Adapter] prometheus-adapter interlok-scaling/interlok-scaling-adapter has externalMetrics: false but serves the External metric of test/Rule: set external: false on the rule (and ScaleMetric.podsAverage() on its HPA)',
    );
  });
});

describe('Pushgateway and PrometheusServer on their own', () => {
  test('Prometheus scrapes the given pushgateways', () => {
    const chart = emptyChart();
    const pgw = new Pushgateway(chart, 'Pgw', { namespace: 'obs', allowPushFrom: [INTERLOK] });
    const prom = new PrometheusServer(chart, 'Prom', {
      namespace: 'obs',
      pushgatewayTargets: [pgw.endpoint.hostPort],
      scrapeInterval: Duration.seconds(5),
    });
    prom.allowQueryFrom(NetworkPeer.pods('obs', { app: 'adapter' }));
    pgw.allowScrapeFrom(prom.peer);
    const objects = synthChart(chart);
    const config = parse(find(objects, 'ConfigMap', 'interlok-scaling-prometheus').data['prometheus.yml']);
    expect(config.scrape_configs[0]).toMatchObject({
      honor_labels: true,
      scrape_interval: '5s',
      static_configs: [{ targets: ['interlok-scaling-pushgateway.obs.svc:9091'] }],
    });
    expect(prom.url).toBe('http://interlok-scaling-prometheus.obs.svc:80/');
    expect(container(find(objects, 'Deployment', 'interlok-scaling-pushgateway')).args).toEqual([
      '--web.listen-address=:9091',
      '--persistence.file=/data/pushgateway.data',
      '--persistence.interval=1m',
    ]);
  });
});

describe('namespaces every cluster has', () => {
  test.each(['default', 'kube-system', 'kube-public', 'kube-node-lease'])(
    '%s is never emitted as a Namespace object',
    (ns) => {
      const chart = emptyChart();
      new MonitoringStack(chart, 'Monitoring', { namespace: ns, allowPushFrom: [INTERLOK] }).addRule(
        new AdapterRule(chart, 'Rule'),
      );
      expect(Testing.synth(chart).filter((o: any) => o.kind === 'Namespace')).toEqual([]);
    },
  );
});
