import { readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { ApiServiceTls, InterlokImage, MetricsSource, PushgatewayEndpoint, Scaler } from '../lib';
import { Manifest, synthStack } from './helpers';
import { validateManifest } from './k8s-schema';

/** Every object under dist/, the load Job in extras/ included. */
function distObjects(): Manifest[] {
  const dir = join(__dirname, '..', 'dist');
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => statSync(join(dir, f)).isFile())
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf-8')).map((d) => d.toJSON()));
}

describe('every synthesized object is valid against the Kubernetes schemas', () => {
  test.each(distObjects().map((o) => [`${o.kind}/${o.metadata.name}`, o]))('dist/ %s', (_name, o) => {
    expect(() => validateManifest(o)).not.toThrow();
  });

  const modes: Record<string, Parameters<typeof synthStack>[0]> = {
    'JMX exposed, other namespace, pinned image': {
      interlok: {
        namespace: 'integration',
        exposeJmx: true,
        image: InterlokImage.fromRegistry('registry.example.com/interlok:3.9.1'),
      },
    },
    'TLS from a CA bundle': {
      monitoring: {
        apiServiceTls: ApiServiceTls.caBundle(
          'TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2c9PQ==',
          'adapter-serving-cert',
        ),
      },
    },
    'TLS from cert-manager': {
      monitoring: { apiServiceTls: ApiServiceTls.certManager('monitoring/adapter', 'adapter-serving-cert') },
    },
    'existing monitoring': {
      monitoring: {
        pushgateway: false,
        prometheus: false,
        adapter: false,
        createNamespace: false,
        existingPushgateway: PushgatewayEndpoint.hostPort('pgw:9091'),
      },
    },
    KEDA: {
      scaler: Scaler.keda({
        minReplicaCount: 0,
        activationThreshold: 1,
        fallback: { failureThreshold: 3, replicas: 2, behavior: 'currentReplicasIfHigher' },
      }),
    },
    'kube-prometheus-stack': { monitoring: { kubePrometheusStack: {} } },
    'Interlok 5 scraped, own Prometheus': {
      interlok: {
        namespace: 'integration',
        image: InterlokImage.fromRegistry('registry.example.com/interlok-profiler:5.0.1'),
        metricsSource: MetricsSource.scrape({ workflow: 'in@ch' }),
      },
    },
    'Interlok 5 scraped by kube-prometheus-stack, KEDA': {
      scaler: Scaler.keda(),
      monitoring: { kubePrometheusStack: {} },
      interlok: {
        image: InterlokImage.fromRegistry('registry.example.com/interlok-profiler:5.0.1'),
        metricsSource: MetricsSource.scrape({ workflow: 'in@ch' }),
      },
    },
  };
  test.each(Object.entries(modes))('mode: %s', (_name, props) => {
    const objects = synthStack(props);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) expect(() => validateManifest(o)).not.toThrow();
  });

  test('the validator catches names and labels the API server would refuse', () => {
    expect(() =>
      validateManifest({ apiVersion: 'v1', kind: 'Service', metadata: { name: '1interlok' }, spec: {} }),
    ).toThrow(/Service name "1interlok"/);
    expect(() =>
      validateManifest({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'ns', labels: { 'app.kubernetes.io/version': '_x-' } },
      }),
    ).toThrow(/invalid label/);
  });

  test('the validator does catch a broken object', () => {
    expect(() =>
      validateManifest({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'x' },
        spec: { replicas: 'two', selector: {}, template: {} },
      }),
    ).toThrow(/replicas must be integer/);
  });
});
