/** Every bad prop of one call reported together, one `[path] prop: got X, expected Y` line each. */
import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import fc from 'fast-check';
import {
  AdapterRule,
  ApiServiceTls,
  ExistingEndpoints,
  ExistingNamespaces,
  GrafanaDashboard,
  InterlokAutoscalingChart,
  InterlokDeployment,
  InterlokImage,
  InterlokLoadJob,
  KedaScaledObject,
  MessageMetricsHpa,
  MetricsSource,
  MonitoringNames,
  MonitoringStack,
  NetworkPeer,
  PodMonitor,
  PrometheusAdapter,
  PrometheusServer,
  Pushgateway,
  PushgatewayEndpoint,
  PushgatewayEnv,
  ScaleTarget,
  ScalingPolicy,
  ServiceMonitor,
} from '../lib';
import { ValidationError } from '../lib/core/errors';
import { DEMO_IMAGE, emptyChart } from './helpers';

const RUNS = Number(process.env.FC_NUM_RUNS ?? 100);

function thrown(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('nothing thrown');
}

describe('all errors of one call at once', () => {
  test("an HPA with four bad props names all four, in the order of its props, under cdk8s's heading", () => {
    const chart = emptyChart();
    const e = thrown(
      () =>
        new MessageMetricsHpa(chart, 'Hpa', {
          target: ScaleTarget.deployment('interlok', 'default'),
          rule: new AdapterRule(chart, 'Rule'),
          name: 'Bad_Name',
          averageValue: 0,
          minReplicas: 0,
          maxReplicas: 2000,
        }),
    );
    expect(e.message.split('\n')).toEqual([
      'Validation failed with the following errors:',
      '  [test/Hpa] name: got "Bad_Name", expected a DNS-1123 subdomain (at most 253 characters of a-z, 0-9, "-" and ".", each part starting and ending with a letter or digit)',
      '  [test/Hpa] averageValue: got 0, expected a number from 0.001 to 1e12 (quantities have milli precision)',
      '  [test/Hpa] minReplicas: got 0, expected a whole number from 1 to 1000',
      '  [test/Hpa] maxReplicas: got 2000, expected a whole number from 1 to 1000',
    ]);
    expect(e.errors.map((x) => x.prop)).toEqual(['name', 'averageValue', 'minReplicas', 'maxReplicas']);
    expect(e.errors.map((x) => x.path)).toEqual(['test/Hpa', 'test/Hpa', 'test/Hpa', 'test/Hpa']);
  });

  test('one bad prop keeps the one-line format', () => {
    const chart = emptyChart();
    const e = thrown(
      () =>
        new MessageMetricsHpa(chart, 'Hpa', {
          target: ScaleTarget.deployment('interlok', 'default'),
          rule: new AdapterRule(chart, 'Rule'),
          minReplicas: 3,
          maxReplicas: 2,
        }),
    );
    expect(e.message).toBe('[test/Hpa] minReplicas: got 3, expected at most maxReplicas (2)');
    expect(e.errors).toEqual([e]);
  });

  test('every unknown key of a block, each with its did-you-mean', () => {
    const e = thrown(
      () =>
        new InterlokAutoscalingChart(Testing.app(), 'x', {
          namespce: 'a',
          hpa: {},
          interlok: { image: DEMO_IMAGE },
        } as any),
    );
    expect(e.message.split('\n')).toEqual([
      'Validation failed with the following errors:',
      '  [x] namespce: got "a", expected no such prop in InterlokAutoscalingChartProps (did you mean "namespace"?)',
      '  [x] hpa: got {}, expected no such prop in InterlokAutoscalingChartProps (did you mean "autoscaler"?)',
    ]);
  });

  // one call per construct with several independent bad props: every line, in the order the props are checked;
  // a check that needs another prop's value is skipped when that value is bad (a bad prop is reported once)
  const CASES: Array<[string, () => unknown, string[]]> = [
    [
      'ExistingNamespaces: every bad name',
      () => new ExistingNamespaces(emptyChart(), 'E', { names: ['Bad_1', 'ok', 'bad.2'] }),
      [
        'Validation failed with the following errors:',
        '  [test/E] names[0]: got "Bad_1", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [test/E] names[2]: got "bad.2", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
      ],
    ],
    [
      'ExistingEndpoints: a bad pushgateway and a bad Prometheus URL',
      () => new ExistingEndpoints(emptyChart(), 'E', { pushgateways: ['http://x:9091'], prometheusUrls: ['ftp://y'] }),
      [
        'Validation failed with the following errors:',
        '  [test/E] pushgateways[0]: got "http://x:9091", expected host:port with no scheme or path (for example "interlok-scaling-pushgateway.interlok-scaling.svc:9091")',
        '  [test/E] prometheusUrls[0]: got "ftp://y", expected an http:// or https:// URL (for example "http://interlok-scaling-prometheus.interlok-scaling.svc:80/")',
      ],
    ],
    [
      'InterlokLoadJob: an unknown key and a bad count',
      () => {
        const c = emptyChart();
        const i = new InterlokDeployment(c, 'I', { image: DEMO_IMAGE });
        return new InterlokLoadJob(c, 'J', { interlok: i, count: 0, typo: 1 } as any);
      },
      [
        'Validation failed with the following errors:',
        '  [test/J] typo: got 1, expected no such prop in InterlokLoadJobProps (known: count, interlok)',
        '  [test/J] count: got 0, expected a whole number from 1 to 100000',
      ],
    ],
    [
      'ServiceMonitor: release, interval, port and selector',
      () =>
        new ServiceMonitor(emptyChart(), 'S', {
          port: 'Bad',
          selector: {},
          release: '',
          interval: Duration.millis(1500),
        } as any),
      [
        'Validation failed with the following errors:',
        '  [test/S] release: got "", expected the kube-prometheus-stack Helm release name (a label value), e.g. "kube-prometheus-stack"',
        '  [test/S] interval: got 1500ms, expected whole seconds from 1s to 10m',
        '  [test/S] port: got "Bad", expected a DNS-1035 label, as it names a Service (at most 63 characters of a-z, 0-9 and "-", starting with a letter and ending with a letter or digit)',
        '  [test/S] selector: got {}, expected at least one label of the Service',
      ],
    ],
    [
      'PodMonitor: name, namespace and selector',
      () => new PodMonitor(emptyChart(), 'P', { namespace: 'Bad', selector: {}, name: 'x_y' } as any),
      [
        'Validation failed with the following errors:',
        '  [test/P] name: got "x_y", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [test/P] namespace: got "Bad", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [test/P] selector: got {}, expected at least one label of the pods',
      ],
    ],
    [
      'GrafanaDashboard: namespace, hpa and kubeStateMetrics',
      () =>
        new GrafanaDashboard(emptyChart(), 'G', { namespace: 'Bad', hpa: undefined, kubeStateMetrics: 'yes' } as any),
      [
        'Validation failed with the following errors:',
        '  [test/G] namespace: got "Bad", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [test/G] hpa: got undefined, expected a MessageMetricsHpa of this app',
        '  [test/G] kubeStateMetrics: got "yes", expected true or false',
      ],
    ],
    [
      'Pushgateway: name, image and both halves of a peer',
      () =>
        new Pushgateway(emptyChart(), 'P', {
          name: '1bad',
          image: 'UPPER CASE',
          allowPushFrom: [NetworkPeer.pods('Bad', {})],
        }),
      [
        'Validation failed with the following errors:',
        '  [test/P] name: got "1bad", expected a DNS-1035 label, as it names a Service (at most 63 characters of a-z, 0-9 and "-", starting with a letter and ending with a letter or digit)',
        '  [test/P] image: got "UPPER CASE", expected an image reference such as "registry/repository:tag" or "repository@sha256:<64 hex digits>"',
        '  [test/P] allowPushFrom.namespace: got "Bad", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [test/P] allowPushFrom.podLabels: got {}, expected at least one valid Kubernetes label, so that only those pods are admitted',
      ],
    ],
    [
      'PushgatewayEnv: endpoint, dnsCacheTtl and each bad JVM option',
      () =>
        new PushgatewayEnv(emptyChart(), 'E', {
          endpoint: PushgatewayEndpoint.hostPort('http://x'),
          dnsCacheTtl: Duration.days(2),
          extraJavaOptions: ['a b', '-Dnetworkaddress.cache.ttl=1'],
        }),
      [
        'Validation failed with the following errors:',
        '  [test/E] endpoint: got "http://x", expected host:port with no scheme or path (for example "interlok-scaling-pushgateway.interlok-scaling.svc:9091")',
        '  [test/E] dnsCacheTtl: got 2d, expected whole seconds from 0s to 1d',
        '  [test/E] extraJavaOptions[0]: got "a b", expected one JVM option starting with "-" and without spaces',
        '  [test/E] extraJavaOptions[1]: got "-Dnetworkaddress.cache.ttl=1", expected no -Dnetworkaddress.cache.ttl: it is a security property the JDK ignores as -D; set dnsCacheTtl (-Dsun.net.inetaddr.ttl)',
      ],
    ],
    [
      'PrometheusServer: intervals, a target and a scraped pods block',
      () =>
        new PrometheusServer(emptyChart(), 'P', {
          pushgatewayTargets: ['x'],
          retention: Duration.minutes(1),
          scrapeInterval: Duration.minutes(5),
          scrapePods: [{ namespace: 'Bad', podSelector: {} } as any],
        }),
      [
        'Validation failed with the following errors:',
        '  [test/P] scrapeInterval: got 5m, expected whole seconds from 1s to 10s',
        '  [test/P] retention: got 1m, expected whole seconds from 1h to 365d',
        '  [test/P] pushgatewayTargets[0]: got "x", expected host:port with no scheme or path (for example "interlok-scaling-pushgateway.interlok-scaling.svc:9091")',
        '  [test/P] scrapePods[0].namespace: got "Bad", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [test/P] scrapePods[0].podSelector: got {}, expected at least one pod label',
      ],
    ],
    [
      'PrometheusAdapter: URL, scrape interval (its relist check skipped), tls, replicas, nodeCidrs',
      () =>
        new PrometheusAdapter(emptyChart(), 'A', {
          prometheusUrl: 'nope',
          scrapeInterval: Duration.hours(2),
          relistInterval: Duration.seconds(1),
          replicas: 0,
          hostNetwork: false,
          nodeCidrs: ['10.0.0.0/8'],
          tls: ApiServiceTls.caBundle('***', 'x'),
        } as any),
      [
        'Validation failed with the following errors:',
        '  [test/A] prometheusUrl: got "nope", expected an http:// or https:// URL (for example "http://interlok-scaling-prometheus.interlok-scaling.svc:80/")',
        '  [test/A] scrapeInterval: got 2h, expected whole seconds from 1s to 1h',
        '  [test/A] tls.caBundle: got "***", expected the CA certificate PEM, base64-encoded',
        '  [test/A] replicas: got 0, expected a whole number from 1 to 10',
        '  [test/A] nodeCidrs: got ["10.0.0.0/8"], expected none without hostNetwork: the adapter\'s pods are admitted by their labels',
      ],
    ],
    [
      'AdapterRule: series, label, interval and external (the defaults that follow the series are not checked again)',
      () =>
        new AdapterRule(emptyChart(), 'R', {
          seriesName: '1bad',
          namespaceLabel: '__x',
          scrapeInterval: Duration.minutes(20),
          external: 'yes',
        } as any),
      [
        'Validation failed with the following errors:',
        '  [test/R] seriesName: got "1bad", expected a Prometheus metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*',
        '  [test/R] namespaceLabel: got "__x", expected a Prometheus label name matching [a-zA-Z_][a-zA-Z0-9_]* not starting with "__"',
        '  [test/R] scrapeInterval: got 20m, expected whole seconds from 1s to 10m',
        '  [test/R] external: got "yes", expected true or false',
      ],
    ],
    [
      'AdapterRule with a scraped source: workflow, window and a label clash',
      () =>
        new AdapterRule(emptyChart(), 'R', {
          metricsSource: MetricsSource.scrape({ workflow: 'a"b', window: Duration.seconds(5) }),
          podLabel: 'namespace',
        }),
      [
        'Validation failed with the following errors:',
        '  [test/R] metricsSource.workflow: got "a\\"b", expected the workflow label value `<workflow unique-id>@<channel unique-id>`, without quotes, backslashes or line breaks',
        '  [test/R] metricsSource.window: got 5s, expected whole seconds from 20s to 1h',
        '  [test/R] podLabel: got "namespace", expected a label other than namespaceLabel',
      ],
    ],
    [
      'MessageMetricsHpa: target, averageValue and both scaling directions',
      () => {
        const c = emptyChart();
        return new MessageMetricsHpa(c, 'H', {
          target: ScaleTarget.deployment('Bad_Name', 'Bad'),
          rule: new AdapterRule(c, 'R'),
          averageValue: -1,
          scaleUp: { policies: [ScalingPolicy.pods(0, Duration.seconds(0))] },
          scaleDown: { stabilizationWindow: Duration.hours(2) },
        });
      },
      [
        'Validation failed with the following errors:',
        '  [test/H] target.name: got "Bad_Name", expected a DNS-1123 subdomain (at most 253 characters of a-z, 0-9, "-" and ".", each part starting and ending with a letter or digit)',
        '  [test/H] target.namespace: got "Bad", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [test/H] averageValue: got -1, expected a number from 0.001 to 1e12 (quantities have milli precision)',
        '  [test/H] scaleUp.policies[0].value: got 0, expected a whole number from 1 to 10000',
        '  [test/H] scaleUp.policies[0].period: got 0s, expected whole seconds from 1s to 30m',
        '  [test/H] scaleDown.stabilizationWindow: got 2h, expected whole seconds from 0s to 1h',
      ],
    ],
    [
      'MessageMetricsHpa: target and rule of the wrong types, and a bad count',
      () => new MessageMetricsHpa(emptyChart(), 'H', { target: 'x', rule: 'y', minReplicas: 0 } as any),
      [
        'Validation failed with the following errors:',
        '  [test/H] target: got "x", expected a ScaleTarget (ScaleTarget.interlok(deployment) or ScaleTarget.deployment(name, namespace))',
        '  [test/H] rule: got "y", expected an AdapterRule',
        '  [test/H] minReplicas: got 0, expected a whole number from 1 to 1000',
      ],
    ],
    [
      'KedaScaledObject: target, server, threshold, counts and fallback (checks on a bad maxReplicaCount skipped)',
      () => {
        const c = emptyChart();
        return new KedaScaledObject(c, 'K', {
          target: ScaleTarget.deployment('Bad_Name', 'default'),
          rule: new AdapterRule(c, 'R'),
          serverAddress: 'nope',
          threshold: 0,
          minReplicaCount: 9,
          maxReplicaCount: 2000,
          fallback: { failureThreshold: 0, replicas: 3, behavior: 'x' } as any,
        });
      },
      [
        'Validation failed with the following errors:',
        '  [test/K] target.name: got "Bad_Name", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [test/K] serverAddress: got "nope", expected an http:// or https:// URL (for example "http://interlok-scaling-prometheus.interlok-scaling.svc:80/")',
        '  [test/K] threshold: got 0, expected a number from 0.001 to 1e12',
        '  [test/K] maxReplicaCount: got 2000, expected a whole number from 1 to 1000',
        '  [test/K] fallback.failureThreshold: got 0, expected a whole number from 1 to 1000',
        '  [test/K] fallback.behavior: got "x", expected one of static, currentReplicas, currentReplicasIfHigher, currentReplicasIfLower',
      ],
    ],
    [
      'MonitoringStack: its names, a scraped pods block and a conflicting URL',
      () =>
        new MonitoringStack(emptyChart(), 'M', {
          names: MonitoringNames.of({ namespace: 'Bad', pushgateway: '1p', prometheus: 'p', adapter: 'a' }),
          existingPrometheusUrl: 'http://x',
          scrapePods: [null as any],
        }),
      [
        'Validation failed with the following errors:',
        '  [test/M] names.namespace: got "Bad", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [test/M] names.pushgateway: got "1p", expected a DNS-1035 label, as it names a Service (at most 63 characters of a-z, 0-9 and "-", starting with a letter and ending with a letter or digit)',
        '  [test/M] scrapePods[0]: got null, expected ScrapedPods: an object, or leave it out',
        '  [test/M] existingPrometheusUrl: got "http://x", expected none while the stack queries its own Prometheus (set prometheus: false to use an existing one)',
      ],
    ],
    [
      "MonitoringStack: its parts' errors together (a failed pushgateway does not hide the adapter's)",
      () =>
        new MonitoringStack(emptyChart(), 'M', {
          allowPushFrom: [NetworkPeer.pods('Bad', { a: 'b' })],
          relistInterval: Duration.seconds(1),
        }),
      [
        'Validation failed with the following errors:',
        '  [test/M/Pushgateway] allowPushFrom.namespace: got "Bad", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [test/M/Adapter] relistInterval: got 1s, expected whole seconds from 10s to 1h',
      ],
    ],
    [
      "InterlokDeployment: its own props and its PushgatewayEnv's",
      () =>
        new InterlokDeployment(emptyChart(), 'I', {
          image: InterlokImage.fromRegistry('repo:1.0'),
          name: 'a.b',
          namespace: 'Bad',
          heap: Size.mebibytes(100),
          replicas: -1,
          extraJavaOptions: ['-Xmx1g', 'bad opt'],
          pushgateway: PushgatewayEndpoint.hostPort('nope'),
        }),
      [
        'Validation failed with the following errors:',
        '  [test/I] name: got "a.b", expected no dots: a Deployment name may have them, but this name also names the Interlok\'s Service, a DNS-1035 label',
        '  [test/I] namespace: got "Bad", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [test/I] heap: got 100 MiB, expected a cdk8s Size of whole mebibytes from 256 MiB to 64 GiB',
        '  [test/I] replicas: got -1, expected a whole number from 0 to 1000',
        '  [test/I] extraJavaOptions[0]: got "-Xmx1g", expected no heap option (-Xmx, -Xms, -XX:MaxHeapSize, -XX:*RAMPercentage): set heap, which is JVM_ARGS=-Xmx and sizes the memory limit',
        '  [test/I/PushgatewayEnv] endpoint: got "nope", expected host:port with no scheme or path (for example "interlok-scaling-pushgateway.interlok-scaling.svc:9091")',
        '  [test/I/PushgatewayEnv] extraJavaOptions[1]: got "bad opt", expected one JVM option starting with "-" and without spaces',
      ],
    ],
    [
      'InterlokDeployment scraped: image, user, pushgateway and JVM option',
      () =>
        new InterlokDeployment(emptyChart(), 'I', {
          image: DEMO_IMAGE,
          metricsSource: MetricsSource.scrape({ workflow: 'w@c' }),
          pushgateway: PushgatewayEndpoint.DEFAULT,
          runAsUser: 0,
          extraJavaOptions: ['x'],
        }),
      [
        'Validation failed with the following errors:',
        '  [test/I] image: got "aaronmcgrathadpx/interlok-kubernetes-scaling:latest", expected with MetricsSource.scrape(), an image of your own built on Interlok 4.1+ or 5.x with the jars interlok-rest-base, interlok-rest-metrics-profiler, interlok-rest-provider-prometheus and interlok-profiler (which brings aspectjweaver), managementComponents=jetty:jmx:metrics-interlok:metrics-provider-prometheus in bootstrap.properties, and the JVM flags -javaagent:lib/aspectjweaver.jar -Dorg.aspectj.weaver.loadtime.configuration=META-INF/profiler-aop.xml (the stock adaptris/interlok images have none of these)',
        '  [test/I] runAsUser: got 0, expected a whole number from 1 to 2147483647',
        '  [test/I] pushgateway: got "interlok-scaling-pushgateway.interlok-scaling.svc:9091", expected none with MetricsSource.scrape(): Prometheus scrapes the pods, nothing is pushed',
        '  [test/I] extraJavaOptions[0]: got "x", expected one JVM option starting with "-" and without spaces',
      ],
    ],
    [
      'InterlokAutoscalingChart: its own props, labels, a nested key, scaler and image',
      () =>
        new InterlokAutoscalingChart(Testing.app(), 'x', {
          namespace: 'a',
          labels: { 'bad key!': 'v', ok: 'bad value!' },
          interlok: { image: 'img' as any },
          scaler: 'keda' as any,
          autoscaler: { maxReplica: 3 } as any,
        } as any),
      [
        'Validation failed with the following errors:',
        '  [x] namespace: got "a", expected no chart namespace: set interlok.namespace and monitoring.namespace, each object gets its own',
        '  [x] labels: got "bad key!", expected label keys of an optional DNS subdomain prefix and "/" and a name of at most 63 characters of A-Z, a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit',
        '  [x] labels.ok: got "bad value!", expected a label value: at most 63 characters of A-Z, a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit (or empty)',
        '  [x] autoscaler.maxReplica: got 3, expected no such prop in AutoscalerOptions (did you mean "maxReplicas"?)',
        '  [x] scaler: got "keda", expected a Scaler (Scaler.hpa() or Scaler.keda({...}))',
        '  [x] interlok.image: got "img", expected an InterlokImage: InterlokImage.fromRegistry("repo:tag") for your image, or InterlokImage.guideDemo() for the guide\'s demo (there is no default)',
      ],
    ],
    [
      "InterlokAutoscalingChart: the stack's and the Interlok's errors together",
      () =>
        new InterlokAutoscalingChart(Testing.app(), 'x', {
          interlok: { image: DEMO_IMAGE, heap: Size.mebibytes(100) },
          monitoring: { namespace: 'Bad' },
        }),
      [
        'Validation failed with the following errors:',
        '  [x/Monitoring] namespace: got "Bad", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [x/Interlok] heap: got 100 MiB, expected a cdk8s Size of whole mebibytes from 256 MiB to 64 GiB',
      ],
    ],
    [
      'NetworkPeer.pods: namespace and labels of one peer',
      () => new Pushgateway(emptyChart(), 'P', { allowScrapeFrom: [NetworkPeer.pods('Bad', {})] }),
      [
        'Validation failed with the following errors:',
        '  [test/P] allowScrapeFrom.namespace: got "Bad", expected a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
        '  [test/P] allowScrapeFrom.podLabels: got {}, expected at least one valid Kubernetes label, so that only those pods are admitted',
      ],
    ],
    [
      'resources: every bad quantity, the request checked against its limit only when both are valid',
      () =>
        new Pushgateway(emptyChart(), 'P', {
          resources: {
            cpu: { request: kplus.Cpu.millis(0), limit: kplus.Cpu.units(1) },
            memory: { request: Size.mebibytes(512), limit: Size.mebibytes(256) },
            ephemeralStorage: { request: Size.kibibytes(1), limit: Size.mebibytes(1) },
            gpu: {},
          } as any,
        }),
      [
        'Validation failed with the following errors:',
        '  [test/P] resources.gpu: got {}, expected no such resource (did you mean "cpu"?)',
        '  [test/P] resources.cpu.request: got "0m", expected more than 0 CPU',
        '  [test/P] resources.ephemeralStorage.request: got 1 KiB, expected a cdk8s Size of at least 1 MiB in whole mebibytes',
        '  [test/P] resources.memory.request: got 512 MiB, expected at most the limit (256 MiB)',
      ],
    ],
  ];

  test.each(CASES)('%s', (_title, build, lines) => {
    const e = thrown(build);
    expect(e.message.split('\n')).toEqual(lines);
    expect(e.errors.map((x) => x.message)).toEqual(lines.slice(1).map((l) => l.trim()));
  });

  test("the chart's addInterlok and synthLoadJob: every bad option at once", () => {
    const chart = () => new InterlokAutoscalingChart(Testing.app(), 'x', { interlok: { image: DEMO_IMAGE } });
    const fleet = thrown(() =>
      chart().addInterlok('team', {
        image: 'img',
        metricsSource: MetricsSource.scrape({ workflow: 'w@c' }),
        autoscaler: { maxReplica: 2 },
      } as any),
    );
    expect(fleet.message.split('\n')).toEqual([
      'Validation failed with the following errors:',
      `  [x] addInterlok(team).image: got "img", expected an InterlokImage: InterlokImage.fromRegistry("repo:tag") for your image, or InterlokImage.guideDemo() for the guide's demo (there is no default)`,
      '  [x] addInterlok(team).autoscaler.maxReplica: got 2, expected no such prop in AutoscalerOptions (did you mean "maxReplicas"?)',
      `  [x] addInterlok(team).metricsSource: got "MetricsSource.scrape(...)", expected MetricsSource.pushgateway(): the stack's Prometheus is configured with the scraped pods when it is built, so a fleet of scraped Interloks is one chart per Interlok for now`,
    ]);
    const job = thrown(() => chart().synthLoadJob({ interlok: 'x', outdir: '', typo: 1 } as any));
    expect(job.message.split('\n')).toEqual([
      'Validation failed with the following errors:',
      '  [x] synthLoadJob.typo: got 1, expected no such prop in LoadJobOptions (known: count, interlok, outdir)',
      '  [x] synthLoadJob.interlok: got "x", expected an InterlokDeployment (one of stack.interloks[i].interlok)',
      expect.stringMatching(
        /^ {2}\[x\] synthLoadJob\.outdir: got "", expected a directory other than the app's outdir \(/,
      ),
    ]);
  });

  test(`property: an HPA reports exactly the bad props it is given, in its props' order (${RUNS} cases)`, () => {
    // independent bad values: none is the input of another's check
    const BAD: Array<[string, unknown]> = [
      ['name', 'Bad_Name'],
      ['metricName', '1bad'],
      ['averageValue', 0],
      ['minReplicas', 0],
      ['maxReplicas', 2000],
    ];
    fc.assert(
      fc.property(fc.subarray(BAD, { minLength: 1 }), (bad) => {
        const chart = emptyChart();
        const props = Object.fromEntries(bad);
        const e = thrown(
          () =>
            new MessageMetricsHpa(chart, 'Hpa', {
              target: ScaleTarget.deployment('interlok', 'default'),
              rule: new AdapterRule(chart, 'Rule'),
              ...props,
            }),
        );
        expect(e.errors.map((x) => x.prop)).toEqual(bad.map(([prop]) => prop));
        expect(e.message.split('\n')).toHaveLength(bad.length === 1 ? 1 : bad.length + 1);
      }),
      { numRuns: RUNS },
    );
  });
});
