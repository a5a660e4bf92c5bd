// The NetworkPolicies of every README example that emits some (a fleet, KEDA, kube-prometheus-stack, scrape mode),
// enforced by the test cluster's kube-router and proven with traffic, as network-policies.e2e.ts does for dist/:
// every path the example's chain needs is open (each Interlok → the pushgateway; Prometheus → the pushgateway, or
// in scrape mode → the Interlok pods; the adapter or KEDA → Prometheus; the API server → the adapter) and the paths
// its policies close are closed (a pod of an unrelated namespace → the pushgateway and → Prometheus; an Interlok →
// Prometheus's query API). Every name, label, namespace and port comes from the example's synthesized objects.
// Peers that are not ours (kube-prometheus-stack's Prometheus, KEDA's operator) are stand-in pods with the labels
// and namespaces those projects really give them (sources at STAND_INS).
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { crdFiles } from '../cluster/build';
import { readmeExamples } from '../readme-examples';
import {
  ensureNamespaces,
  getJson,
  kubectl,
  kubectlResult,
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
  httpFrom,
  listenIn,
  RunningPod,
  runningPod,
  standIn,
  stopListeners,
} from './traffic';
import { ChainRoles, chainRoles, serviceUrl } from './chain-roles';

const root = join(__dirname, '..', '..');
const CANARY_NS = 'npr-canary';
const OTHER_NS = 'npr-unrelated';

/**
 * The pods of the projects the examples name, with their real namespaces and labels:
 * - KEDA's operator: namespace `keda` (KEDA's install docs: `helm install keda kedacore/keda --namespace keda`);
 *   labels of kedacore/charts keda/templates/manager/deployment.yaml (pod template: `app`, `name` and
 *   `app.kubernetes.io/name` = operator.name, default `keda-operator`, plus keda.labels: component operator,
 *   managed-by Helm, instance = the release, part-of = operator.name).
 * - kube-prometheus-stack's Prometheus: prometheus-operator v0.85.0 labels the pods of a `Prometheus` named N with
 *   pkg/prometheus/server/operator.go makeSelectorLabels: `app.kubernetes.io/managed-by: prometheus-operator`,
 *   `app.kubernetes.io/name: prometheus`, `app.kubernetes.io/instance: N`, `operator.prometheus.io/name: N`,
 *   `prometheus: N`; the chart names its Prometheus `<release>-prometheus` (release `kube-prometheus-stack`:
 *   `kube-prometheus-stack-prometheus`, also the name of its Service on 9090, the example's prometheusUrl).
 */
const STAND_INS = {
  kedaOperator: {
    namespace: 'keda',
    labels: {
      app: 'keda-operator',
      name: 'keda-operator',
      'app.kubernetes.io/name': 'keda-operator',
      'app.kubernetes.io/component': 'operator',
      'app.kubernetes.io/managed-by': 'Helm',
      'app.kubernetes.io/instance': 'keda',
      'app.kubernetes.io/part-of': 'keda-operator',
    },
  },
  kubePrometheusStackPrometheus: (name: string) => ({
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/name': 'prometheus',
    'app.kubernetes.io/instance': name,
    'operator.prometheus.io/name': name,
    prometheus: name,
  }),
};

const examples = readmeExamples(readFileSync(join(root, 'README.md'), 'utf8'));
/**
 * Install's objects are dist/'s, proven by network-policies.e2e.ts; "Using the constructs on their own" emits no
 * NetworkPolicy: the examples this suite takes are the others.
 */
export const NETWORK_POLICY_EXAMPLES = examples
  .map((e, i) => [i + 1, e.heading] as const)
  .filter(([, h]) => h !== 'Install' && !/constructs on their own/.test(h))
  .map(([n]) => n);

/**
 * The suite for the README examples numbered `numbers` (1-based, in README order; some of NETWORK_POLICY_EXAMPLES).
 * It is split over two e2e files, so that `npm test`'s test clusters can take them apart (scripts/e2e-queue.ts).
 */
export function networkPoliciesReadmeSuite(numbers: readonly number[], { checkHeadings = false } = {}): void {
  let work: string;
  let synthesized: Array<Synthesized | undefined>;
  let stranger: RunningPod;

  beforeAll(async () => {
    requireCluster();
    await resetCluster();
    work = mkdtempSync(join(tmpdir(), 'np-readme-e2e-'));
    synthesized = examples.map((e, i) =>
      checkHeadings || numbers.includes(i + 1) ? synthesize(work, i + 1, e.heading, e.code) : undefined,
    );
    for (const ns of [CANARY_NS, OTHER_NS]) kubectlResult(['create', 'namespace', ns]);
    applyObjects([standIn(OTHER_NS, 'stranger')]);
    stranger = await runningPod(OTHER_NS, { app: 'stranger' });
    const crds = crdFiles();
    kubectl(['apply', '--server-side', ...[...crds.keda, ...crds.prometheusOperator].flatMap((f) => ['-f', f])]);
    kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);
  }, 300_000);

  afterAll(async () => {
    stopListeners();
    kubectlResult(['delete', 'namespace', CANARY_NS, OTHER_NS, '--wait=false']);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('canary: the cluster enforces NetworkPolicies (a deny-all-ingress policy closes an open path)', async () => {
    await expectPoliciesEnforced(CANARY_NS);
  });

  if (checkHeadings)
    test('the README examples that emit NetworkPolicies are the fleet, KEDA, kube-prometheus-stack and scrape mode ones (besides Install, which is dist/)', () => {
      expect(
        synthesized.filter((s) => s?.objects.some((o) => o.kind === 'NetworkPolicy')).map((s) => s!.heading),
      ).toEqual([
        'Install',
        'A fleet: many Interloks on one stack',
        'KEDA instead of the HPA and adapter',
        'A cluster that runs kube-prometheus-stack',
        'Interlok 4.1+ and 5.x: Prometheus scrapes the pods',
      ]);
    });

  // Install's objects are dist/'s, proven by network-policies.e2e.ts
  describe.each(numbers.map((n) => [n, examples[n - 1]!.heading] as const))('README example %d (%s)', (n) => {
    let ex: Synthesized;
    let roles: ChainRoles;
    /** namespaces this test created for stand-ins (deleted after it) */
    const created: string[] = [];

    beforeAll(async () => {
      ex = synthesized[n - 1]!;
      roles = chainRoles(ex.objects);
      // the teams' namespaces are the README's prerequisites (never emitted): made as a user has them, deleted after
      created.push(...ensureNamespaces(ex.objects));
      kubectl(['apply', '-f', ex.dist]);
      for (const d of roles.deployments) {
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
      const apiServices = ex.objects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name);
      if (apiServices.length) kubectlResult(['delete', 'apiservice', ...apiServices, '--ignore-not-found']);
      kubectlResult(['delete', '-f', ex.dist, '--ignore-not-found', '--wait=false']);
      for (const ns of created) kubectlResult(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']);
      await waitForDeleted(ex.dist);
      await waitFor(
        "the stand-ins' namespaces gone",
        () => {
          const left = getJson(['get', 'namespaces'])
            .items.map((x: any) => x.metadata.name)
            .filter((x: string) => created.includes(x));
          return left.length === 0 && terminatingNamespaces().length === 0 ? true : undefined;
        },
        150_000,
      );
    }, 300_000);

    /** A stand-in pod of a project that is not ours, in its namespace (created if the cluster lacks it). */
    async function standInOf(namespace: string, name: string, labels: Record<string, string>): Promise<RunningPod> {
      if (kubectlResult(['get', 'namespace', namespace]).status !== 0) {
        kubectl(['create', 'namespace', namespace]);
        created.push(namespace);
      }
      applyObjects([standIn(namespace, name, labels)]);
      return runningPod(namespace, labels);
    }

    test('open: each Interlok → the pushgateway (its Service and its pod), as Interlok and its deregistration sidecar push', async () => {
      if (!roles.pushgateway) {
        expect(ex.objects.filter((o) => o.kind === 'NetworkPolicy' && roles.matches(o, roles.interloks))).toEqual([]);
        return; // scrape mode: nothing is pushed (below: Prometheus → the Interlok pods)
      }
      const gateway = await runningPod(
        roles.pushgateway.metadata.namespace,
        roles.pushgateway.spec.selector.matchLabels,
      );
      const port = roles.port(roles.pushgateway);
      for (const interlok of roles.interloks) {
        const pod = await runningPod(interlok.metadata.namespace, interlok.spec.selector.matchLabels);
        const group = `/metrics/job/np-probe/k8s_namespace/${interlok.metadata.namespace}/k8s_pod_name/${pod.name.split('/')[1]}`;
        const metric = ['-X', 'PUT', '--data-binary', '# TYPE np_probe gauge\nnp_probe 1\n'];
        expect(
          await expectOpen(
            `${interlok.metadata.name} → pushgateway Service`,
            pod.name,
            `${serviceUrl(ex.objects, roles.pushgateway)}${group}`,
            metric,
          ),
        ).toBe(200);
        expect(
          await expectOpen(
            `${interlok.metadata.name} → pushgateway pod`,
            pod.name,
            `http://${gateway.ip}:${port}${group}`,
            metric,
          ),
        ).toBe(200);
        expect(httpFrom(pod.name, `http://${gateway.ip}:${port}${group}`, ['-X', 'DELETE'])).toBe(202);
      }
    });

    test("open: Prometheus → the pushgateway (ours, or kube-prometheus-stack's stand-in), or in scrape mode → each Interlok pod", async () => {
      const scraper = roles.prometheus
        ? await runningPod(roles.prometheus.metadata.namespace, roles.prometheus.spec.selector.matchLabels)
        : await standInOf(
            roles.kubePrometheusStack!.namespace,
            'prometheus-stand-in',
            STAND_INS.kubePrometheusStackPrometheus(roles.kubePrometheusStack!.name),
          );
      if (roles.pushgateway) {
        const gateway = await runningPod(
          roles.pushgateway.metadata.namespace,
          roles.pushgateway.spec.selector.matchLabels,
        );
        expect(
          await expectOpen(
            'Prometheus → pushgateway pod',
            scraper.name,
            `http://${gateway.ip}:${roles.port(roles.pushgateway)}/metrics`,
          ),
        ).toBe(200);
        return;
      }
      for (const interlok of roles.interloks) {
        const pod = await runningPod(interlok.metadata.namespace, interlok.spec.selector.matchLabels);
        const port = roles.port(interlok);
        // what Interlok 5's metrics-provider-prometheus serves there (the stand-in runs no Java)
        await listenIn(
          pod,
          port,
          '# TYPE workflow_count_total counter\nworkflow_count_total{workflow="in-box-workflow@in-box-channel"} 1\n',
        );
        expect(
          await expectOpen(
            `Prometheus → ${interlok.metadata.name} pod`,
            scraper.name,
            `http://${pod.ip}:${port}/prometheus/metrics`,
          ),
        ).toBe(200);
      }
    });

    test("open: the adapter or KEDA's operator (stand-in) → the Prometheus it queries", async () => {
      if (roles.adapter) {
        const adapter = await runningPod(roles.adapter.metadata.namespace, roles.adapter.spec.selector.matchLabels);
        const url = roles.adapterPrometheusUrl!;
        if (!roles.prometheus) {
          // kube-prometheus-stack's Prometheus: a stand-in behind a Service of the name the example queries
          const target = await standInOf(
            roles.kubePrometheusStack!.namespace,
            'prometheus-stand-in',
            STAND_INS.kubePrometheusStackPrometheus(roles.kubePrometheusStack!.name),
          );
          const port = Number(new URL(url).port || 80);
          applyObjects([
            {
              apiVersion: 'v1',
              kind: 'Service',
              metadata: { name: roles.kubePrometheusStack!.name, namespace: roles.kubePrometheusStack!.namespace },
              spec: {
                selector: STAND_INS.kubePrometheusStackPrometheus(roles.kubePrometheusStack!.name),
                ports: [{ name: 'http-web', port, targetPort: 9090 }],
              },
            },
          ]);
          await listenIn(target, 9090, '{"status":"success","data":{"resultType":"vector","result":[]}}');
        } else {
          const prometheus = await runningPod(
            roles.prometheus.metadata.namespace,
            roles.prometheus.spec.selector.matchLabels,
          );
          expect(
            await expectOpen(
              'adapter → Prometheus pod',
              adapter.name,
              `http://${prometheus.ip}:${roles.port(roles.prometheus)}/api/v1/query?query=up`,
            ),
          ).toBe(200);
        }
        expect(
          await expectOpen(
            'adapter → the Prometheus URL it queries',
            adapter.name,
            `${url.replace(/\/$/, '')}/api/v1/query?query=up`,
          ),
        ).toBe(200);
      }
      if (roles.kedaServerAddress) {
        const keda = await standInOf(STAND_INS.kedaOperator.namespace, 'keda-operator', STAND_INS.kedaOperator.labels);
        expect(
          await expectOpen(
            'KEDA operator → the Prometheus of its trigger',
            keda.name,
            `${roles.kedaServerAddress.replace(/\/$/, '')}/api/v1/query?query=up`,
          ),
        ).toBe(200);
        if (roles.prometheus) {
          const prometheus = await runningPod(
            roles.prometheus.metadata.namespace,
            roles.prometheus.spec.selector.matchLabels,
          );
          expect(
            await expectOpen(
              'KEDA operator → Prometheus pod',
              keda.name,
              `http://${prometheus.ip}:${roles.port(roles.prometheus)}/api/v1/query?query=up`,
            ),
          ).toBe(200);
        }
      }
      expect(roles.adapter !== undefined || roles.kedaServerAddress !== undefined).toBe(true);
    });

    test('open: the API server → the adapter (its APIServices Available), where the example has one', () => {
      const apiServices = ex.objects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name);
      expect(apiServices.length > 0).toBe(roles.adapter !== undefined);
      for (const api of apiServices)
        kubectl(['wait', '--for=condition=Available', `apiservice/${api}`, '--timeout=180s']);
    });

    test('closed: a pod of an unrelated namespace → the pushgateway and → our Prometheus', async () => {
      let probed = 0;
      for (const server of [roles.pushgateway, roles.prometheus].filter((d): d is any => d !== undefined)) {
        const pod = await runningPod(server.metadata.namespace, server.spec.selector.matchLabels);
        await expectClosed(`stranger → ${server.metadata.name} Service`, stranger.name, serviceUrl(ex.objects, server));
        await expectClosed(
          `stranger → ${server.metadata.name} pod`,
          stranger.name,
          `http://${pod.ip}:${roles.port(server)}/metrics`,
        );
        probed++;
      }
      // kube-prometheus-stack's Prometheus is not ours: its policies (if any) are the stack's
      expect(probed).toBe(roles.prometheus ? (roles.pushgateway ? 2 : 1) : 1);
    });

    test("closed: each Interlok → our Prometheus's query API", async () => {
      if (!roles.prometheus) {
        expect(roles.kubePrometheusStack).toBeDefined(); // the stack's Prometheus and its policies are not ours
        return;
      }
      const prometheus = await runningPod(
        roles.prometheus.metadata.namespace,
        roles.prometheus.spec.selector.matchLabels,
      );
      for (const [i, interlok] of roles.interloks.entries()) {
        const pod = await runningPod(interlok.metadata.namespace, interlok.spec.selector.matchLabels);
        if (i === 0)
          await expectClosed(
            `${interlok.metadata.name} → Prometheus Service`,
            pod.name,
            `${serviceUrl(ex.objects, roles.prometheus)}/api/v1/query?query=up`,
          );
        await expectClosed(
          `${interlok.metadata.name} → Prometheus pod`,
          pod.name,
          `http://${prometheus.ip}:${roles.port(roles.prometheus)}/api/v1/query?query=up`,
        );
      }
    });
  });
}
