import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  AdapterRule,
  ApiServiceTls,
  InterlokConfig,
  InterlokImage,
  MessageMetricsHpa,
  MonitoringStack,
  NetworkPeer,
  PrometheusAdapter,
  PrometheusServer,
  Pushgateway,
  PushgatewayEndpoint,
  PushgatewayEnv,
  Scaler,
  ScaleTarget,
  ScalingPolicy,
  desiredReplicas,
  desiredReplicasExternal,
  worstCaseReactionTimes,
  renderMetricsQuery,
  AdapterRuleConfig,
} from '../lib';
import { DEMO_IMAGE, demoChart, demoInterlok, emptyChart } from './helpers';

const HOST_PORT =
  'host:port with no scheme or path (for example "interlok-scaling-pushgateway.interlok-scaling.svc:9091")';
const DNS_LABEL =
  'a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)';
const DNS_SUBDOMAIN =
  'a DNS-1123 subdomain (at most 253 characters of a-z, 0-9, "-" and ".", each part starting and ending with a letter or digit)';
const METRIC = 'a Prometheus metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = 'a Prometheus label name matching [a-zA-Z_][a-zA-Z0-9_]* not starting with "__"';
const IMAGE = 'an image reference such as "registry/repository:tag" or "repository@sha256:<64 hex digits>"';
const SERVICE =
  'a DNS-1035 label, as it names a Service (at most 63 characters of a-z, 0-9 and "-", starting with a letter and ending with a letter or digit)';
const URL = 'an http:// or https:// URL (for example "http://interlok-scaling-prometheus.interlok-scaling.svc:80/")';

const hpa = (s: Construct, props: Record<string, unknown>) =>
  new MessageMetricsHpa(s, 'Hpa', {
    target: ScaleTarget.deployment('interlok', 'default'),
    rule: new AdapterRule(s, 'Rule'),
    ...props,
  });
const env = (props: Record<string, unknown>) => (s: Construct) => new PushgatewayEnv(s, 'Env', props);
const interlok = (props: Record<string, unknown>) => (s: Construct) => demoInterlok(s, 'Interlok', props);
const rule = (props: unknown) => (s: Construct) => new AdapterRule(s, 'Rule', props as any);
const adapter = (props: Record<string, unknown>) => (s: Construct) =>
  new PrometheusAdapter(s, 'Adapter', { prometheusUrl: 'http://p:9090/', ...props } as any);
const prometheus = (props: Record<string, unknown>) => (s: Construct) =>
  new PrometheusServer(s, 'Prom', { pushgatewayTargets: ['pgw:9091'], ...props } as any);

const chart = (props: unknown) => (s: Construct) => demoChart(s, 'Stack', props as any);

const CASES: Array<[string, (s: Construct) => unknown, string]> = [
  // unknown props: a typo, a prop of another construct, the guide's v2beta1 name; every construct and nested block
  [
    'misspelt maxReplicas',
    (s) => hpa(s, { maxReplica: 10 }),
    '[test/Hpa] maxReplica: got 10, expected no such prop in MessageMetricsHpaProps (did you mean "maxReplicas"?)',
  ],
  [
    'misspelt namespace',
    interlok({ namespce: 'x' }),
    '[test/Interlok] namespce: got "x", expected no such prop in InterlokDeploymentProps (did you mean "namespace"?)',
  ],
  [
    "the guide's v2beta1 targetAverageValue",
    chart({ autoscaler: { targetAverageValue: 100 } }),
    '[test/Stack] autoscaler.targetAverageValue: got 100, expected no such prop in AutoscalerOptions (did you mean "averageValue"?)',
  ],
  [
    'networkPolicy on the stack (it says networkPolicies)',
    (s) => new MonitoringStack(s, 'Monitoring', { networkPolicy: false } as any),
    '[test/Monitoring] networkPolicy: got false, expected no such prop in MonitoringStackProps (did you mean "networkPolicies"?)',
  ],
  [
    'networkPolicies on a Pushgateway (it says networkPolicy)',
    (s) => new Pushgateway(s, 'Pgw', { networkPolicies: false } as any),
    '[test/Pgw] networkPolicies: got false, expected no such prop in PushgatewayProps (did you mean "networkPolicy"?)',
  ],
  [
    'unknown prop with no close match',
    rule({ colour: 'red' }),
    '[test/Rule] colour: got "red", expected no such prop in AdapterRuleProps (known: external, externalMetricName, metricName, metricsSource, namespaceLabel, podLabel, scrapeInterval, seriesName, staleAfter)',
  ],
  [
    "misspelt prop in the chart's monitoring block",
    chart({ monitoring: { scrapeIntervall: Duration.seconds(5) } }),
    '[test/Stack] monitoring.scrapeIntervall: got 5s, expected no such prop in MonitoringStackProps (did you mean "scrapeInterval"?)',
  ],
  [
    'misspelt prop in scaleDown',
    (s) => hpa(s, { scaleDown: { stabilisationWindow: Duration.seconds(60) } }),
    '[test/Hpa] scaleDown.stabilisationWindow: got 1m, expected no such prop in ScalingRules (did you mean "stabilizationWindow"?)',
  ],
  [
    'misspelt adapterOptions prop',
    (s) => new MonitoringStack(s, 'Monitoring', { adapterOptions: { replica: 2 } } as any),
    '[test/Monitoring] adapterOptions.replica: got 2, expected no such prop in PrometheusAdapterOptions (did you mean "replicas"?)',
  ],
  [
    'misspelt kubePrometheusStack prop',
    chart({ monitoring: { kubePrometheusStack: { relase: 'kps' } } }),
    '[test/Stack] monitoring.kubePrometheusStack.relase: got "kps", expected no such prop in KubePrometheusStackOptions (did you mean "release"?)',
  ],
  [
    'KEDA options with HPA names',
    chart({ scaler: Scaler.keda({ maxReplicas: 5 } as any) }),
    '[test/Stack] scaler.maxReplicas: got 5, expected no such prop in KedaScalerOptions (did you mean "maxReplicaCount"?)',
  ],
  [
    'misspelt addInterlok prop',
    (s) => demoChart(s, 'Stack').addInterlok('b', { image: DEMO_IMAGE, nmae: 'b' } as any),
    '[test/Stack] addInterlok(b).nmae: got "b", expected no such prop in FleetInterlokProps (did you mean "name"?)',
  ],
  // a prop one block too high: where it belongs
  [
    'an HPA prop on an Interlok of a fleet',
    (s) => demoChart(s, 'Stack').addInterlok('b', { image: DEMO_IMAGE, name: 'b', averageValue: 40 } as any),
    '[test/Stack] addInterlok(b).averageValue: got 40, expected no such prop in FleetInterlokProps (did you mean "autoscaler.averageValue"?)',
  ],
  [
    "the guide's v2beta1 name on an Interlok of a fleet",
    (s) => demoChart(s, 'Stack').addInterlok('b', { image: DEMO_IMAGE, targetAverageValue: 40 } as any),
    '[test/Stack] addInterlok(b).targetAverageValue: got 40, expected no such prop in FleetInterlokProps (did you mean "autoscaler.averageValue"?)',
  ],
  [
    'an HPA prop on the chart, misspelt',
    chart({ maxReplica: 4 }),
    '[test/Stack] maxReplica: got 4, expected no such prop in InterlokAutoscalingChartProps (did you mean "autoscaler.maxReplicas"?)',
  ],
  [
    'an Interlok prop on the chart',
    chart({ heap: Size.gibibytes(2) }),
    '[test/Stack] heap: got 2048 MiB, expected no such prop in InterlokAutoscalingChartProps (did you mean "interlok.heap"?)',
  ],
  [
    'a prop of two blocks, two levels down',
    chart({ stabilizationWindow: Duration.minutes(1) }),
    '[test/Stack] stabilizationWindow: got 1m, expected no such prop in InterlokAutoscalingChartProps (did you mean "autoscaler.scaleUp.stabilizationWindow" or "autoscaler.scaleDown.stabilizationWindow"?)',
  ],
  [
    'an adapter option on the stack',
    (s) => new MonitoringStack(s, 'Monitoring', { replicas: 2 } as any),
    '[test/Monitoring] replicas: got 2, expected no such prop in MonitoringStackProps (did you mean "adapterOptions.replicas"?)',
  ],
  [
    'misspelt chart prop',
    chart({ autoscalar: {} }),
    '[test/Stack] autoscalar: got {}, expected no such prop in InterlokAutoscalingChartProps (did you mean "autoscaler"?)',
  ],
  [
    'misspelt JVM prop on PushgatewayEnv',
    env({ dnsCacheTTL: Duration.seconds(1) }),
    '[test/Env] dnsCacheTTL: got 1s, expected no such prop in PushgatewayEnvProps (did you mean "dnsCacheTtl"?)',
  ],
  [
    'a key that is no identifier',
    rule({ 'series name': 'x' }),
    '[test/Rule] ["series name"]: got "x", expected no such prop in AdapterRuleProps (did you mean "seriesName"?)',
  ],
  // null blocks (an empty key in a config file) and non-objects
  [
    'null props',
    (s) => demoInterlok(s, 'Interlok', null as any),
    '[test/Interlok] props: got null, expected InterlokDeploymentProps: an object, or leave it out',
  ],
  [
    'null chart props',
    chart(null),
    '[test/Stack] props: got null, expected InterlokAutoscalingChartProps: an object, or leave it out',
  ],
  [
    'null nested block',
    chart({ autoscaler: null }),
    '[test/Stack] autoscaler: got null, expected AutoscalerOptions: an object, or leave it out',
  ],
  [
    'props as a string',
    rule('MessageMetrics'),
    '[test/Rule] props: got "MessageMetrics", expected AdapterRuleProps: an object, or leave it out',
  ],
  [
    'null scaleUp',
    (s) => hpa(s, { scaleUp: null }),
    '[test/Hpa] scaleUp: got null, expected ScalingRules: an object, or leave it out',
  ],
  [
    'null KEDA fallback',
    chart({ scaler: Scaler.keda({ fallback: null } as any) }),
    '[test/Stack] scaler.fallback: got null, expected KedaFallback: an object, or leave it out',
  ],
  // props with no effect in the combination given
  [
    'existingPushgateway while the stack runs its own',
    (s) =>
      new MonitoringStack(s, 'Monitoring', { existingPushgateway: PushgatewayEndpoint.hostPort('pgw.obs.svc:9091') }),
    '[test/Monitoring] existingPushgateway: got "pgw.obs.svc:9091", expected none while the stack runs its own pushgateway (set pushgateway: false to use an existing one)',
  ],
  [
    'existingPrometheusUrl while the stack runs its own',
    (s) => new MonitoringStack(s, 'Monitoring', { existingPrometheusUrl: 'http://prom.obs.svc:9090/' }),
    '[test/Monitoring] existingPrometheusUrl: got "http://prom.obs.svc:9090/", expected none while the stack queries its own Prometheus (set prometheus: false to use an existing one)',
  ],
  [
    'stale window shorter than the given scrape interval of an existing Prometheus',
    chart({
      monitoring: {
        prometheus: false,
        existingPrometheusUrl: 'http://prom.obs.svc:9090/',
        scrapeInterval: Duration.minutes(1),
      },
      rule: { staleAfter: Duration.seconds(30) },
    }),
    '[test/Stack/Rule] staleAfter: got 30s, expected whole seconds from 75s to 1h',
  ],
  // factories and helpers with undefined or wrongly typed input
  [
    'ScaleTarget.interlok(undefined)',
    () => ScaleTarget.interlok(undefined as any),
    '[ScaleTarget.interlok] deployment: got undefined, expected an InterlokDeployment of this app (or ScaleTarget.deployment(name, namespace) for one that exists)',
  ],
  [
    'InterlokConfig.fromStrings(null)',
    () => InterlokConfig.fromStrings(null as any),
    '[InterlokConfig.fromStrings] files: got null, expected InterlokConfigFiles: an object such as { adapterXml: ... }',
  ],
  [
    'InterlokConfig.fromFiles with a file name as key',
    () => InterlokConfig.fromFiles({ 'adapter.xml': 'a.xml' } as any),
    '[InterlokConfig.fromFiles] paths.adapter.xml: got "a.xml", expected no such prop in InterlokConfigFiles (did you mean "adapterXml"?)',
  ],
  [
    'a file that cannot be read',
    interlok({ config: InterlokConfig.fromFiles({ adapterXml: '/nonexistent/adapter.xml' }) }),
    '[test/Interlok] config.adapterXml: got "/nonexistent/adapter.xml", expected a readable file (ENOENT from /nonexistent/adapter.xml)',
  ],
  [
    'CPU as a plain string',
    interlok({ resources: { cpu: { request: '500m' } } }),
    '[test/Interlok] resources.cpu.request: got "500m", expected a cdk8s-plus Cpu (Cpu.millis(500) or Cpu.units(1))',
  ],
  [
    'memory as a plain string',
    interlok({ resources: { memory: { limit: '1Gi' } } }),
    '[test/Interlok] resources.memory.limit: got "1Gi", expected a cdk8s Size of at least 1 MiB in whole mebibytes',
  ],
  [
    'misspelt resource',
    interlok({ resources: { memroy: { limit: Size.gibibytes(2) } } }),
    '[test/Interlok] resources.memroy: got {"limit":"2048 MiB"}, expected no such resource (did you mean "memory"?)',
  ],
  [
    'Duration as a plain string',
    (s) => hpa(s, { scaleUp: { stabilizationWindow: '60s' } }),
    '[test/Hpa] scaleUp.stabilizationWindow: got "60s", expected a cdk8s Duration',
  ],
  [
    'desiredReplicas with a target of 0',
    () =>
      desiredReplicas({
        currentReplicas: 1,
        podValues: new Map([['a', 1]]),
        pods: ['a'],
        targetAverageValue: 0,
        minReplicas: 1,
        maxReplicas: 5,
      }),
    '[desiredReplicas] targetAverageValue: got 0, expected a number of at least 0.001 (quantities have milli precision)',
  ],
  [
    'desiredReplicas with min above max',
    () =>
      desiredReplicas({
        currentReplicas: 1,
        podValues: new Map(),
        pods: [],
        targetAverageValue: 10,
        minReplicas: 6,
        maxReplicas: 5,
      }),
    '[desiredReplicas] minReplicas: got 6, expected at most maxReplicas (5)',
  ],
  [
    'desiredReplicas with undefined input',
    () => desiredReplicas(undefined as any),
    '[desiredReplicas] input: got undefined, expected ReplicaCalculationInput: an object',
  ],
  [
    'desiredReplicasExternal with values not an array',
    () =>
      desiredReplicasExternal({
        currentReplicas: 1,
        values: 5 as any,
        targetAverageValue: 10,
        minReplicas: 1,
        maxReplicas: 5,
      }),
    '[desiredReplicasExternal] values: got 5, expected an array of numbers',
  ],
  [
    'worstCaseReactionTimes with seconds as a number',
    () =>
      worstCaseReactionTimes({
        scrapeInterval: 10 as any,
        scaleUpStabilization: Duration.seconds(0),
        scaleDownStabilization: Duration.minutes(5),
      }),
    '[worstCaseReactionTimes] scrapeInterval: got 10, expected a cdk8s Duration of 0 or more',
  ],
  [
    'renderMetricsQuery with no pods',
    () =>
      renderMetricsQuery({ metricsQuery: 'x' } as AdapterRuleConfig, 'MessageMetrics', {
        namespace: 'default',
        pods: [],
      }),
    '[renderMetricsQuery] request.pods: got [], expected at least one pod name',
  ],
  [
    'renderMetricsQuery with an undefined rule',
    () => renderMetricsQuery(undefined as any, 'MessageMetrics', { namespace: 'default', pods: ['a'] }),
    '[renderMetricsQuery] rule: got undefined, expected an AdapterRuleConfig (AdapterRule.config([...]).rules[i]) with a metricsQuery',
  ],
  [
    'two interceptors with one unique-id',
    interlok({
      config: InterlokConfig.fromStrings({
        adapterXml:
          '<adapter><channel><workflow-list><standard-workflow><interceptors><message-metrics-interceptor><unique-id>M</unique-id></message-metrics-interceptor></interceptors></standard-workflow><standard-workflow><interceptors><message-metrics-interceptor><unique-id>M</unique-id></message-metrics-interceptor></interceptors></standard-workflow></workflow-list></channel></adapter>',
      }),
    }),
    '[test/Interlok] config.adapterXml: got "M", expected a unique-id of one message-metrics-interceptor only (it is used twice): two interceptors would push one metric and overwrite each other',
  ],
  [
    '-Xmx again through extraJavaOptions',
    interlok({ extraJavaOptions: ['-Xss1m', '-Xmx2g'] }),
    '[test/Interlok] extraJavaOptions[1]: got "-Xmx2g", expected no heap option (-Xmx, -Xms, -XX:MaxHeapSize, -XX:*RAMPercentage): set heap, which is JVM_ARGS=-Xmx and sizes the memory limit',
  ],
  [
    'heap larger than the memory limit',
    interlok({ heap: Size.gibibytes(2), resources: { memory: { limit: Size.gibibytes(1) } } }),
    '[test/Interlok] resources.memory.limit: got 1024 MiB, expected at least heap + 128 MiB (2176 MiB): the JVM needs memory beyond its heap (metaspace, threads, Jetty), or the container is OOM-killed',
  ],
  [
    'a cluster namespace created as ours',
    (s) => new MonitoringStack(s, 'Monitoring', { namespace: 'kube-system', createNamespace: true }),
    '[test/Monitoring] createNamespace: got true, expected false or unset with namespace "kube-system": every cluster has it, so it is not created as an object of this app',
  ],
  [
    'existingPushgateway with a scheme (reported as existingPushgateway)',
    (s) =>
      new MonitoringStack(s, 'Monitoring', {
        pushgateway: false,
        existingPushgateway: PushgatewayEndpoint.hostPort('http://pgw:9091'),
      }),
    `[test/Monitoring] existingPushgateway: got "http://pgw:9091", expected ${HOST_PORT}`,
  ],
  [
    'dotted Interlok name (a Deployment name, not a Service name)',
    interlok({ name: 'interlok.eu' }),
    '[test/Interlok] name: got "interlok.eu", expected no dots: a Deployment name may have them, but this name also names the Interlok\'s Service, a DNS-1035 label',
  ],
  [
    'chart namespace',
    chart({ namespace: 'apps' }),
    '[test/Stack] namespace: got "apps", expected no chart namespace: set interlok.namespace and monitoring.namespace, each object gets its own',
  ],
  [
    'chart label value with a space',
    chart({ labels: { team: 'a b' } }),
    '[test/Stack] labels.team: got "a b", expected a label value: at most 63 characters of A-Z, a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit (or empty)',
  ],
  [
    'endpoint with a scheme',
    env({ endpoint: PushgatewayEndpoint.hostPort('http://pgw:9091') }),
    `[test/Env] endpoint: got "http://pgw:9091", expected ${HOST_PORT}`,
  ],
  [
    'endpoint without a port',
    env({ endpoint: PushgatewayEndpoint.hostPort('pgw') }),
    `[test/Env] endpoint: got "pgw", expected ${HOST_PORT}`,
  ],
  [
    'endpoint port 0',
    env({ endpoint: PushgatewayEndpoint.hostPort('pgw:0') }),
    `[test/Env] endpoint: got "pgw:0", expected ${HOST_PORT}`,
  ],
  [
    'endpoint port 70000',
    env({ endpoint: PushgatewayEndpoint.hostPort('pgw:70000') }),
    `[test/Env] endpoint: got "pgw:70000", expected ${HOST_PORT}`,
  ],
  [
    'endpoint with a path',
    env({ endpoint: PushgatewayEndpoint.hostPort('pgw:9091/metrics') }),
    `[test/Env] endpoint: got "pgw:9091/metrics", expected ${HOST_PORT}`,
  ],
  [
    'endpoint as a plain string',
    env({ endpoint: 'pgw:9091' }),
    '[test/Env] endpoint: got "pgw:9091", expected a PushgatewayEndpoint (PushgatewayEndpoint.hostPort("host:port") or .service(...))',
  ],
  [
    'JVM option with a space',
    env({ extraJavaOptions: ['-Xmx1g -Xms1g'] }),
    '[test/Env] extraJavaOptions[0]: got "-Xmx1g -Xms1g", expected one JVM option starting with "-" and without spaces',
  ],
  [
    'JVM option overriding the endpoint',
    env({ extraJavaOptions: ['-DprometheusEndpointUrl=x:1'] }),
    '[test/Env] extraJavaOptions[0]: got "-DprometheusEndpointUrl=x:1", expected no -DprometheusEndpointUrl or -Dsun.net.inetaddr.ttl (set endpoint and dnsCacheTtl instead)',
  ],
  [
    'JVM options not an array',
    env({ extraJavaOptions: '-Xmx1g' }),
    '[test/Env] extraJavaOptions: got "-Xmx1g", expected an array of JVM options',
  ],
  [
    'DNS TTL of 1.5 s',
    env({ dnsCacheTtl: Duration.millis(1500) }),
    '[test/Env] dnsCacheTtl: got 1500ms, expected whole seconds from 0s to 1d',
  ],

  [
    'Deployment name in capitals',
    interlok({ name: 'Interlok' }),
    `[test/Interlok] name: got "Interlok", expected ${SERVICE}`,
  ],
  [
    'Deployment name starting with a digit (it names the Service too)',
    interlok({ name: '1interlok' }),
    `[test/Interlok] name: got "1interlok", expected ${SERVICE}`,
  ],
  [
    'Deployment name of 64 characters',
    interlok({ name: 'a'.repeat(64) }),
    `[test/Interlok] name: got "${'a'.repeat(64)}", expected ${SERVICE}`,
  ],
  [
    'namespace with an underscore',
    interlok({ namespace: 'my_ns' }),
    `[test/Interlok] namespace: got "my_ns", expected ${DNS_LABEL}`,
  ],
  [
    'image in capitals',
    interlok({ image: InterlokImage.fromRegistry('Adaptris/Interlok:1') }),
    `[test/Interlok] image: got "Adaptris/Interlok:1", expected ${IMAGE}`,
  ],
  [
    'image with a space',
    interlok({ image: InterlokImage.fromRegistry('interlok:3 9') }),
    `[test/Interlok] image: got "interlok:3 9", expected ${IMAGE}`,
  ],
  [
    'image with a short digest',
    interlok({ image: InterlokImage.fromRegistry('registry.example.com/interlok@sha256:1234') }),
    `[test/Interlok] image: got "registry.example.com/interlok@sha256:1234", expected ${IMAGE}`,
  ],
  [
    'image as a plain string',
    interlok({ image: 'interlok:1' }),
    '[test/Interlok] image: got "interlok:1", expected an InterlokImage: InterlokImage.fromRegistry("repo:tag") for your image, or InterlokImage.guideDemo() for the guide\'s demo (there is no default)',
  ],
  [
    'heap of 100 MiB',
    interlok({ heap: Size.mebibytes(100) }),
    '[test/Interlok] heap: got 100 MiB, expected a cdk8s Size of whole mebibytes from 256 MiB to 64 GiB',
  ],
  [
    'heap of 1500 KiB',
    interlok({ heap: Size.kibibytes(1500) }),
    '[test/Interlok] heap: got 1500 KiB, expected a cdk8s Size of whole mebibytes from 256 MiB to 64 GiB',
  ],
  [
    'negative replicas',
    interlok({ replicas: -1 }),
    '[test/Interlok] replicas: got -1, expected a whole number from 0 to 1000',
  ],
  [
    'fractional replicas',
    interlok({ replicas: 1.5 }),
    '[test/Interlok] replicas: got 1.5, expected a whole number from 0 to 1000',
  ],
  [
    'running as root',
    interlok({ runAsUser: 0 }),
    '[test/Interlok] runAsUser: got 0, expected a whole number from 1 to 2147483647',
  ],
  [
    'malformed adapter.xml',
    interlok({ config: InterlokConfig.fromStrings({ adapterXml: '<adapter><channel></adapter>' }) }),
    "[test/Interlok] config.adapterXml: got \"<adapter><channel></adapter>...\", expected well-formed XML (line 1: Expected closing tag 'channel' (opened in line 1, col 10) instead of closing tag 'adapter'.)",
  ],
  [
    'interceptor without unique-id',
    interlok({
      config: InterlokConfig.fromStrings({
        adapterXml:
          '<adapter><message-metrics-interceptor><timeslice-history-count>1</timeslice-history-count></message-metrics-interceptor></adapter>',
      }),
    }),
    '[test/Interlok] config.adapterXml: got "{\\"timeslice-history-count\\":[\\"1\\"]}", expected a <unique-id> in every <message-metrics-interceptor>: it becomes the metric name',
  ],
  [
    'bootstrap without kubernetes-metrics',
    interlok({ config: InterlokConfig.fromStrings({ bootstrapProperties: 'managementComponents=jmx:jetty\n' }) }),
    '[test/Interlok] config.bootstrapProperties: got "managementComponents=jmx:jetty", expected managementComponents to include kubernetes-metrics, the component that pushes MessageMetrics',
  ],
  [
    'negative CPU request',
    interlok({ resources: { cpu: { request: kplus.Cpu.millis(-5) } } }),
    '[test/Interlok] resources.cpu.request: got "-5m", expected a Kubernetes quantity such as "500m", "2", "512Mi" or "1Gi"',
  ],
  [
    'CPU request above its limit',
    interlok({ resources: { cpu: { request: kplus.Cpu.units(2), limit: kplus.Cpu.units(1) } } }),
    '[test/Interlok] resources.cpu.request: got "2", expected at most the limit ("1")',
  ],
  [
    'zero memory limit',
    interlok({ resources: { memory: { limit: Size.mebibytes(0) } } }),
    '[test/Interlok] resources.memory.limit: got 0 MiB, expected a cdk8s Size of at least 1 MiB in whole mebibytes',
  ],
  [
    'bad JVM option through InterlokDeployment',
    interlok({ extraJavaOptions: ['Xmx1g'] }),
    '[test/Interlok/PushgatewayEnv] extraJavaOptions[0]: got "Xmx1g", expected one JVM option starting with "-" and without spaces',
  ],

  [
    'series name with a dash',
    rule({ seriesName: 'Message-Metrics' }),
    `[test/Rule] seriesName: got "Message-Metrics", expected ${METRIC}`,
  ],
  [
    'series name starting with a digit',
    rule({ seriesName: '9lives' }),
    `[test/Rule] seriesName: got "9lives", expected ${METRIC}`,
  ],
  [
    'API metric name with spaces',
    rule({ metricName: 'messages per second' }),
    `[test/Rule] metricName: got "messages per second", expected ${METRIC}`,
  ],
  [
    'reserved label name',
    rule({ namespaceLabel: '__name__' }),
    `[test/Rule] namespaceLabel: got "__name__", expected ${LABEL}`,
  ],
  ['label name with a dash', rule({ podLabel: 'k8s-pod' }), `[test/Rule] podLabel: got "k8s-pod", expected ${LABEL}`],
  [
    'pod label equal to namespace label',
    rule({ podLabel: 'k8s_namespace' }),
    '[test/Rule] podLabel: got "k8s_namespace", expected a label other than namespaceLabel',
  ],
  [
    'stale window of 10 s',
    rule({ staleAfter: Duration.seconds(10) }),
    '[test/Rule] staleAfter: got 10s, expected whole seconds from 25s to 1h',
  ],
  [
    'stale window of 2 h',
    rule({ staleAfter: Duration.hours(2) }),
    '[test/Rule] staleAfter: got 2h, expected whole seconds from 25s to 1h',
  ],

  [
    'minReplicas 0',
    (s) => hpa(s, { minReplicas: 0 }),
    '[test/Hpa] minReplicas: got 0, expected a whole number from 1 to 1000',
  ],
  [
    'maxReplicas 0',
    (s) => hpa(s, { maxReplicas: 0 }),
    '[test/Hpa] maxReplicas: got 0, expected a whole number from 1 to 1000',
  ],
  [
    'fractional maxReplicas',
    (s) => hpa(s, { maxReplicas: 2.5 }),
    '[test/Hpa] maxReplicas: got 2.5, expected a whole number from 1 to 1000',
  ],
  [
    'minReplicas above maxReplicas',
    (s) => hpa(s, { minReplicas: 6 }),
    '[test/Hpa] minReplicas: got 6, expected at most maxReplicas (5)',
  ],
  [
    'target average 0',
    (s) => hpa(s, { averageValue: 0 }),
    '[test/Hpa] averageValue: got 0, expected a number from 0.001 to 1e12 (quantities have milli precision)',
  ],
  [
    'negative target average',
    (s) => hpa(s, { averageValue: -5 }),
    '[test/Hpa] averageValue: got -5, expected a number from 0.001 to 1e12 (quantities have milli precision)',
  ],
  [
    'infinite target average',
    (s) => hpa(s, { averageValue: Infinity }),
    '[test/Hpa] averageValue: got Infinity, expected a number from 0.001 to 1e12 (quantities have milli precision)',
  ],
  [
    'target average as a string',
    (s) => hpa(s, { averageValue: '100' }),
    '[test/Hpa] averageValue: got "100", expected a number from 0.001 to 1e12 (quantities have milli precision)',
  ],
  [
    'HPA name with an underscore',
    (s) => hpa(s, { name: 'interlok_hpa' }),
    `[test/Hpa] name: got "interlok_hpa", expected ${DNS_SUBDOMAIN}`,
  ],
  [
    'target namespace in capitals',
    (s) =>
      new MessageMetricsHpa(s, 'Hpa', {
        target: ScaleTarget.deployment('interlok', 'Default'),
        rule: new AdapterRule(s, 'Rule'),
      }),
    `[test/Hpa] target.namespace: got "Default", expected ${DNS_LABEL}`,
  ],
  [
    'target missing',
    (s) => new MessageMetricsHpa(s, 'Hpa', { rule: new AdapterRule(s, 'Rule') } as any),
    '[test/Hpa] target: got undefined, expected a ScaleTarget (ScaleTarget.interlok(deployment) or ScaleTarget.deployment(name, namespace))',
  ],
  [
    'HPA metric name with a space',
    (s) => hpa(s, { metricName: 'Message Metrics' }),
    `[test/Hpa] metricName: got "Message Metrics", expected ${METRIC}`,
  ],
  [
    'scale-up window of 2 h',
    (s) => hpa(s, { scaleUp: { stabilizationWindow: Duration.hours(2) } }),
    '[test/Hpa] scaleUp.stabilizationWindow: got 2h, expected whole seconds from 0s to 1h',
  ],
  [
    'no scale-down policies',
    (s) => hpa(s, { scaleDown: { policies: [] } }),
    '[test/Hpa] scaleDown.policies: got [], expected at least one ScalingPolicy',
  ],
  [
    'policy of 0 pods',
    (s) => hpa(s, { scaleUp: { policies: [ScalingPolicy.pods(0, Duration.seconds(15))] } }),
    '[test/Hpa] scaleUp.policies[0].value: got 0, expected a whole number from 1 to 10000',
  ],
  [
    'policy period of 31 min',
    (s) => hpa(s, { scaleDown: { policies: [ScalingPolicy.percent(10, Duration.minutes(31))] } }),
    '[test/Hpa] scaleDown.policies[0].period: got 31m, expected whole seconds from 1s to 30m',
  ],

  [
    'pushgateway name in capitals',
    (s) => new Pushgateway(s, 'Pgw', { name: 'PGW' }),
    `[test/Pgw] name: got "PGW", expected ${SERVICE}`,
  ],
  [
    'stale window shorter than push + a 60 s scrape + 5 s',
    rule({ scrapeInterval: Duration.minutes(1), staleAfter: Duration.seconds(60) }),
    '[test/Rule] staleAfter: got 1m, expected whole seconds from 75s to 1h',
  ],
  [
    'scrape interval of 20 min',
    rule({ scrapeInterval: Duration.minutes(20) }),
    '[test/Rule] scrapeInterval: got 20m, expected whole seconds from 1s to 10m',
  ],
  [
    'push peer with no pod labels (the whole namespace)',
    (s) => new Pushgateway(s, 'Pgw', { allowPushFrom: [NetworkPeer.pods('default', {})] }),
    '[test/Pgw] allowPushFrom.podLabels: got {}, expected at least one valid Kubernetes label, so that only those pods are admitted',
  ],
  [
    'push peer in a namespace with capitals',
    (s) => new Pushgateway(s, 'Pgw', { allowPushFrom: [NetworkPeer.pods('Default', { app: 'x' })] }),
    `[test/Pgw] allowPushFrom.namespace: got "Default", expected ${DNS_LABEL}`,
  ],
  [
    'scrape peer with a bad label value',
    (s) =>
      new Pushgateway(s, 'Pgw', { allowScrapeFrom: [NetworkPeer.pods('monitoring', { app: 'prometheus server' })] }),
    '[test/Pgw] allowScrapeFrom.podLabels: got {"app":"prometheus server"}, expected at least one valid Kubernetes label, so that only those pods are admitted',
  ],
  [
    'pushgateway image with a space',
    (s) => new Pushgateway(s, 'Pgw', { image: 'prom/pushgateway v1' }),
    `[test/Pgw] image: got "prom/pushgateway v1", expected ${IMAGE}`,
  ],
  [
    'push peer as a plain object',
    (s) => new Pushgateway(s, 'Pgw', { allowPushFrom: [{ namespace: 'default' } as any] }),
    '[test/Pgw] allowPushFrom: got {"namespace":"default"}, expected a NetworkPeer (NetworkPeer.pods(namespace, labels) or NetworkPeer.ipBlock(cidr))',
  ],
  [
    'no pushgateway targets',
    prometheus({ pushgatewayTargets: [] }),
    '[test/Prom] pushgatewayTargets: got [], expected at least one host:port (or pods in scrapePods)',
  ],
  [
    'scrape target with a scheme',
    prometheus({ pushgatewayTargets: ['http://pgw:9091'] }),
    `[test/Prom] pushgatewayTargets[0]: got "http://pgw:9091", expected ${HOST_PORT}`,
  ],
  [
    'scrape interval of 30 s',
    prometheus({ scrapeInterval: Duration.seconds(30) }),
    '[test/Prom] scrapeInterval: got 30s, expected whole seconds from 1s to 10s',
  ],
  [
    'retention of 10 min',
    prometheus({ retention: Duration.minutes(10) }),
    '[test/Prom] retention: got 10m, expected whole seconds from 1h to 365d',
  ],
  [
    'Prometheus URL without a scheme',
    adapter({ prometheusUrl: 'prometheus-server:80' }),
    `[test/Adapter] prometheusUrl: got "prometheus-server:80", expected ${URL}`,
  ],
  [
    'Prometheus URL over ftp',
    adapter({ prometheusUrl: 'ftp://prometheus/' }),
    `[test/Adapter] prometheusUrl: got "ftp://prometheus/", expected ${URL}`,
  ],
  [
    'relist shorter than the scrape interval',
    adapter({ relistInterval: Duration.seconds(5) }),
    '[test/Adapter] relistInterval: got 5s, expected whole seconds from 10s to 1h',
  ],
  [
    'CA bundle that is not base64',
    adapter({ tls: ApiServiceTls.caBundle('not base64!', 'tls') }),
    '[test/Adapter] tls.caBundle: got "not base64!", expected the CA certificate PEM, base64-encoded',
  ],
  [
    'cert-manager certificate without namespace',
    adapter({ tls: ApiServiceTls.certManager('adapter', 'tls') }),
    '[test/Adapter] tls.certificate: got "adapter", expected a cert-manager Certificate as "namespace/name"',
  ],
  [
    'serving Secret name with an underscore',
    adapter({ tls: ApiServiceTls.certManager('monitoring/adapter', 'adapter_tls') }),
    '[test/Adapter] tls.servingCertSecret: got "adapter_tls", expected a DNS-1123 subdomain (at most 253 characters of a-z, 0-9, "-" and ".", each part starting and ending with a letter or digit)',
  ],
  [
    'rules not an array',
    adapter({ rules: 'MessageMetrics' }),
    '[test/Adapter] rules: got "MessageMetrics", expected an array of AdapterRule',
  ],
  [
    'no pushgateway and none given',
    (s) => new MonitoringStack(s, 'Monitoring', { pushgateway: false }),
    '[test/Monitoring] existingPushgateway: got undefined, expected a PushgatewayEndpoint when pushgateway is false',
  ],
  [
    'no Prometheus and none given',
    (s) => new MonitoringStack(s, 'Monitoring', { prometheus: false }),
    `[test/Monitoring] existingPrometheusUrl: got undefined, expected ${URL}`,
  ],
  [
    'monitoring namespace in capitals',
    (s) => new MonitoringStack(s, 'Monitoring', { namespace: 'Monitoring' }),
    `[test/Monitoring] namespace: got "Monitoring", expected ${DNS_LABEL}`,
  ],
];

describe('bad input gets a clear error at construction', () => {
  test('the table has at least 40 distinct cases', () => {
    expect(new Set(CASES.map(([name]) => name)).size).toBe(CASES.length);
    expect(new Set(CASES.map(([, , message]) => message)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  test.each(CASES)('%s', (_name, build, message) => {
    let error: unknown;
    try {
      build(emptyChart());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(message);
  });
});
