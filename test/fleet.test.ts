/**
 * Issue 8: many Interloks on one monitoring stack. The README's fleet example, synthesized as written, and the
 * mistakes synth must refuse. The chain on what the example synthesizes runs in test/chain/fleet.test.ts.
 */
import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ExistingNamespaces, MessageMetricsHpa, AdapterRule, ScaleTarget } from '../lib';
import {
  DEMO_IMAGE,
  demoChart,
  demoInterlok,
  emptyChart,
  find,
  Manifest,
  runReadmeExample,
  synthStack,
} from './helpers';
import { validateManifest } from './k8s-schema';
import { securityFindings } from './security-scan';

describe('the README fleet: three teams, two metric names, one stack', () => {
  const objects = runReadmeExample('A fleet: many Interloks on one stack');
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const names = (kind: string) =>
    of(kind)
      .map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`)
      .sort();

  test('every Interlok has its Deployment, Service and HPA named after it, in its namespace', () => {
    expect(names('Deployment').filter((n) => !n.startsWith('interlok-scaling/'))).toEqual([
      'team-a/orders',
      'team-b/invoices',
      'team-c/returns',
      'team-c/shipping',
    ]);
    expect(names('HorizontalPodAutoscaler')).toEqual([
      'team-a/orders-autoscaler',
      'team-b/invoices-autoscaler',
      'team-c/returns-autoscaler',
      'team-c/shipping-autoscaler',
    ]);
    // the teams' namespaces are theirs: used, never emitted (the teardown would delete them)
    expect(names('Namespace')).toEqual(['/interlok-scaling']);
    for (const hpa of of('HorizontalPodAutoscaler')) {
      expect(hpa.spec.scaleTargetRef.name).toBe(hpa.metadata.name.replace(/-autoscaler$/, ''));
      expect(hpa.spec.metrics[0].external.metric.selector.matchLabels).toEqual({
        deployment: hpa.spec.scaleTargetRef.name,
      });
    }
  });

  test('each HPA: its metric, target and bounds', () => {
    const spec = (name: string) => {
      const h = of('HorizontalPodAutoscaler').find((o) => o.metadata.name === name)!;
      return [
        h.spec.metrics[0].external.metric.name,
        h.spec.metrics[0].external.target.averageValue,
        h.spec.minReplicas,
        h.spec.maxReplicas,
      ];
    };
    expect(spec('orders-autoscaler')).toEqual(['interlok_messagemetrics', '100', 1, 5]);
    expect(spec('invoices-autoscaler')).toEqual(['interlok_invoicemetrics', '50', 1, 10]);
    expect(spec('shipping-autoscaler')).toEqual(['interlok_messagemetrics', '100', 1, 5]);
    expect(spec('returns-autoscaler')).toEqual(['interlok_messagemetrics', '100', 2, 5]);
  });

  test('one adapter rule per metric name, not per Interlok', () => {
    const config = parse(
      of('ConfigMap').find((c) => c.metadata.name === 'interlok-scaling-adapter')!.data['config.yaml'],
    );
    expect(config.rules.map((r: Manifest) => r.name.as)).toEqual(['MessageMetrics', 'InvoiceMetrics']);
    expect(config.externalRules.map((r: Manifest) => r.name.as)).toEqual([
      'interlok_messagemetrics',
      'interlok_invoicemetrics',
    ]);
  });

  test('the pushgateway admits every Interlok, one entry per namespace', () => {
    const policy = of('NetworkPolicy').find((p) => p.metadata.name === 'interlok-scaling-pushgateway')!;
    const from = policy.spec.ingress[0].from;
    const interlokPeers = from.filter(
      (p: Manifest) => p.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'interlok',
    );
    expect(interlokPeers).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'interlok', 'app.kubernetes.io/instance': 'orders' } },
      },
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-b' } },
        podSelector: {
          matchLabels: { 'app.kubernetes.io/name': 'interlok', 'app.kubernetes.io/instance': 'invoices' },
        },
      },
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-c' } },
        podSelector: {
          matchLabels: { 'app.kubernetes.io/name': 'interlok' },
          matchExpressions: [{ key: 'app.kubernetes.io/instance', operator: 'In', values: ['returns', 'shipping'] }],
        },
      },
    ]);
    for (const d of of('Deployment').filter(
      (o) => o.metadata.name !== undefined && o.spec.template.metadata.labels['app.kubernetes.io/name'] === 'interlok',
    )) {
      expect(d.spec.template.spec.containers[0].env.find((e: Manifest) => e.name === 'JAVA_OPTS').value).toContain(
        '-DprometheusEndpointUrl=interlok-scaling-pushgateway.interlok-scaling.svc:9091',
      );
    }
  });

  test('schema-valid, and the security scan passes', () => {
    for (const o of objects) validateManifest(o);
    expect(securityFindings(objects)).toEqual([]);
  });
});

describe("the guide's one-line default is unchanged", () => {
  test('one Interlok, its HPA interlok-autoscaler', () => {
    const chart = demoChart(Testing.app(), 'x');
    expect(chart.interloks.map((i) => [i.interlok.name, i.autoscaler?.name])).toEqual([
      ['interlok', 'interlok-autoscaler'],
    ]);
  });

  test("the adapter's config does not grow with Interloks of the same metric", () => {
    const config = (n: number) => {
      const chart = demoChart(Testing.app(), 'x');
      for (let i = 0; i < n; i++)
        chart.addInterlok(`I${i}`, { image: DEMO_IMAGE, name: `interlok-${i}`, namespace: `team-${i % 3}` });
      return find(Testing.synth(chart), 'ConfigMap', 'interlok-scaling-adapter').data['config.yaml'];
    };
    expect(config(50)).toBe(config(0));
  });
});

describe('mistakes fail synth, every problem at once, saying what to do', () => {
  const errors = (synth: () => unknown) => {
    try {
      synth();
    } catch (e) {
      return (e as Error).message
        .split('\n')
        .slice(1)
        .map((l) => l.trim());
    }
    return [];
  };

  test('two stacks in one app: their shared objects are named, with what to do', () => {
    const app = Testing.app();
    demoChart(app, 'team-a', { interlok: { namespace: 'team-a' } });
    demoChart(app, 'team-b', { interlok: { namespace: 'team-b' } });
    const found = errors(() => app.synthYaml());
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'NetworkPolicy interlok-scaling/interlok-scaling-pushgateway is defined twice (team-a/Monitoring/Pushgateway/NetworkPolicy and team-b/Monitoring/Pushgateway/NetworkPolicy): rename one',
        ),
        expect.stringContaining('APIService v1beta1.custom.metrics.k8s.io is defined twice'),
        expect.stringContaining('Namespace interlok-scaling is defined twice'),
      ]),
    );
  });

  test("an Interlok the pushgateway's NetworkPolicy does not admit", () => {
    const chart = demoChart(Testing.app(), 'x');
    demoInterlok(chart, 'Forgotten', { name: 'forgotten', pushgateway: chart.monitoring.pushgatewayEndpoint });
    expect(errors(() => Testing.synth(chart))).toEqual([
      '[x/Forgotten] Interlok default/forgotten pushes to pushgateway interlok-scaling/interlok-scaling-pushgateway, whose NetworkPolicy does not admit its pods: call allowPushFrom(NetworkPeer.pods(\'default\', {"app.kubernetes.io/name":"interlok","app.kubernetes.io/instance":"forgotten"})) on the pushgateway or its MonitoringStack, or add the Interlok with addInterlok',
    ]);
  });

  test('an HPA in a namespace the app neither creates nor declares; declaring it is enough', () => {
    const chart = emptyChart();
    const rule = new AdapterRule(chart, 'Rule');
    new MessageMetricsHpa(chart, 'Hpa', { target: ScaleTarget.deployment('orders', 'team-x'), rule });
    expect(errors(() => Testing.synth(chart))).toEqual([
      '[test/Hpa] HPA team-x/orders-autoscaler is in namespace "team-x", which this app does not create: create it (a Namespace object) or declare it with new ExistingNamespaces(scope, id, { names: [\'team-x\'] })',
    ]);
    new ExistingNamespaces(chart, 'Existing', { names: ['team-x'] });
    expect(errors(() => Testing.synth(chart))).toEqual([]);
    // an Interlok's namespace is used, never emitted, with or without the deprecated existingNamespaces
    expect(
      synthStack({ interlok: { namespace: 'team-x' }, existingNamespaces: ['team-x'] })
        .filter((o) => o.kind === 'Namespace')
        .map((o) => o.metadata.name),
    ).toEqual(['interlok-scaling']);
    expect(
      synthStack({ interlok: { namespace: 'team-x' } })
        .filter((o) => o.kind === 'Namespace')
        .map((o) => o.metadata.name),
    ).toEqual(['interlok-scaling']);
  });

  test("an Interlok's Namespace only on request, once for several Interloks of it, never for default", () => {
    const app = Testing.app();
    const chart = demoChart(app, 'x', { interlok: { namespace: 'team-x', createNamespace: true } });
    chart.addInterlok('Second', { image: DEMO_IMAGE, name: 'second', namespace: 'team-x', createNamespace: true });
    chart.addInterlok('Third', { image: DEMO_IMAGE, name: 'third', namespace: 'team-y' });
    const namespaces = Testing.synth(chart).filter((o) => o.kind === 'Namespace');
    expect(namespaces.map((o) => o.metadata.name)).toEqual(['interlok-scaling', 'team-x']);
    expect(namespaces[1].metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'cdk8s-interlok-scaling',
      'cdk8s-interlok-scaling/stack': 'x',
    });
    expect(() => demoChart(Testing.app(), 'y', { interlok: { createNamespace: true } })).toThrow(
      '[y/Interlok] createNamespace: got true, expected false or unset with namespace "default": every cluster has it, so it is not created as an object of this app',
    );
  });

  test('two Interloks of one name in one namespace', () => {
    const chart = demoChart(Testing.app(), 'x');
    chart.addInterlok('Again', { image: DEMO_IMAGE });
    expect(errors(() => Testing.synth(chart))).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'Deployment default/interlok is defined twice (x/Interlok/Resource and x/Again/Interlok/Resource): rename one',
        ),
        expect.stringContaining('HorizontalPodAutoscaler default/interlok-autoscaler is defined twice'),
      ]),
    );
  });
});

describe('review findings', () => {
  test("KEDA with a name for the first ScaledObject: the fleet's others are named after their Interloks", () => {
    const { Scaler } = require('../lib');
    const chart = demoChart(Testing.app(), 'x', { scaler: Scaler.keda({ name: 'orders-scaler' }) });
    chart.addInterlok('B', { image: DEMO_IMAGE, name: 'invoices', namespace: 'team-b' });
    const names = Testing.synth(chart)
      .filter((o) => o.kind === 'ScaledObject')
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
      .sort();
    expect(names).toEqual(['default/orders-scaler', 'team-b/invoices']);
  });

  test('dashboards of Interloks whose names share a long prefix get different uids', () => {
    const chart = demoChart(Testing.app(), 'x', { interlok: { name: 'orders-in', namespace: 'team-payments-prod' } });
    chart.addInterlok('Out', {
      image: DEMO_IMAGE,
      name: 'orders-out',
      namespace: 'team-payments-prod',
      dashboard: true,
    });
    const uids = Testing.synth(chart)
      .filter((o) => o.metadata.labels?.grafana_dashboard === '1')
      .map((o) => JSON.parse(Object.values(o.data)[0] as string).uid);
    expect(uids).toHaveLength(2);
    expect(new Set(uids).size).toBe(2);
    for (const uid of uids) expect(uid.length).toBeLessThanOrEqual(40);
  });
});
