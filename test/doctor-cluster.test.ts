// doctor on a cluster, without one: how it reaches a Service through the API server's proxy, how it writes a
// selector, and its usage errors (exit 2) before it talks to any cluster. The chains themselves run on the real
// control plane: test/e2e/doctor.e2e.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { selectorString } from '../cli/commands/doctor-cluster';
import { serviceProxyBase } from '../cli/service-proxy';
import { cliBundle } from './support/cli-bundle';

const bin = cliBundle();

/** The bundled CLI in this file's worker (see cliBundle): it loads once for all the runs below. */
function cli(env: Record<string, string>, ...args: string[]) {
  return bin.runSync(args, env);
}

test('a Service URL or host:port becomes the API server proxy path; other hosts are not reachable that way', () => {
  expect(serviceProxyBase('http://prometheus-server.monitoring.svc:80/')).toMatchObject({
    namespace: 'monitoring',
    name: 'prometheus-server',
    port: '80',
    scheme: 'http',
    prefix: '/api/v1/namespaces/monitoring/services/http:prometheus-server:80/proxy',
  });
  expect(serviceProxyBase('prometheus-pushgateway.monitoring.svc:9091')?.prefix).toBe(
    '/api/v1/namespaces/monitoring/services/http:prometheus-pushgateway:9091/proxy',
  );
  expect(serviceProxyBase('https://prom.obs.svc.cluster.local/prefix/')?.prefix).toBe(
    '/api/v1/namespaces/obs/services/https:prom:443/proxy/prefix',
  );
  expect(serviceProxyBase('http://prom.obs:9090')?.prefix).toBe('/api/v1/namespaces/obs/services/http:prom:9090/proxy');
  expect(serviceProxyBase('http://10.0.0.1:9090')).toBeUndefined();
  expect(serviceProxyBase('http://localhost:9090')).toBeUndefined();
  expect(serviceProxyBase('http://prometheus.example.com:9090')).toBeUndefined();
});

test('label selectors as the API takes them', () => {
  expect(
    selectorString({ matchLabels: { 'app.kubernetes.io/name': 'interlok', 'app.kubernetes.io/instance': 'a' } }),
  ).toBe('app.kubernetes.io/name=interlok,app.kubernetes.io/instance=a');
  expect(
    selectorString({
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'x', operator: 'Exists' },
        { key: 'y', operator: 'DoesNotExist' },
        { key: 'z', operator: 'NotIn', values: ['c'] },
      ],
    }),
  ).toBe('tier in (a,b),x,!y,z notin (c)');
  expect(selectorString(undefined)).toBe('');
});

describe('usage on a cluster: exit 2, one line, before any request', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'doctor-cluster-'));
    // a kubeconfig whose server nothing listens on: these errors come before any request
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: one',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: one, context: {cluster: c, user: u}}, {name: two, context: {cluster: c, user: u, namespace: x}}]',
        '',
      ].join('\n'),
    );
    env = { KUBECONFIG: kubeconfig };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a context the kubeconfig does not have', () => {
    expect(cli(env, 'doctor', '--context', 'three')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'cdk8s-interlok-scaling: error: --context: got "three", expected one of the kubeconfig\'s contexts (one, two)\n',
    });
  });

  test('--hpa and --scaled-object together; flags of the URL checks without --prometheus; --context with --prometheus', () => {
    expect(cli(env, 'doctor', '--hpa', 'a', '--scaled-object', 'b')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'cdk8s-interlok-scaling: error: --hpa and --scaled-object: got both, expected one\n',
    });
    expect(cli(env, 'doctor', '--pushgateway', 'http://localhost:9091')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'cdk8s-interlok-scaling: error: --pushgateway: only with --prometheus (on a cluster, doctor reads it from the cluster)\n',
    });
    expect(cli(env, 'doctor', '--min-replicas', '2').stderr).toBe(
      'cdk8s-interlok-scaling: error: --min-replicas: only with --prometheus (on a cluster, doctor reads it from the cluster)\n',
    );
    expect(cli(env, 'doctor', '--prometheus', 'http://localhost:1', '--context', 'one')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'cdk8s-interlok-scaling: error: --context: only without --prometheus (on a cluster)\n',
    });
  });

  test('an API server that does not answer: exit 1, one line that names it', () => {
    const r = cli(env, 'doctor', '--context', 'two');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^cdk8s-interlok-scaling: error: cannot reach the API server https:\/\/127\.0\.0\.1:1: ECONNREFUSED\n$/,
    );
  });
});
