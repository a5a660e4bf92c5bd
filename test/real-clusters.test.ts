/**
 * Issue 7, "survive real clusters": one test per item, each failing on the dist/ of 0.1.0. The idle scale-down
 * (§2) and the removal of deleted pods' groups (§3) are proven on the real pushgateway and Prometheus in
 * test/chain/external.test.ts and test/chain/deregister.test.ts.
 */
import { App, Chart, Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AdapterRule,
  ExistingEndpoints,
  NetworkPeer,
  PrometheusAdapter,
  PrometheusServer,
  PushgatewayEndpoint,
  PushgatewayEnv,
} from '../lib';
import { distObjects } from './chain/harness';
import { container, demoChart, emptyChart, env, find, Manifest, synthChart, synthStack } from './helpers';
import { DEFAULT_NAMES as NAMES } from '../lib/kit/monitoring-names';

const dist = distObjects();
const OUR_NAMESPACES = new Set(['default', 'interlok-scaling']);
const podTemplates = (objects: Manifest[]) =>
  objects.filter((o) => o.kind === 'Deployment').map((o) => [o.metadata.name, o.spec.template.spec] as const);

describe('§1 nothing the cluster already has is taken over', () => {
  test('cluster-scoped objects and objects outside our namespaces carry names of our own (APIServices and Namespaces excepted)', () => {
    const shared = dist.filter((o) => !o.metadata.namespace || !OUR_NAMESPACES.has(o.metadata.namespace));
    const named = shared.filter((o) => !['APIService', 'Namespace'].includes(o.kind));
    expect(named.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole//interlok-scaling:interlok-scaling:interlok-scaling-adapter:resource-reader',
      'ClusterRoleBinding//interlok-scaling:interlok-scaling:interlok-scaling-adapter:auth-delegator',
      'ClusterRoleBinding//interlok-scaling:interlok-scaling:interlok-scaling-adapter:resource-reader',
      'RoleBinding/kube-system/interlok-scaling:interlok-scaling:interlok-scaling-adapter:auth-reader',
    ]);
  });

  test("two stacks (two apps) in two namespaces share no object but the cluster's one APIService of each name", () => {
    const key = (o: Manifest) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const a = new Set(synthStack().map(key));
    const b = synthStack({ interlok: { namespace: 'team-b' }, monitoring: { namespace: 'monitoring-b' } }).map(key);
    expect(b.filter((k) => a.has(k))).toEqual([
      'APIService//v1beta1.custom.metrics.k8s.io',
      'APIService//v1beta1.external.metrics.k8s.io',
    ]);
  });

  test('one app synthesizing an APIService twice fails synth, saying why', () => {
    const app = new App({ outdir: Testing.app().outdir });
    demoChart(app, 'first');
    demoChart(app, 'second', { interlok: { namespace: 'team-b' }, monitoring: { namespace: 'monitoring-b' } });
    expect(() => app.synthYaml()).toThrow(
      /APIService v1beta1\.custom\.metrics\.k8s\.io is defined twice \(first\/Monitoring\/Adapter\/ApiService and second\/Monitoring\/Adapter\/ApiService\): a cluster has one APIService of a name/,
    );
    expect(() => app.synthYaml()).toThrow(/APIService v1beta1\.external\.metrics\.k8s\.io is defined twice/);
  });

  test('two adapters in one chart, wherever they sit, are caught too', () => {
    const chart = emptyChart();
    const adapter = (scope: Construct, namespace: string) =>
      new PrometheusAdapter(scope, 'Adapter', {
        prometheusUrl: 'http://p:9090/',
        namespace,
        externalMetrics: false,
        networkPolicy: false,
        rules: [new AdapterRule(scope, 'Rule', { external: false })],
      });
    adapter(chart, 'monitoring');
    adapter(new Construct(new Construct(chart, 'Team'), 'Nested'), 'team-monitoring');
    expect(() => Testing.synth(chart)).toThrow(
      '[test] APIService v1beta1.custom.metrics.k8s.io is defined twice (test/Adapter/ApiService and test/Team/Nested/Adapter/ApiService)',
    );
  });
});

describe('§4 the DNS cache setting Interlok reads', () => {
  test('JAVA_OPTS sets -Dsun.net.inetaddr.ttl, not the security property the JDK ignores as -D', () => {
    const opts: string = env(container(find(dist, 'Deployment', 'interlok'))).JAVA_OPTS.value;
    expect(opts.split(' ')).toContain('-Dsun.net.inetaddr.ttl=30');
    expect(opts).not.toContain('networkaddress.cache.ttl');
    expect(new PushgatewayEnv(emptyChart(), 'Env', { dnsCacheTtl: Duration.seconds(5) }).javaOpts).toContain(
      '-Dsun.net.inetaddr.ttl=5',
    );
    expect(
      () => new PushgatewayEnv(emptyChart(), 'Env', { extraJavaOptions: ['-Dnetworkaddress.cache.ttl=5'] }),
    ).toThrow(
      '[test/Env] extraJavaOptions[0]: got "-Dnetworkaddress.cache.ttl=5", expected no -Dnetworkaddress.cache.ttl: it is a security property the JDK ignores as -D; set dnsCacheTtl (-Dsun.net.inetaddr.ttl)',
    );
  });
});

describe('§5 an aggregated API that stays up', () => {
  const adapter = find(dist, 'Deployment', 'interlok-scaling-adapter');

  test('two replicas spread across nodes, a PodDisruptionBudget keeping one', () => {
    expect(adapter.spec.replicas).toBe(2);
    expect(adapter.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(adapter.spec.template.spec.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: adapter.spec.selector.matchLabels },
      },
    ]);
    const pdb = find(
      dist.filter((o) => o.metadata.namespace === 'interlok-scaling'),
      'PodDisruptionBudget',
      'interlok-scaling-adapter',
    );
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: adapter.spec.selector.matchLabels } });
  });

  test('every pod of the stack runs on Linux nodes', () => {
    for (const [name, spec] of podTemplates(dist))
      expect([name, spec.nodeSelector]).toEqual([name, { 'kubernetes.io/os': 'linux' }]);
  });

  test('options: a priority class, and the node network for control planes that cannot reach pod IPs', () => {
    const chart = emptyChart();
    new ExistingEndpoints(chart, 'Existing', { prometheusUrls: ['http://p:9090/'] });
    new PrometheusAdapter(chart, 'Adapter', {
      prometheusUrl: 'http://p:9090/',
      priorityClassName: 'system-cluster-critical',
      hostNetwork: true,
      replicas: 3,
      externalMetrics: false,
      networkPolicy: false,
      rules: [new AdapterRule(chart, 'Rule', { external: false })],
    });
    const spec = find(synthChart(chart), 'Deployment', 'interlok-scaling-adapter').spec;
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec).toMatchObject({
      priorityClassName: 'system-cluster-critical',
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
    });
    // not kube-apiserver's 6443, which a node that runs it holds
    expect(container({ spec }).args).toContain('--secure-port=7443');
    expect(container({ spec }).ports).toEqual([{ name: 'https', containerPort: 7443, protocol: 'TCP' }]);
    // two pods cannot bind one port on one node
    expect(spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: spec.selector.matchLabels } },
    ]);
    expect(spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(
      () =>
        new PrometheusAdapter(emptyChart(), 'Adapter', {
          prometheusUrl: 'http://p:9090/',
          priorityClassName: 'Critical!',
        }),
    ).toThrow('[test/Adapter] priorityClassName: got "Critical!", expected a DNS-1123 subdomain');
  });

  // issue 17: a hostNetwork adapter's queries come from its node's address, which the Prometheus NetworkPolicy's pod
  // selector does not admit on Calico or Cilium (the HPA never scales); and 6443 is kube-apiserver's on its nodes
  test("hostNetwork: the Prometheus NetworkPolicy admits the nodes' ranges (ipBlock), not the pods; a port of its own", () => {
    const objects = synthStack({
      monitoring: { adapterOptions: { hostNetwork: true, nodeCidrs: ['10.0.0.0/16', '10.1.0.0/16'] } },
    });
    const adapter = find(objects, 'Deployment', NAMES.adapter);
    const prometheus = find(objects, 'Deployment', NAMES.prometheus);
    const policy = objects.find(
      (o) =>
        o.kind === 'NetworkPolicy' &&
        JSON.stringify(o.spec.podSelector.matchLabels) === JSON.stringify(prometheus.spec.selector.matchLabels),
    )!;
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ ipBlock: { cidr: '10.0.0.0/16' } }, { ipBlock: { cidr: '10.1.0.0/16' } }],
        ports: [{ port: 9090, protocol: 'TCP' }],
      },
    ]);
    expect(container(adapter).args).toContain('--secure-port=7443');
    const adapterPolicy = objects.find(
      (o) =>
        o.kind === 'NetworkPolicy' &&
        JSON.stringify(o.spec.podSelector.matchLabels) === JSON.stringify(adapter.spec.selector.matchLabels),
    )!;
    expect(adapterPolicy.spec.ingress).toEqual([{ ports: [{ port: 7443, protocol: 'TCP' }] }]);
    // a port of the user's choice
    expect(
      container(
        find(
          synthStack({
            monitoring: { adapterOptions: { hostNetwork: true, securePort: 9443, nodeCidrs: ['10.0.0.0/16'] } },
          }),
          'Deployment',
          NAMES.adapter,
        ),
      ).args,
    ).toContain('--secure-port=9443');
    // without NetworkPolicies, no range is needed
    expect(
      synthStack({ monitoring: { networkPolicies: false, adapterOptions: { hostNetwork: true } } }).filter(
        (o) => o.kind === 'NetworkPolicy',
      ),
    ).toEqual([]);
  });

  test("hostNetwork: refused without the nodes' ranges, on a port of the node's own components, and ranges without it", () => {
    expect(() => synthStack({ monitoring: { adapterOptions: { hostNetwork: true } } })).toThrow(
      '[interlok-autoscaling/Monitoring] adapterOptions.nodeCidrs: got undefined, expected the address ranges of the nodes (CIDR, e.g. ["10.0.0.0/16"]) with adapterOptions.hostNetwork',
    );
    expect(() =>
      synthStack({
        monitoring: { adapterOptions: { hostNetwork: true, securePort: 6443, nodeCidrs: ['10.0.0.0/16'] } },
      }),
    ).toThrow(
      "[interlok-autoscaling/Monitoring/Adapter] securePort: got 6443, expected a port other than kube-apiserver's with hostNetwork (the adapter binds it on the node), e.g. 7443",
    );
    expect(() =>
      synthStack({
        monitoring: { adapterOptions: { hostNetwork: true, securePort: 10250, nodeCidrs: ['10.0.0.0/16'] } },
      }),
    ).toThrow("expected a port other than the kubelet's");
    expect(() => synthStack({ monitoring: { adapterOptions: { nodeCidrs: ['10.0.0.0/16'] } } })).toThrow(
      '[interlok-autoscaling/Monitoring/Adapter] nodeCidrs: got ["10.0.0.0/16"], expected none without hostNetwork',
    );
    for (const bad of ['0.0.0.0/0', '10.0.0.0', '10.0.0.300/16', 'nodes']) {
      expect(() => synthStack({ monitoring: { adapterOptions: { hostNetwork: true, nodeCidrs: [bad] } } })).toThrow(
        `[interlok-autoscaling/Monitoring/Adapter] nodeCidrs[0].cidr: got ${JSON.stringify(bad)}, expected an IPv4 or IPv6 CIDR with a prefix length of at least 1`,
      );
    }
  });

  test('NetworkPeer.ipBlock: any client by its address, e.g. a Grafana outside the cluster; never an Interlok pusher', () => {
    const objects = synthStack({
      monitoring: { allowQueryFrom: [NetworkPeer.ipBlock('192.168.10.0/24'), NetworkPeer.ipBlock('fd00::/64')] },
    });
    const prometheus = find(objects, 'Deployment', NAMES.prometheus);
    const policy = objects.find(
      (o) =>
        o.kind === 'NetworkPolicy' &&
        JSON.stringify(o.spec.podSelector.matchLabels) === JSON.stringify(prometheus.spec.selector.matchLabels),
    )!;
    expect(policy.spec.ingress[0].from).toEqual(
      expect.arrayContaining([{ ipBlock: { cidr: '192.168.10.0/24' } }, { ipBlock: { cidr: 'fd00::/64' } }]),
    );
    expect(NetworkPeer.ipBlock('10.0.0.0/8').admits('', {})).toBe(false);
  });
});

describe('§6 smaller', () => {
  test('no prometheus.io/probe annotation: a chart-installed Prometheus would find the pushgateway and show a blocked target', () => {
    expect(JSON.stringify(dist)).not.toContain('prometheus.io/');
  });

  test('Interlok: a PodDisruptionBudget once more than one replica is allowed, spread across nodes, a preStop pause', () => {
    const interlok = find(dist, 'Deployment', 'interlok');
    expect(find(dist, 'PodDisruptionBudget', 'interlok').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: interlok.spec.selector.matchLabels },
    });
    expect(interlok.spec.template.spec.topologySpreadConstraints[0]).toMatchObject({
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'ScheduleAnyway',
    });
    expect(container(interlok, 'interlok').lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    const single = synthStack({ autoscaler: { maxReplicas: 1 } });
    expect(single.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name)).toEqual([
      'interlok-scaling-adapter',
    ]);
  });
});

describe('§1 next to a prometheus-community prometheus-adapter release', () => {
  // Every object that chart renders, read from its templates (source, commits and helper logic in the file).
  const chart = require('./fixtures/prometheus-adapter-chart-names.json');
  const chartKeys = (release: string, namespace: string) =>
    new Set<string>(
      chart.objects.flatMap((o: Manifest) => {
        const ns = o.scope === 'cluster' ? '' : o.scope === 'kube-system' ? 'kube-system' : namespace;
        return [`${o.kind}/${ns}/${o.names[release]}`];
      }),
    );
  const key = (o: Manifest) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const RELEASES = ['prometheus-adapter', 'monitoring', 'my-release'];

  test("the chart's names are those of chart 5.3.0, whatever the release is called", () => {
    expect(chart.chartVersion).toBe('5.3.0');
    expect(chartKeys('my-release', 'monitoring')).toContain('ClusterRole//prometheus-adapter-resource-reader');
    expect(chartKeys('my-release', 'monitoring')).toContain('RoleBinding/kube-system/prometheus-adapter-auth-reader');
  });

  test.each(RELEASES)(
    'dist/ shares no RBAC object with release %s (it did: its adapter would lose its RBAC)',
    (release) => {
      const shared = dist.map(key).filter((k) => chartKeys(release, 'monitoring').has(k));
      expect(shared.filter((k) => !k.startsWith('APIService/') && !k.includes('/monitoring/'))).toEqual([]);
    },
  );

  test('the cluster-unique APIServices are the only cluster-wide names dist/ shares: check before applying (README)', () => {
    const shared = dist.map(key).filter((k) => chartKeys('my-release', 'monitoring').has(k));
    expect(shared).toEqual([
      'APIService//v1beta1.custom.metrics.k8s.io',
      'APIService//v1beta1.external.metrics.k8s.io',
    ]);
  });

  test.each(RELEASES)(
    'with the adapter turned off for a cluster that runs one, nothing is shared with release %s',
    (release) => {
      const objects = synthStack({
        monitoring: {
          adapter: false,
          allowQueryFrom: [NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus-adapter' })],
        },
      });
      expect(objects.filter((o) => o.kind === 'APIService')).toEqual([]);
      for (const namespace of ['monitoring', 'custom-metrics', 'default']) {
        expect(objects.map(key).filter((k) => chartKeys(release, namespace).has(k))).toEqual([]);
      }
    },
  );
});

describe('issue 12: standalone servers read what the app synthesizes or declares', () => {
  const errors = (chart: Chart) => {
    try {
      Testing.synth(chart);
    } catch (e) {
      return (e as Error).message
        .split('\n')
        .slice(1)
        .map((l) => l.trim());
    }
    return [];
  };

  test('a Prometheus scraping a pushgateway nobody synthesizes or declares, and an adapter querying a Prometheus likewise', () => {
    const chart = emptyChart();
    new PrometheusServer(chart, 'Prom', { pushgatewayTargets: ['pgw.obs.svc:9091'], networkPolicy: false });
    new PrometheusAdapter(chart, 'Adapter', {
      prometheusUrl: 'http://prometheus.obs.svc:9090/',
      networkPolicy: false,
      externalMetrics: false,
      rules: [new AdapterRule(chart, 'Rule', { external: false })],
    });
    expect(errors(chart).sort()).toEqual([
      "[test/Adapter] prometheus-adapter interlok-scaling/interlok-scaling-adapter queries http://prometheus.obs.svc:9090/, which this app neither synthesizes nor declares: declare it with new ExistingEndpoints(scope, id, { prometheusUrls: ['http://prometheus.obs.svc:9090/'] }), or point it at a PrometheusServer of the app",
      "[test/Prom] Prometheus interlok-scaling/interlok-scaling-prometheus scrapes pushgateway pgw.obs.svc:9091, which this app neither synthesizes nor declares: declare it with new ExistingEndpoints(scope, id, { pushgateways: ['pgw.obs.svc:9091'] }), or scrape a Pushgateway of the app",
    ]);
    // any spelling of the same Service counts
    new ExistingEndpoints(chart, 'Existing', {
      pushgateways: ['pgw.obs.svc.cluster.local:9091'],
      prometheusUrls: ['http://prometheus.obs:9090'],
    });
    expect(errors(chart)).toEqual([]);
  });

  test("the adapter pointed at the app's own Prometheus, in any spelling, needs no declaration; a stack declares what it was told exists", () => {
    const chart = emptyChart();
    new PrometheusServer(chart, 'Prom', { pushgatewayTargets: ['pgw.obs.svc:9091'], networkPolicy: false });
    new ExistingEndpoints(chart, 'Existing', { pushgateways: ['pgw.obs.svc:9091'] });
    new PrometheusAdapter(chart, 'Adapter', {
      prometheusUrl: 'http://interlok-scaling-prometheus.interlok-scaling.svc.cluster.local:80/',
      networkPolicy: false,
      externalMetrics: false,
      rules: [new AdapterRule(chart, 'Rule', { external: false })],
    });
    expect(errors(chart)).toEqual([]);
    expect(() =>
      synthStack({
        monitoring: { pushgateway: false, existingPushgateway: PushgatewayEndpoint.hostPort('pgw.obs.svc:9091') },
      }),
    ).not.toThrow();
    expect(() =>
      synthStack({
        monitoring: {
          prometheus: false,
          existingPrometheusUrl: 'http://prometheus.obs.svc:9090/',
          allowScrapeFrom: [NetworkPeer.pods('obs', { app: 'prometheus' })],
        },
      }),
    ).not.toThrow();
  });
});
