// The e2e tests' reads from their own process (test/e2e/kube-api.ts) answer for the kubectl commands they replace:
// which commands become which API paths, and which are left to kubectl.
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { manifestObjects, readPath } from './e2e/kube-api';

test.each([
  [['get', 'deployment', 'interlok', '-n', 'default'], '/apis/apps/v1/namespaces/default/deployments/interlok'],
  [
    ['get', 'hpa', 'interlok-autoscaler'],
    '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/interlok-autoscaler',
  ],
  [
    ['-n', 'integration', 'get', 'pods', '-l', 'app.kubernetes.io/instance=interlok,app.kubernetes.io/name=interlok'],
    '/api/v1/namespaces/integration/pods?labelSelector=app.kubernetes.io%2Finstance%3Dinterlok%2Capp.kubernetes.io%2Fname%3Dinterlok',
  ],
  [['get', 'namespaces'], '/api/v1/namespaces'],
  [['get', 'namespace', 'team-b'], '/api/v1/namespaces/team-b'],
  [['get', 'replicasets', '-A'], '/apis/apps/v1/replicasets'],
  [
    ['get', 'apiservice', 'v1beta1.external.metrics.k8s.io'],
    '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.external.metrics.k8s.io',
  ],
  [['--namespace', 'ns', 'get', 'scaledobject', 'so'], '/apis/keda.sh/v1alpha1/namespaces/ns/scaledobjects/so'],
  [['get', 'nodes'], '/api/v1/nodes'],
])('%j reads %s', (args, path) => {
  expect(readPath(args)).toBe(path);
});

test.each([
  [['get', '-f', 'dist']], // a manifest: liveManifestObjects
  [['get', 'crd']], // not among the resources read from the process
  [['config', 'view', '--minify']],
  [['get', 'pods', '--show-labels']], // a flag it does not know
  [['get', 'pod', 'a', 'b']],
  [['get', 'pod', 'a', '-l', 'x=y']], // kubectl refuses a name with a selector
  [['get', 'pod', 'a', '-A']],
  [['delete', 'pod', 'a']],
])('%j is left to kubectl', (args) => {
  expect(readPath(args)).toBeUndefined();
});

test("a manifest directory's objects: its .yaml files in order, not its subdirectories (as `kubectl -f`)", () => {
  const dist = join(__dirname, '..', 'dist');
  const files = readdirSync(dist)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const expected = files.flatMap((f) =>
    parseAllDocuments(readFileSync(join(dist, f), 'utf8'))
      .map((d) => d.toJS())
      .filter((o) => o),
  );
  const objects = manifestObjects(dist);
  expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
    expected.map((o) => `${o.kind}/${o.metadata.name}`),
  );
  expect(objects.some((o) => o.kind === 'Job')).toBe(false); // dist/extras/load-job.k8s.yaml is not read
});
