// Every prop that changes our NetworkPolicies, proven with traffic on the test cluster (kube-router enforcing):
// allowQueryFrom (a Grafana, as the README's dashboard section documents), allowPushFrom, allowScrapeFrom, existing
// namespaces (no Namespace of ours: the API server's own `kubernetes.io/metadata.name` label is what the policies
// select), networkPolicies: false, and adapterOptions.hostNetwork with nodeCidrs. Names, labels and ports come from
// the synthesized objects. Clients are stand-in pods with the labels their charts give them (sources inline).
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  getJson,
  kubectl,
  kubectlResult,
  Pusher,
  requireCluster,
  resetCluster,
  terminatingNamespaces,
  waitFor,
  waitForDeleted,
} from './harness';
import { Synthesized, synthesize } from './synthesize';
import {
  applyObjects,
  expectClosed,
  expectOpen,
  expectPoliciesEnforced,
  RunningPod,
  runningPod,
  standIn,
  stopListeners,
} from './traffic';
import { ChainRoles, chainRoles, serviceUrl } from './chain-roles';

const CANARY_NS = 'npp-canary';
const OTHER_NS = 'npp-unrelated';
/** grafana/helm-charts charts/grafana/templates/_helpers.tpl, grafana.selectorLabels (release `grafana`) */
const GRAFANA = {
  namespace: 'npp-grafana',
  labels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'grafana' },
};
/**
 * a batch Job of the user's that pushes too, and a Prometheus the cluster runs already (prometheus-operator's labels)
 */
const PUSHER = { namespace: 'npp-batch', labels: { app: 'batch-pusher' } };
const OUTSIDE_PROMETHEUS = {
  namespace: 'npp-outside',
  labels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': 'k8s' },
};

let work: string;
let stranger: RunningPod;
let appNumber = 0;

beforeAll(async () => {
  requireCluster();
  await resetCluster();
  work = mkdtempSync(join(tmpdir(), 'np-props-e2e-'));
  for (const ns of [CANARY_NS, OTHER_NS, GRAFANA.namespace, PUSHER.namespace, OUTSIDE_PROMETHEUS.namespace])
    kubectlResult(['create', 'namespace', ns]);
  applyObjects([
    standIn(OTHER_NS, 'stranger'),
    standIn(GRAFANA.namespace, 'grafana', GRAFANA.labels),
    standIn(PUSHER.namespace, 'batch-pusher', PUSHER.labels),
    standIn(OUTSIDE_PROMETHEUS.namespace, 'prometheus', OUTSIDE_PROMETHEUS.labels),
  ]);
  stranger = await runningPod(OTHER_NS, { app: 'stranger' });
}, 300_000);

afterAll(async () => {
  stopListeners();
  kubectlResult([
    'delete',
    'namespace',
    CANARY_NS,
    OTHER_NS,
    GRAFANA.namespace,
    PUSHER.namespace,
    OUTSIDE_PROMETHEUS.namespace,
    '--wait=false',
  ]);
  if (work) rmSync(work, { recursive: true, force: true });
});

test('canary: the cluster enforces NetworkPolicies (a deny-all-ingress policy closes an open path)', async () => {
  await expectPoliciesEnforced(CANARY_NS);
});

const APP_HEAD = `import { App } from 'cdk8s';
import { InterlokAutoscalingChart, InterlokImage, NetworkPeer } from 'cdk8s-interlok-scaling';
const app = new App();
const image = InterlokImage.guideDemo();
`;

/** Synthesizes `code`, applies it and waits for its Deployments; `teardown` removes it and what `before` created. */
function deployed(code: () => string, before: string[] = []) {
  const state: { ex?: Synthesized; roles?: ChainRoles } = {};
  beforeAll(async () => {
    for (const ns of before) kubectl(['create', 'namespace', ns]);
    state.ex = synthesize(work, ++appNumber, 'props', APP_HEAD + code() + 'app.synth();\n');
    state.roles = chainRoles(state.ex.objects);
    kubectl(['apply', '-f', state.ex.dist]);
    for (const d of state.roles.deployments) {
      kubectl([
        '-n',
        d.metadata.namespace,
        'wait',
        '--for=condition=Available',
        `deployment/${d.metadata.name}`,
        '--timeout=300s',
      ]);
    }
  }, 900_000);
  afterAll(async () => {
    if (!state.ex) return;
    const apiServices = state.ex.objects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name);
    if (apiServices.length) kubectlResult(['delete', 'apiservice', ...apiServices, '--ignore-not-found']);
    kubectlResult(['delete', '-f', state.ex.dist, '--ignore-not-found', '--wait=false']);
    for (const ns of before) kubectlResult(['delete', 'namespace', ns, '--wait=false']);
    await waitForDeleted(state.ex.dist);
    await waitFor(
      "the test's namespaces gone",
      () => {
        const left = getJson(['get', 'namespaces'])
          .items.map((x: any) => x.metadata.name)
          .filter((x: string) => before.includes(x));
        return left.length === 0 && terminatingNamespaces().length === 0 ? true : undefined;
      },
      150_000,
    );
  }, 300_000);
  return state as { ex: Synthesized; roles: ChainRoles };
}

const podOf = (d: any) => runningPod(d.metadata.namespace, d.spec.selector.matchLabels);
const queryUrl = (ip: string, roles: ChainRoles) =>
  `http://${ip}:${roles.port(roles.prometheus)}/api/v1/query?query=up`;
const pushUrl = (ip: string, roles: ChainRoles, who: string) =>
  `http://${ip}:${roles.port(roles.pushgateway)}/metrics/job/np-probe/k8s_namespace/${who}/k8s_pod_name/probe`;
const PUT = ['-X', 'PUT', '--data-binary', '# TYPE np_probe gauge\nnp_probe 1\n'];

describe('allowQueryFrom, allowPushFrom, allowScrapeFrom; Interlok and monitoring in namespaces that exist already', () => {
  const state = deployed(
    () => `new InterlokAutoscalingChart(app, 'np-props', {
  interlok: { image, namespace: 'npp-team' },
  monitoring: {
    namespace: 'npp-monitoring',
    createNamespace: false,
    allowQueryFrom: [NetworkPeer.pods('${GRAFANA.namespace}', ${JSON.stringify(GRAFANA.labels)})],
    allowPushFrom: [NetworkPeer.pods('${PUSHER.namespace}', ${JSON.stringify(PUSHER.labels)})],
    allowScrapeFrom: [NetworkPeer.pods('${OUTSIDE_PROMETHEUS.namespace}', ${JSON.stringify(OUTSIDE_PROMETHEUS.labels)})],
  },
});
`,
    ['npp-team', 'npp-monitoring'],
  );

  test('the namespaces that exist are no objects of ours', () => {
    expect(state.ex.objects.filter((o) => o.kind === 'Namespace')).toEqual([]);
  });

  test("allowQueryFrom: a Grafana (its chart's labels) → Prometheus's query API is open; a stranger and the Interlok stay shut out", async () => {
    const { roles, ex } = state;
    const grafana = await runningPod(GRAFANA.namespace, GRAFANA.labels);
    const prometheus = await podOf(roles.prometheus);
    expect(
      await expectOpen(
        'Grafana → Prometheus Service',
        grafana.name,
        `${serviceUrl(ex.objects, roles.prometheus)}/api/v1/query?query=up`,
      ),
    ).toBe(200);
    expect(await expectOpen('Grafana → Prometheus pod', grafana.name, queryUrl(prometheus.ip, roles))).toBe(200);
    await expectClosed('stranger → Prometheus pod', stranger.name, queryUrl(prometheus.ip, roles));
    await expectClosed(
      'Interlok → Prometheus pod',
      (await podOf(roles.interloks[0])).name,
      queryUrl(prometheus.ip, roles),
    );
    // and Grafana may not push: allowQueryFrom opens Prometheus only
    await expectClosed(
      'Grafana → pushgateway pod',
      grafana.name,
      pushUrl((await podOf(roles.pushgateway)).ip, roles, GRAFANA.namespace),
    );
  });

  test('allowPushFrom: the batch pusher → the pushgateway is open; a stranger is shut out', async () => {
    const { roles } = state;
    const gateway = await podOf(roles.pushgateway);
    const pusher = await runningPod(PUSHER.namespace, PUSHER.labels);
    expect(
      await expectOpen('pusher → pushgateway pod', pusher.name, pushUrl(gateway.ip, roles, PUSHER.namespace), PUT),
    ).toBe(200);
    await expectClosed('stranger → pushgateway pod', stranger.name, pushUrl(gateway.ip, roles, OTHER_NS));
  });

  test("allowScrapeFrom: a Prometheus the cluster runs → the pushgateway's /metrics is open, as is ours", async () => {
    const { roles } = state;
    const gateway = await podOf(roles.pushgateway);
    const outside = await runningPod(OUTSIDE_PROMETHEUS.namespace, OUTSIDE_PROMETHEUS.labels);
    const ours = await podOf(roles.prometheus);
    const metrics = `http://${gateway.ip}:${roles.port(roles.pushgateway)}/metrics`;
    expect(await expectOpen('outside Prometheus → pushgateway pod', outside.name, metrics)).toBe(200);
    expect(await expectOpen('our Prometheus → pushgateway pod', ours.name, metrics)).toBe(200);
  });

  test('existing namespaces: the Interlok in its existing namespace pushes; the adapter in the existing monitoring namespace queries', async () => {
    const { roles, ex } = state;
    const interlok = await podOf(roles.interloks[0]);
    const gateway = await podOf(roles.pushgateway);
    expect(
      await expectOpen(
        'Interlok → pushgateway Service',
        interlok.name,
        `${serviceUrl(ex.objects, roles.pushgateway)}/metrics/job/np-probe/k8s_namespace/npp-team/k8s_pod_name/probe`,
        PUT,
      ),
    ).toBe(200);
    expect(
      await expectOpen('Interlok → pushgateway pod', interlok.name, pushUrl(gateway.ip, roles, 'npp-team'), PUT),
    ).toBe(200);
    const adapter = await podOf(roles.adapter);
    expect(
      await expectOpen('adapter → Prometheus pod', adapter.name, queryUrl((await podOf(roles.prometheus)).ip, roles)),
    ).toBe(200);
  });
});

describe('networkPolicies: false', () => {
  const state = deployed(
    () => `new InterlokAutoscalingChart(app, 'np-off', { interlok: { image }, monitoring: { networkPolicies: false } });
`,
  );

  test('no NetworkPolicy, and a pod of an unrelated namespace reaches the pushgateway and Prometheus (what the README warns of)', async () => {
    const { roles } = state;
    expect(state.ex.objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    expect(
      await expectOpen(
        'stranger → pushgateway pod',
        stranger.name,
        pushUrl((await podOf(roles.pushgateway)).ip, roles, OTHER_NS),
        PUT,
      ),
    ).toBe(200);
    expect(
      await expectOpen('stranger → Prometheus pod', stranger.name, queryUrl((await podOf(roles.prometheus)).ip, roles)),
    ).toBe(200);
  });
});

// With hostNetwork the adapter's queries come from its node's address. Calico and Cilium match no pod selector
// against a node's address, so the Prometheus policy admits adapterOptions.nodeCidrs as an ipBlock. kube-router (this
// cluster's engine) always lets a pod's own node through, so the ipBlock is proven with a stand-in pod whose address
// is the range given, and a stranger outside it shut out. The adapter itself runs in the node's namespace, as a
// kubelet runs a hostNetwork pod, beside kube-apiserver's 6443: on its own port 7443 the API server reaches it and
// it answers the HPA's metric.
describe('adapterOptions.hostNetwork with nodeCidrs', () => {
  const NODES_NS = 'npp-nodes';
  let node: RunningPod;
  // first: the app is synthesized with its address
  beforeAll(async () => {
    kubectlResult(['create', 'namespace', NODES_NS]);
    applyObjects([standIn(NODES_NS, 'node-address')]);
    node = await runningPod(NODES_NS, { app: 'node-address' });
  }, 120_000);
  const state = deployed(
    () => `new InterlokAutoscalingChart(app, 'np-host', {
  interlok: { image },
  monitoring: { adapterOptions: { hostNetwork: true, replicas: 1, nodeCidrs: ['${node.ip}/32'] } },
});
`,
  );
  afterAll(() => {
    kubectlResult(['delete', 'namespace', NODES_NS, '--wait=false']);
  });

  test("the Prometheus policy admits the nodes' range and nothing else; the adapter serves on 7443, not 6443", () => {
    const { roles, ex } = state;
    const policy = ex.objects.find((o) => o.kind === 'NetworkPolicy' && roles.matches(o, [roles.prometheus]));
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ ipBlock: { cidr: `${node.ip}/32` } }],
        ports: [{ port: roles.port(roles.prometheus), protocol: 'TCP' }],
      },
    ]);
    expect(roles.adapter.spec.template.spec.hostNetwork).toBe(true);
    expect(roles.port(roles.adapter)).toBe(7443);
  });

  test('open: an address in nodeCidrs → Prometheus; closed: a stranger outside it', async () => {
    const { roles } = state;
    const prometheus = await podOf(roles.prometheus);
    expect(await expectOpen('node range → Prometheus pod', node.name, queryUrl(prometheus.ip, roles))).toBe(200);
    await expectClosed('stranger → Prometheus pod', stranger.name, queryUrl(prometheus.ip, roles));
  });

  test("the adapter runs on the node's network (the node agent runs a hostNetwork pod in the node's namespace), beside kube-apiserver's 6443", () => {
    const node = getJson(['get', 'nodes']).items[0];
    const nodeIp = node.status.addresses.find((a: any) => a.type === 'InternalIP').address;
    const pods = getJson([
      'get',
      'pods',
      '-n',
      state.roles.adapter.metadata.namespace,
      '-l',
      Object.entries(state.roles.adapter.spec.selector.matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    ]).items;
    expect(pods.map((p: any) => [p.spec.hostNetwork, p.status.podIP])).toEqual([[true, nodeIp]]);
    expect(new URL(getJson(['config', 'view', '--minify']).clusters[0].cluster.server)).toMatchObject({
      hostname: nodeIp,
      port: '6443',
    });
  });

  test('the API server reaches the adapter on its own port (APIServices Available)', () => {
    for (const api of state.ex.objects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name)) {
      kubectl(['wait', '--for=condition=Available', `apiservice/${api}`, '--timeout=180s']);
    }
  });

  // kube-router lets a pod's own node through whatever the policy, so here this shows the chain works on the node's
  // network (port, DNS, Services); on Calico or Cilium the ipBlock proven above is what admits these queries
  test("the adapter on the node queries Prometheus: the HPA's External metric is answered with what was pushed", async () => {
    const { roles, ex } = state;
    const hpa = ex.objects.find((o) => o.kind === 'HorizontalPodAutoscaler');
    const metric = hpa.spec.metrics[0].external.metric;
    const selector = Object.entries(metric.selector.matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const interlok = (await podOf(roles.interloks[0])).name.split('/');
    const pusher = new Pusher(serviceUrl(ex.objects, roles.pushgateway));
    try {
      pusher.set(interlok[0]!, interlok[1]!, 150);
      const path = `/apis/external.metrics.k8s.io/v1beta1/namespaces/${hpa.metadata.namespace}/${metric.name}?labelSelector=${encodeURIComponent(selector)}`;
      const value = await waitFor(
        'the External metric to read 150',
        () => {
          const item = JSON.parse(kubectl(['get', '--raw', path])).items?.[0];
          if (item?.value === '150') return item.value;
          throw new Error(JSON.stringify(item));
        },
        180_000,
        2000,
      );
      expect(value).toBe('150');
    } finally {
      pusher.stop();
    }
  });
});
