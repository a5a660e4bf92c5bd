import { Duration, Size, Testing } from 'cdk8s';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { ApiServiceTls, InterlokConfig, InterlokImage, PushgatewayEndpoint } from '../lib';
import { validateManifest } from './k8s-schema';
import { DemoChartProps, demoChart } from './helpers';
import { INTERLOK_AUTOSCALING_CHART_PROPS } from '../lib/interlok-autoscaling-chart';
import { INTERLOK_DEPLOYMENT_PROPS } from '../lib/interlok-deployment';
import { knownProps, PropsKeys } from '../lib/kit/props';
import { AUTOSCALER_OPTIONS } from '../lib/message-metrics-hpa';
import { ADAPTER_RULE_PROPS } from '../lib/monitoring/adapter-rule';
import { MONITORING_STACK_PROPS } from '../lib/monitoring/monitoring-stack';

// The unit tier draws its cases from a fixed seed, so a run never fails on a case first drawn by an unrelated change:
// 100 cases per property, and 25 plus the hand-picked corners below for the one that synthesizes and validates whole
// charts (about 0.1 s a case, most of the file's time before). For a deeper run, e.g. nightly: FC_NUM_RUNS=500 (every
// property) and FC_SEED=<n> or FC_SEED=random; a failure prints the seed and path that replay it.
const RUNS = Number(process.env.FC_NUM_RUNS ?? 100);
const SYNTH_RUNS = Number(process.env.FC_NUM_RUNS ?? 25);
const SEED = process.env.FC_SEED === 'random' ? Date.now() : Number(process.env.FC_SEED ?? 21);

const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,14}[a-z0-9])?$/);
const metricName = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,15}$/);
const labelName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,12}$/);
// release tags: fromRegistry refuses latest and snapshot tags
const tag = fc
  .stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}$/)
  .filter((t) => !/^(latest|(\d+-)?snapshot)(-|$)/.test(t));
const tls = fc.constantFrom(
  undefined,
  ApiServiceTls.insecureSkipTlsVerify(),
  ApiServiceTls.caBundle('Q0EK', 'adapter-tls'),
  ApiServiceTls.certManager('monitoring/adapter', 'adapter-tls'),
);

const validRecord = fc
  .record({
    interlokName: dnsLabel,
    interlokNamespace: dnsLabel,
    monitoringNamespace: dnsLabel,
    tag: fc.option(tag, { nil: undefined }),
    heapMi: fc.integer({ min: 256, max: 8192 }),
    exposeJmx: fc.boolean(),
    seriesName: metricName,
    metricName: fc.option(metricName, { nil: undefined }),
    namespaceLabel: labelName,
    podLabel: labelName,
    staleExtra: fc.integer({ min: 5, max: 3000 }),
    averageValue: fc.oneof(fc.integer({ min: 1, max: 100000 }), fc.double({ min: 0.001, max: 1000, noNaN: true })),
    minReplicas: fc.integer({ min: 1, max: 50 }),
    extraReplicas: fc.integer({ min: 0, max: 50 }),
    scrapeInterval: fc.integer({ min: 1, max: 10 }),
    relistExtra: fc.integer({ min: 0, max: 600 }),
    networkPolicies: fc.boolean(),
    tls,
    dashAt: fc.nat(),
  })
  .filter(
    (p) =>
      p.namespaceLabel !== p.podLabel &&
      !['prometheus-pushgateway', 'prometheus-server', 'prometheus-adapter'].includes(p.interlokName),
  );
type ValidRecord = typeof validRecord extends fc.Arbitrary<infer T> ? T : never;

const chartProps = (p: ValidRecord): DemoChartProps => ({
  interlok: {
    name: p.interlokName,
    namespace: p.interlokNamespace,
    image: p.tag ? InterlokImage.fromRegistry(`registry.example.com/interlok:${p.tag}`) : undefined,
    heap: Size.mebibytes(p.heapMi),
    exposeJmx: p.exposeJmx,
    // Interlok pushes the interceptor's unique-id without its dashes
    config:
      p.seriesName === 'MessageMetrics'
        ? undefined
        : InterlokConfig.fromStrings({
            adapterXml: `<adapter><message-metrics-interceptor><unique-id>${withDash(p.seriesName, p.dashAt)}</unique-id></message-metrics-interceptor></adapter>`,
          }),
  },
  monitoring: {
    namespace: p.monitoringNamespace,
    scrapeInterval: Duration.seconds(p.scrapeInterval),
    relistInterval: Duration.seconds(p.scrapeInterval + p.relistExtra),
    networkPolicies: p.networkPolicies,
    apiServiceTls: p.tls,
  },
  rule: {
    seriesName: p.seriesName,
    metricName: p.metricName,
    namespaceLabel: p.namespaceLabel,
    podLabel: p.podLabel,
    staleAfter: Duration.seconds(10 + p.scrapeInterval + p.staleExtra),
  },
  autoscaler: {
    averageValue: p.averageValue,
    minReplicas: p.minReplicas,
    maxReplicas: p.minReplicas + p.extraReplicas,
  },
});
const validProps: fc.Arbitrary<DemoChartProps> = validRecord.map(chartProps);

/** The corners random draws reach rarely: every bound at its least, every bound at its most, YAML look-alikes. */
const least: ValidRecord = {
  interlokName: 'a',
  interlokNamespace: 'b',
  monitoringNamespace: 'c',
  tag: undefined,
  heapMi: 256,
  exposeJmx: false,
  seriesName: 'MessageMetrics',
  metricName: undefined,
  namespaceLabel: 'k8s_namespace',
  podLabel: 'k8s_pod_name',
  staleExtra: 5,
  averageValue: 1,
  minReplicas: 1,
  extraReplicas: 0,
  scrapeInterval: 1,
  relistExtra: 0,
  networkPolicies: false,
  tls: undefined,
  dashAt: 0,
};
const CORNERS: Array<[DemoChartProps]> = [
  [chartProps(least)],
  [
    chartProps({
      ...least,
      interlokName: 'i234567890123456',
      interlokNamespace: 'n2345678901234-6',
      monitoringNamespace: 'm23456789012345z',
      tag: '_2345678901234',
      heapMi: 8192,
      exposeJmx: true,
      seriesName: ':a_:Metric_1234',
      metricName: 'Z_:9',
      namespaceLabel: 'N123456789012',
      podLabel: 'P_',
      staleExtra: 3000,
      averageValue: 0.001, // a milli-quantity
      minReplicas: 50,
      extraReplicas: 50,
      scrapeInterval: 10,
      relistExtra: 600,
      networkPolicies: true,
      tls: ApiServiceTls.certManager('monitoring/adapter', 'adapter-tls'),
      dashAt: 7,
    }),
  ],
  // values YAML would read as something else than a string if written unquoted: a tag that is a float, names that
  // are booleans or null
  [
    chartProps({
      ...least,
      interlokName: 'true',
      interlokNamespace: 'null',
      monitoringNamespace: 'yes',
      tag: '1.10',
      seriesName: 'null',
      metricName: 'true',
      namespaceLabel: 'on',
      podLabel: 'off',
      networkPolicies: true,
      tls: ApiServiceTls.insecureSkipTlsVerify(),
      dashAt: 2,
    }),
  ],
];

function withDash(id: string, at: number): string {
  const i = at % (id.length + 1);
  return `${id.slice(0, i)}-${id.slice(i)}`;
}

function synthYaml(props: DemoChartProps): any[] {
  const app = Testing.app();
  demoChart(app, 'interlok-autoscaling', props);
  return parseAllDocuments(app.synthYaml()).map((d) => {
    if (d.errors.length) throw new Error(`invalid YAML: ${d.errors[0].message}`);
    return d.toJSON();
  });
}

function expectSelfConsistent(objects: any[]): void {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
  expect(new Set(keys).size).toBe(keys.length);
  for (const o of objects) validateManifest(o);

  const [hpa] = of('HorizontalPodAutoscaler');
  const interlok = of('Deployment').find(
    (d) => d.metadata.name === hpa.spec.scaleTargetRef.name && d.metadata.namespace === hpa.metadata.namespace,
  );
  expect(interlok).toBeDefined();
  expect(interlok.spec.replicas).toBeUndefined();

  const adapterConfig = of('ConfigMap').find((c) => c.data['config.yaml']);
  const externalRule = require('yaml').parse(adapterConfig.data['config.yaml']).externalRules[0];
  const metric = hpa.spec.metrics[0].external;
  expect(metric.metric.name).toBe(externalRule.name.as);
  expect(metric.metric.selector).toEqual({ matchLabels: { deployment: interlok.metadata.name } });
  expect(Number(String(metric.target.averageValue).replace(/m$/, 'e-3'))).toBeGreaterThan(0);

  const javaOpts = interlok.spec.template.spec.containers[0].env.find((e: any) => e.name === 'JAVA_OPTS').value;
  const endpoint = /-DprometheusEndpointUrl=(\S+)/.exec(javaOpts)![1];
  const promConfig = require('yaml').parse(
    of('ConfigMap').find((c) => c.data['prometheus.yml']).data['prometheus.yml'],
  );
  expect(promConfig.scrape_configs[0].static_configs[0].targets).toEqual([endpoint]);
  expect(promConfig.scrape_configs[0].honor_labels).toBe(true);

  const pgwService = of('Service').find((s) => endpoint.startsWith(`${s.metadata.name}.${s.metadata.namespace}.svc:`));
  expect(pgwService.spec.ports[0].port).toBe(Number(endpoint.split(':')[1]));
  for (const svc of of('Service')) {
    const dep = of('Deployment').find(
      (d) => d.metadata.name === svc.metadata.name && d.metadata.namespace === svc.metadata.namespace,
    );
    expect(dep.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
  }
  for (const api of of('APIService')) {
    expect(
      of('Service').some(
        (s) => s.metadata.name === api.spec.service.name && s.metadata.namespace === api.spec.service.namespace,
      ),
    ).toBe(true);
  }
}

describe('property: random valid configurations', () => {
  test(`always synthesize schema-valid, self-consistent YAML (${SYNTH_RUNS} cases and ${CORNERS.length} corners)`, () => {
    fc.assert(
      fc.property(validProps, (props) => {
        expectSelfConsistent(synthYaml(props));
      }),
      { numRuns: SYNTH_RUNS, seed: SEED, examples: CORNERS },
    );
  });
});

const OUR_ERROR = /^(\[[^\]]+\] \S.*|Validation failed with the following errors:\n {2}\[[^\]]+\] \S[\s\S]*)$/;

const corruptions: Array<[string, (p: any, bad: unknown) => void]> = [
  [
    'interlok.name',
    (p, v) => {
      p.interlok.name = v;
    },
  ],
  [
    'interlok.namespace',
    (p, v) => {
      p.interlok.namespace = v;
    },
  ],
  [
    'interlok.image',
    (p, v) => {
      p.interlok.image = v;
    },
  ],
  [
    'interlok.heap',
    (p, v) => {
      p.interlok.heap = v;
    },
  ],
  [
    'interlok.replicas',
    (p, v) => {
      p.interlok.replicas = v;
    },
  ],
  [
    'interlok.runAsUser',
    (p, v) => {
      p.interlok.runAsUser = v;
    },
  ],
  [
    'interlok.resources',
    (p, v) => {
      p.interlok.resources = v;
    },
  ],
  [
    'interlok.extraJavaOptions',
    (p, v) => {
      p.interlok.extraJavaOptions = v;
    },
  ],
  [
    'interlok.pushgateway',
    (p, v) => {
      p.interlok.pushgateway = v;
    },
  ],
  [
    'interlok.config',
    (p, v) => {
      p.interlok.config = v;
    },
  ],
  [
    'monitoring.namespace',
    (p, v) => {
      p.monitoring.namespace = v;
    },
  ],
  [
    'monitoring.scrapeInterval',
    (p, v) => {
      p.monitoring.scrapeInterval = v;
    },
  ],
  [
    'monitoring.relistInterval',
    (p, v) => {
      p.monitoring.relistInterval = v;
    },
  ],
  [
    'monitoring.apiServiceTls',
    (p, v) => {
      p.monitoring.apiServiceTls = v;
    },
  ],
  [
    'monitoring.allowPushFrom',
    (p, v) => {
      p.monitoring.allowPushFrom = v;
    },
  ],
  [
    'monitoring.existingPrometheusUrl',
    (p, v) => {
      p.monitoring.prometheus = false;
      p.monitoring.existingPrometheusUrl = v;
    },
  ],
  [
    'monitoring.existingPushgateway',
    (p, v) => {
      p.monitoring.pushgateway = false;
      p.monitoring.existingPushgateway = v;
    },
  ],
  [
    'rule.seriesName',
    (p, v) => {
      p.rule.seriesName = v;
    },
  ],
  [
    'rule.metricName',
    (p, v) => {
      p.rule.metricName = v;
    },
  ],
  [
    'rule.namespaceLabel',
    (p, v) => {
      p.rule.namespaceLabel = v;
    },
  ],
  [
    'rule.podLabel',
    (p, v) => {
      p.rule.podLabel = v;
    },
  ],
  [
    'rule.staleAfter',
    (p, v) => {
      p.rule.staleAfter = v;
    },
  ],
  [
    'autoscaler.averageValue',
    (p, v) => {
      p.autoscaler.averageValue = v;
    },
  ],
  [
    'autoscaler.minReplicas',
    (p, v) => {
      p.autoscaler.minReplicas = v;
    },
  ],
  [
    'autoscaler.maxReplicas',
    (p, v) => {
      p.autoscaler.maxReplicas = v;
    },
  ],
  [
    'autoscaler.name',
    (p, v) => {
      p.autoscaler.name = v;
    },
  ],
  [
    'autoscaler.scaleUp',
    (p, v) => {
      p.autoscaler.scaleUp = v;
    },
  ],
  [
    'autoscaler.scaleDown',
    (p, v) => {
      p.autoscaler.scaleDown = { policies: v };
    },
  ],
];

const badValue = fc.oneof(
  fc.string(),
  fc.stringMatching(/^[A-Z_ .:/-]{1,10}$/),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(fc.string(), fc.integer())),
  fc.object(),
  fc.constant(Duration.millis(1500)),
  fc.constant(Size.kibibytes(3)),
  fc.constant(PushgatewayEndpoint.hostPort('x y:1')),
);

describe('property: random invalid configurations', () => {
  test(`only ever give our clear errors, never a TypeError or invalid YAML (${RUNS} cases)`, () => {
    let rejected = 0;
    fc.assert(
      fc.property(validProps, fc.constantFrom(...corruptions), badValue, (props, [, corrupt], bad) => {
        const p = JSON.parse(JSON.stringify({}));
        Object.assign(p, {
          interlok: { ...props.interlok },
          monitoring: { ...props.monitoring },
          rule: { ...props.rule },
          autoscaler: { ...props.autoscaler },
        });
        corrupt(p, bad);
        let objects: any[];
        try {
          objects = synthYaml(p);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect(e).not.toBeInstanceOf(TypeError);
          expect(e).not.toBeInstanceOf(RangeError);
          expect((e as Error).message).toMatch(OUR_ERROR);
          rejected++;
          return;
        }
        expectSelfConsistent(objects);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(rejected).toBeGreaterThan(RUNS / 2);
  });
});

const BLOCKS: Array<[string, PropsKeys]> = [
  ['', INTERLOK_AUTOSCALING_CHART_PROPS],
  ['interlok', INTERLOK_DEPLOYMENT_PROPS],
  ['monitoring', MONITORING_STACK_PROPS],
  ['rule', ADAPTER_RULE_PROPS],
  ['autoscaler', AUTOSCALER_OPTIONS],
];

function typo(key: string, at: number, kind: number): string {
  const i = at % key.length;
  if (kind === 0) return key.slice(0, i) + key.slice(i + 1); // a letter left out
  if (kind === 1 && i < key.length - 1) return key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2); // two swapped
  return key.slice(0, i) + 'x' + key.slice(i); // one too many
}

describe('property: unknown keys and null blocks', () => {
  test(`a misspelt key in any block is refused with a did-you-mean, never ignored (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        validProps,
        fc.constantFrom(...BLOCKS),
        fc.nat(),
        fc.nat(),
        fc.nat({ max: 2 }),
        badValue,
        (props, [block, iface], pick, at, kind, value) => {
          const known: string[] = knownProps(iface);
          const key = typo(known[pick % known.length], at, kind);
          fc.pre(!known.includes(key));
          const p: any = {
            ...props,
            interlok: { ...props.interlok },
            monitoring: { ...props.monitoring },
            rule: { ...props.rule },
            autoscaler: { ...props.autoscaler },
          };
          (block ? p[block] : p)[key] = value;
          let error: unknown;
          try {
            synthYaml(p);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(Error);
          expect(error).not.toBeInstanceOf(TypeError);
          expect((error as Error).message).toMatch(
            new RegExp(
              `^\\[interlok-autoscaling\\] ${(block ? `${block}.` : '') + key.replace(/[$]/g, '\\$')}: got .*, expected no such prop in ${iface.name} \\(did you mean "`,
            ),
          );
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  test(`random keys and null blocks never give a TypeError (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...BLOCKS),
        fc.oneof(fc.constant(null), fc.string(), fc.integer(), fc.array(fc.integer())),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), badValue),
        ([block], blockValue, extra) => {
          const p: any = block ? { [block]: blockValue } : { ...extra };
          if (block && Object.keys(extra).length) p[block] = extra;
          try {
            synthYaml(p);
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
            expect(e).not.toBeInstanceOf(TypeError);
            expect((e as Error).message).toMatch(OUR_ERROR);
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
