import { Size, Testing } from 'cdk8s';
import {
  AdapterRule,
  InterlokAutoscalingChart,
  InterlokConfig,
  InterlokDeployment,
  InterlokImage,
  MessageMetricsHpa,
  ScaleTarget,
} from '../lib';
import { container, demoInterlok, emptyChart, env, find, synthChart } from './helpers';

const ADAPTER_XML = `<adapter><unique-id>A</unique-id><channel-list><channel><workflow-list><standard-workflow>
  <message-metrics-interceptor><unique-id>Orders-In-Metrics</unique-id></message-metrics-interceptor>
</standard-workflow></workflow-list></channel></channel-list></adapter>`;
const BOOTSTRAP =
  'managementComponents=jmx:jetty:kubernetes-metrics\nadapterConfigUrl=file://localhost/./config/adapter.xml\n';

describe('InterlokDeployment', () => {
  test('on its own: snapshot, one replica, Service on 8080', () => {
    const chart = emptyChart();
    demoInterlok(chart, 'Interlok');
    const objects = synthChart(chart);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'interlok');
    expect(dep.spec.replicas).toBe(1);
    expect(find(objects, 'Service', 'interlok').spec.ports).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
    ]);
  });

  test('an HPA on it removes spec.replicas', () => {
    const chart = emptyChart();
    const interlok = demoInterlok(chart, 'Interlok', { replicas: 3 });
    new MessageMetricsHpa(chart, 'Hpa', {
      target: ScaleTarget.interlok(interlok),
      rule: new AdapterRule(chart, 'Rule'),
    });
    expect(find(synthChart(chart), 'Deployment', 'interlok').spec.replicas).toBeUndefined();
  });

  test('JMX only when asked: 5555 on the container and the Service', () => {
    const chart = emptyChart();
    demoInterlok(chart, 'Interlok', { exposeJmx: true });
    const objects = synthChart(chart);
    expect(container(find(objects, 'Deployment', 'interlok')).ports.map((p: any) => p.containerPort)).toEqual([
      8080, 5555,
    ]);
    expect(find(objects, 'Service', 'interlok').spec.ports.map((p: any) => p.port)).toEqual([8080, 5555]);
  });

  test('heap sets JVM_ARGS and sizes memory (heap + 512 MiB)', () => {
    const chart = emptyChart();
    demoInterlok(chart, 'Interlok', { heap: Size.gibibytes(2) });
    const c = container(find(synthChart(chart), 'Deployment', 'interlok'));
    expect(env(c).JVM_ARGS.value).toBe('-Xmx2048m');
    expect(c.resources).toEqual({
      requests: { cpu: '500m', memory: '2560Mi' },
      limits: { cpu: '2', memory: '2560Mi' },
    });
  });

  test('every image is a choice: a pinned one of yours is pulled IfNotPresent and labels the version; the demo is pulled Always unless pinned', () => {
    const chart = emptyChart();
    new InterlokDeployment(chart, 'A', {
      name: 'a',
      image: InterlokImage.fromRegistry('registry.example.com/interlok:3.12.0'),
    });
    new InterlokDeployment(chart, 'B', {
      name: 'b',
      image: InterlokImage.fromRegistry(`registry.example.com/interlok@sha256:${'a'.repeat(64)}`),
    });
    new InterlokDeployment(chart, 'C', { name: 'c', image: InterlokImage.guideDemo() });
    new InterlokDeployment(chart, 'D', { name: 'd', image: InterlokImage.guideDemo(`sha256:${'b'.repeat(64)}`) });
    const objects = synthChart(chart);
    const a = find(objects, 'Deployment', 'a');
    expect(container(a)).toMatchObject({
      image: 'registry.example.com/interlok:3.12.0',
      imagePullPolicy: 'IfNotPresent',
    });
    expect(a.metadata.labels['app.kubernetes.io/version']).toBe('3.12.0');
    expect(container(find(objects, 'Deployment', 'b'))).toMatchObject({
      image: `registry.example.com/interlok@sha256:${'a'.repeat(64)}`,
      imagePullPolicy: 'IfNotPresent',
    });
    const c = find(objects, 'Deployment', 'c');
    expect(container(c)).toMatchObject({
      image: 'aaronmcgrathadpx/interlok-kubernetes-scaling:latest',
      imagePullPolicy: 'Always',
    });
    expect(c.metadata.labels['app.kubernetes.io/version']).toBeUndefined();
    expect(container(find(objects, 'Deployment', 'd'))).toMatchObject({
      image: `aaronmcgrathadpx/interlok-kubernetes-scaling@sha256:${'b'.repeat(64)}`,
      imagePullPolicy: 'IfNotPresent',
    });
  });

  test('no default image: leaving it out names the two choices', () => {
    const expected =
      'expected an InterlokImage: InterlokImage.fromRegistry("repo:tag") for your image, or InterlokImage.guideDemo() for the guide\'s demo (there is no default)';
    expect(() => new InterlokDeployment(emptyChart(), 'I', {} as any)).toThrow(
      `[test/I] image: got undefined, ${expected}`,
    );
    expect(() => new InterlokAutoscalingChart(Testing.app(), 'stack', {} as any)).toThrow(
      `[stack] interlok.image: got undefined, ${expected}`,
    );
    expect(() => new InterlokAutoscalingChart(Testing.app(), 'stack', { interlok: { name: 'a' } } as any)).toThrow(
      `[stack] interlok.image: got undefined, ${expected}`,
    );
    const stack = new InterlokAutoscalingChart(Testing.app(), 'stack', {
      interlok: { image: InterlokImage.guideDemo() },
    });
    expect(() => stack.addInterlok('b', { name: 'b' } as any)).toThrow(
      `[stack] addInterlok(b).image: got undefined, ${expected}`,
    );
  });

  test.each([
    ['registry.example.com/interlok', 'an untagged image'],
    ['registry.example.com/interlok:latest', 'latest'],
    ['adaptris/interlok:latest-zulu-alpine', 'latest-<dist>'],
    ['adaptris/interlok:snapshot-temurin', 'snapshot-<dist>'],
    ['adaptris/interlok:4-snapshot-temurin', '<major>-snapshot-<dist>'],
    ['registry.example.com:5000/interlok', 'an untagged image behind a registry port'],
  ])('fromRegistry refuses %s (%s)', (reference) => {
    expect(() => InterlokImage.fromRegistry(reference)).toThrow(
      `[InterlokImage.fromRegistry] reference: got ${JSON.stringify(reference)}, expected a pinned image: a release tag ("repo:3.12.0") or a digest ("repo@sha256:<64 hex digits>"), not a missing, latest or snapshot tag; the guide's demo is InterlokImage.guideDemo()`,
    );
  });

  test('fromRegistry takes release tags that merely contain the words; guideDemo takes only a full digest', () => {
    expect(InterlokImage.fromRegistry('registry.example.com/interlok:5.0.1-zulu').reference).toBe(
      'registry.example.com/interlok:5.0.1-zulu',
    );
    expect(InterlokImage.fromRegistry('registry.example.com/latest:3.12.0').pullPolicy).toBe('IfNotPresent');
    expect(() => InterlokImage.guideDemo('sha256:1234')).toThrow(
      '[InterlokImage.guideDemo] digest: got "sha256:1234", expected "sha256:<64 lowercase hex digits>", or nothing for the latest tag',
    );
  });

  test('config from a ConfigMap: subPath mounts, a checksum that rolls the pods, metric names from the interceptors', () => {
    const make = (xml: string) => {
      const chart = emptyChart();
      const d = demoInterlok(chart, 'Interlok', {
        config: InterlokConfig.fromStrings({ adapterXml: xml, bootstrapProperties: BOOTSTRAP }),
      });
      return { d, objects: synthChart(chart) };
    };
    const { d, objects } = make(ADAPTER_XML);
    expect(d.metricNames).toEqual(['OrdersInMetrics']);
    expect(find(objects, 'ConfigMap', 'interlok-config').data).toEqual({
      'adapter.xml': ADAPTER_XML,
      'bootstrap.properties': BOOTSTRAP,
    });
    const dep = find(objects, 'Deployment', 'interlok');
    expect(container(dep).volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'config', mountPath: '/opt/interlok/config/adapter.xml', subPath: 'adapter.xml', readOnly: true },
        {
          name: 'config',
          mountPath: '/opt/interlok/config/bootstrap.properties',
          subPath: 'bootstrap.properties',
          readOnly: true,
        },
      ]),
    );
    const sum = dep.spec.template.metadata.annotations['checksum/config'];
    expect(sum).toMatch(/^[0-9a-f]{64}$/);
    const changed = find(make(ADAPTER_XML.replace('Orders-In', 'Orders-Out')).objects, 'Deployment', 'interlok');
    expect(changed.spec.template.metadata.annotations['checksum/config']).not.toBe(sum);
  });

  test.each<[string, string, string[]]>([
    [
      "the guide's adapter.xml",
      '<adapter><channel-list><channel><workflow-list><standard-workflow><unique-id>MetricsWorkflow</unique-id><message-metrics-interceptor><unique-id>MessageMetrics</unique-id></message-metrics-interceptor><in-flight-workflow-interceptor><unique-id>Json-FS-Workflow-InFlight</unique-id></in-flight-workflow-interceptor></standard-workflow></workflow-list></channel></channel-list></adapter>',
      ['MessageMetrics'],
    ],
    [
      "a workflow without an interceptor gets Interlok's default one, named after it",
      '<adapter><channel-list><channel><workflow-list><standard-workflow><unique-id>Orders-Wf</unique-id></standard-workflow></workflow-list></channel></channel-list></adapter>',
      ['OrdersWf'],
    ],
    [
      'unless its default message count is disabled',
      '<adapter><channel-list><channel><workflow-list><pooling-workflow><unique-id>b</unique-id><disable-default-message-count>true</disable-default-message-count></pooling-workflow></workflow-list></channel></channel-list></adapter>',
      [],
    ],
    [
      'the <interceptor class=...> form',
      '<adapter><channel-list><channel><workflow-list><standard-workflow><unique-id>c</unique-id><interceptors><interceptor class="message-metrics-interceptor"><unique-id>My-Metric</unique-id></interceptor></interceptors></standard-workflow></workflow-list></channel></channel-list></adapter>',
      ['MyMetric'],
    ],
  ])('metric names from adapter.xml: %s', (_name, xml, expected) => {
    const d = demoInterlok(emptyChart(), 'Interlok', { config: InterlokConfig.fromStrings({ adapterXml: xml }) });
    expect(d.metricNames).toEqual(expected);
  });

  test('the image default pushes MessageMetrics; /in-box is reachable in the cluster', () => {
    const d = demoInterlok(emptyChart(), 'Interlok', { namespace: 'integration' });
    expect(d.metricNames).toEqual(['MessageMetrics']);
    expect(d.inboxUrl).toBe('http://interlok.integration.svc:8080/in-box');
  });

  test('writable paths for a read-only root filesystem', () => {
    const chart = emptyChart();
    demoInterlok(chart, 'Interlok');
    const c = container(find(Testing.synth(chart), 'Deployment', 'interlok'));
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual([
      '/tmp',
      '/opt/interlok/logs',
      '/opt/interlok/ui-resources',
    ]);
  });
});
