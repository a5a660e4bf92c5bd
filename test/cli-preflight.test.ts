// `preflight`: what it takes as ours, what it reports about the rest, and its exit codes without a cluster. On the
// real control plane (Helm, another field manager, the README's apply): test/e2e/takeover.e2e.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { classify } from '../cli/commands/preflight';
import { synthStack } from './helpers';
import { cliBundle } from './support/cli-bundle';

const objects = synthStack();
const desired = (kind: string, name?: string) =>
  objects.find((o) => o.kind === kind && (!name || o.metadata.name === name))!;
const live = (o: any, labels: Record<string, string | undefined>, extra: any = {}) => ({
  ...o,
  metadata: {
    ...o.metadata,
    labels,
    managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update' }],
    ...extra.metadata,
  },
  ...(extra.spec ? { spec: extra.spec } : {}),
});

describe('classify', () => {
  const cm = desired('ConfigMap', 'interlok-scaling-prometheus');

  test('every object of ours carries the mark it is told by', () => {
    for (const o of objects) {
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'cdk8s-interlok-scaling',
        'cdk8s-interlok-scaling/stack': 'interlok-autoscaling',
      });
    }
  });

  test("absent, and ours (our managed-by and this stack's mark)", () => {
    expect(classify(cm, undefined)).toEqual({
      kind: 'ConfigMap',
      namespace: 'interlok-scaling',
      name: 'interlok-scaling-prometheus',
      verdict: 'absent',
    });
    expect(classify(cm, cm).verdict).toBe('ours');
  });

  test("a Helm release's: foreign, with the release, the managers and a fix", () => {
    const helm = live(
      cm,
      { 'app.kubernetes.io/managed-by': 'Helm' },
      {
        metadata: {
          annotations: {
            'meta.helm.sh/release-name': 'prometheus',
            'meta.helm.sh/release-namespace': 'interlok-scaling',
          },
          managedFields: [{ manager: 'helm', operation: 'Update' }],
        },
      },
    );
    expect(classify(cm, helm)).toEqual({
      kind: 'ConfigMap',
      namespace: 'interlok-scaling',
      name: 'interlok-scaling-prometheus',
      verdict: 'foreign',
      evidence: {
        managedBy: 'Helm',
        stack: undefined,
        helmRelease: 'interlok-scaling/prometheus',
        managers: ['helm (Update)'],
        servedBy: undefined,
      },
      reason: 'Helm release interlok-scaling/prometheus owns it',
      fix: 'give our object another name (monitoring.names: MonitoringNames.of({...}), interlok.name, autoscaler.name) or namespace; delete ConfigMap interlok-scaling/interlok-scaling-prometheus first only if it is yours to replace',
    });
  });

  test('another stack of ours: foreign, naming both marks', () => {
    const other = live(cm, { ...cm.metadata.labels, 'cdk8s-interlok-scaling/stack': 'team-b' });
    expect(classify(cm, other)).toMatchObject({
      verdict: 'foreign',
      reason: 'another stack of ours wrote it (cdk8s-interlok-scaling/stack: team-b, this one is interlok-autoscaling)',
    });
  });

  test('unlabelled: foreign, naming who wrote it', () => {
    expect(classify(cm, live(cm, {}))).toMatchObject({
      verdict: 'foreign',
      reason: 'it carries no label of ours (written by kubectl-client-side-apply (Update))',
    });
  });

  test("0.1.x's objects: ours only with --upgrade-from-0.1, APIServices served by its adapter included", () => {
    const legacy = { 'app.kubernetes.io/managed-by': 'cdk8s', 'app.kubernetes.io/part-of': 'interlok-scaling' };
    const hpa = desired('HorizontalPodAutoscaler');
    expect(classify(hpa, live(hpa, legacy))).toMatchObject({
      verdict: 'foreign',
      reason: 'written by cdk8s-interlok-scaling 0.1.x, which marked no stack',
      fix: expect.stringContaining('Upgrading from 0.1.x'),
    });
    expect(classify(hpa, live(hpa, legacy), { upgradeFrom01: true }).verdict).toBe('ours-0.1');
    const api = desired('APIService', 'v1beta1.external.metrics.k8s.io');
    const old = live(api, legacy, {
      spec: { ...api.spec, service: { name: 'prometheus-adapter', namespace: 'monitoring', port: 443 } },
    });
    expect(classify(api, old, { upgradeFrom01: true }).verdict).toBe('ours-0.1');
  });

  test('an APIService another adapter serves: foreign, with its Service and what to do', () => {
    const api = desired('APIService', 'v1beta1.custom.metrics.k8s.io');
    const theirs = live(
      api,
      { 'app.kubernetes.io/managed-by': 'Helm' },
      { spec: { ...api.spec, service: { name: 'prometheus-adapter', namespace: 'monitoring', port: 443 } } },
    );
    expect(classify(api, theirs)).toMatchObject({
      verdict: 'foreign',
      evidence: { servedBy: 'monitoring/prometheus-adapter' },
      reason:
        'managed by Helm; it is served by monitoring/prometheus-adapter, not interlok-scaling/interlok-scaling-adapter',
      fix: expect.stringContaining('monitoring.adapter: false'),
    });
  });

  test('a Namespace someone made: foreign, to be used without owning it', () => {
    const ns = desired('Namespace');
    expect(classify(ns, live(ns, { 'kubernetes.io/metadata.name': 'interlok-scaling' }))).toMatchObject({
      verdict: 'foreign',
      fix: expect.stringContaining('createNamespace: false'),
    });
  });
});

describe('the command without a cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'preflight-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // a kubeconfig whose API server is a closed loopback port
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: here',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]',
      'contexts: [{name: here, context: {cluster: c, user: u}}]',
      'users: [{name: u, user: {token: t}}]',
      '',
    ].join('\n'),
  );
  const bin = cliBundle();
  // in this file's CLI worker (the bundle loads once)
  const cli = (...args: string[]) => {
    const r = bin.runSync(['preflight', ...args], { KUBECONFIG: kubeconfig });
    return { status: r.code, stdout: r.stdout, stderr: r.stderr };
  };

  test('bad usage exits 2: no such manifests, a context the kubeconfig lacks, two manifests', () => {
    expect(cli('no-such-dir/')).toMatchObject({
      status: 2,
      stderr: 'cdk8s-interlok-scaling: error: manifests: no-such-dir/: no such file or directory\n',
    });
    expect(cli('dist/', '--context', 'prod')).toMatchObject({
      status: 2,
      stderr:
        'cdk8s-interlok-scaling: error: --context: got "prod", expected one of the kubeconfig\'s contexts (here)\n',
    });
    expect(cli('dist/', '--manifests', 'other/').status).toBe(2);
  });

  test('an API server it cannot reach: exit 1, saying which and why', () => {
    const r = cli('dist/');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^cdk8s-interlok-scaling: error: cannot read Namespace interlok-scaling from https:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/,
    );
  });
});
