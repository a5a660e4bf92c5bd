import { Duration } from 'cdk8s';
import { ApiServiceTls, InterlokImage, MetricsSource, NetworkPeer, PushgatewayEndpoint, Scaler } from '../lib';
import { distObjects } from './chain/harness';
import { DemoChartProps, find, synthStack } from './helpers';
import { securityFindings } from './security-scan';

const MODES: Record<string, DemoChartProps> = {
  default: {},
  'Interlok in its own namespace with JMX': { interlok: { namespace: 'integration', exposeJmx: true } },
  'APIService TLS from a CA bundle': { monitoring: { apiServiceTls: ApiServiceTls.caBundle('Q0EK', 'adapter-tls') } },
  'APIService TLS by cert-manager': {
    monitoring: { apiServiceTls: ApiServiceTls.certManager('monitoring/adapter', 'adapter-tls') },
  },
  'existing pushgateway': {
    monitoring: { pushgateway: false, existingPushgateway: PushgatewayEndpoint.hostPort('pgw.obs.svc:9091') },
  },
  'existing Prometheus': {
    monitoring: {
      prometheus: false,
      existingPrometheusUrl: 'http://prometheus.obs.svc:9090/',
      allowScrapeFrom: [NetworkPeer.pods('obs', { app: 'prometheus' })],
    },
    rule: { scrapeInterval: Duration.seconds(30) },
  },
  'existing adapter': {
    monitoring: { adapter: false, allowQueryFrom: [NetworkPeer.pods('custom-metrics', { app: 'prometheus-adapter' })] },
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
  // an explicit opt-out for clusters whose CNI does not enforce NetworkPolicies; every other rule still holds
  'NetworkPolicies off': { monitoring: { networkPolicies: false } },
  'more pushers allowed': { monitoring: { allowPushFrom: [NetworkPeer.pods('batch', { app: 'interlok-batch' })] } },
  KEDA: { scaler: Scaler.keda() },
  'kube-prometheus-stack': { monitoring: { kubePrometheusStack: {} } },
  'KEDA on kube-prometheus-stack': { scaler: Scaler.keda(), monitoring: { kubePrometheusStack: {} } },
  'Interlok 5 scraped': {
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

describe('security scan of every synthesized object', () => {
  test('dist/ passes', () => {
    expect(securityFindings(distObjects())).toEqual([]);
  });

  test.each(Object.entries(MODES))('mode: %s', (_name, props) => {
    expect(securityFindings(synthStack(props))).toEqual([]);
  });

  test('APIService: skip-verify only in the default mode', () => {
    const api = (props: DemoChartProps) => find(synthStack(props), 'APIService', 'v1beta1.custom.metrics.k8s.io').spec;
    expect(api({}).insecureSkipTLSVerify).toBe(true);
    expect(api(MODES['APIService TLS from a CA bundle']).insecureSkipTLSVerify).toBeUndefined();
    expect(api(MODES['APIService TLS by cert-manager']).insecureSkipTLSVerify).toBeUndefined();
  });

  test('only the adapter gets a service-account token', () => {
    const tokens = synthStack().filter(
      (o) => o.kind === 'Deployment' && o.spec.template.spec.automountServiceAccountToken !== false,
    );
    expect(tokens.map((o) => o.metadata.name)).toEqual(['interlok-scaling-adapter']);
  });

  test('the scan catches regressions', () => {
    const objects = synthStack();
    const interlok = find(objects, 'Deployment', 'interlok');
    const c = interlok.spec.template.spec.containers[0];
    c.securityContext.allowPrivilegeEscalation = true;
    delete c.resources.limits;
    c.readinessProbe = { httpGet: { path: '/in-box', port: 8080 } };
    interlok.spec.template.spec.automountServiceAccountToken = true;
    find(
      objects,
      'ClusterRole',
      'interlok-scaling:interlok-scaling:interlok-scaling-adapter:resource-reader',
    ).rules[0].verbs.push('*');
    find(objects, 'NetworkPolicy', 'interlok-scaling-pushgateway').spec.ingress[0].from.push({ namespaceSelector: {} });
    expect(securityFindings(objects)).toEqual([
      'NetworkPolicy/interlok-scaling/interlok-scaling-pushgateway: lets pods other than the pushers and Prometheus push: anyone could drive the HPA to its maximum',
      'ClusterRole//interlok-scaling:interlok-scaling:interlok-scaling-adapter:resource-reader: wildcard in verbs',
      'ClusterRole//interlok-scaling:interlok-scaling:interlok-scaling-adapter:resource-reader: grants more than read: get,list,watch,*',
      'Deployment/default/interlok: mounts a service-account token it does not need',
      'Deployment/default/interlok: container interlok has no cpu limit',
      'Deployment/default/interlok: container interlok has no memory limit',
      'Deployment/default/interlok: container interlok allows privilege escalation',
      'Deployment/default/interlok: container interlok probes /in-box: every probe would count as a message',
    ]);
  });
});
