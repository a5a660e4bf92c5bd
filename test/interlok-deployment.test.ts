import { Size, Testing } from 'cdk8s';
import { AdapterRule, InterlokConfig, InterlokDeployment, InterlokImage, MessageMetricsHpa, ScaleTarget } from '../lib';
import { container, emptyChart, env, find, synthChart } from './helpers';

const ADAPTER_XML = `<adapter><unique-id>A</unique-id><channel-list><channel><workflow-list><standard-workflow>
  <message-metrics-interceptor><unique-id>Orders-In-Metrics</unique-id></message-metrics-interceptor>
</standard-workflow></workflow-list></channel></channel-list></adapter>`;
const BOOTSTRAP = 'managementComponents=jmx:jetty:kubernetes-metrics\nadapterConfigUrl=file://localhost/./config/adapter.xml\n';

describe('InterlokDeployment', () => {
  test('on its own: snapshot, one replica, Service on 8080', () => {
    const chart = emptyChart();
    new InterlokDeployment(chart, 'Interlok');
    const objects = synthChart(chart);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'interlok');
    expect(dep.spec.replicas).toBe(1);
    expect(find(objects, 'Service', 'interlok').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('an HPA on it removes spec.replicas', () => {
    const chart = emptyChart();
    const interlok = new InterlokDeployment(chart, 'Interlok', { replicas: 3 });
    new MessageMetricsHpa(chart, 'Hpa', { target: ScaleTarget.interlok(interlok), rule: new AdapterRule(chart, 'Rule') });
    expect(find(synthChart(chart), 'Deployment', 'interlok').spec.replicas).toBeUndefined();
  });

  test('JMX only when asked: 5555 on the container and the Service', () => {
    const chart = emptyChart();
    new InterlokDeployment(chart, 'Interlok', { exposeJmx: true });
    const objects = synthChart(chart);
    expect(container(find(objects, 'Deployment', 'interlok')).ports.map((p: any) => p.containerPort)).toEqual([8080, 5555]);
    expect(find(objects, 'Service', 'interlok').spec.ports.map((p: any) => p.port)).toEqual([8080, 5555]);
  });

  test('heap sets JVM_ARGS and sizes memory (heap + 512 MiB)', () => {
    const chart = emptyChart();
    new InterlokDeployment(chart, 'Interlok', { heap: Size.gibibytes(2) });
    const c = container(find(synthChart(chart), 'Deployment', 'interlok'));
    expect(env(c).JVM_ARGS.value).toBe('-Xmx2048m');
    expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '2560Mi' }, limits: { cpu: '2', memory: '2560Mi' } });
  });

  test('a pinned image is not re-pulled and labels the version; latest is always pulled', () => {
    const chart = emptyChart();
    new InterlokDeployment(chart, 'A', { name: 'a', image: InterlokImage.guideTag('3.9.1') });
    new InterlokDeployment(chart, 'B', { name: 'b', image: InterlokImage.guideDigest(`sha256:${'a'.repeat(64)}`) });
    new InterlokDeployment(chart, 'C', { name: 'c' });
    const objects = synthChart(chart);
    const a = find(objects, 'Deployment', 'a');
    expect(container(a)).toMatchObject({ image: 'aaronmcgrathadpx/interlok-kubernetes-scaling:3.9.1', imagePullPolicy: 'IfNotPresent' });
    expect(a.metadata.labels['app.kubernetes.io/version']).toBe('3.9.1');
    expect(container(find(objects, 'Deployment', 'b')).imagePullPolicy).toBe('IfNotPresent');
    expect(container(find(objects, 'Deployment', 'c')).imagePullPolicy).toBe('Always');
  });

  test('config from a ConfigMap: subPath mounts, a checksum that rolls the pods, metric names from the interceptors', () => {
    const make = (xml: string) => {
      const chart = emptyChart();
      const d = new InterlokDeployment(chart, 'Interlok', { config: InterlokConfig.fromStrings({ adapterXml: xml, bootstrapProperties: BOOTSTRAP }) });
      return { d, objects: synthChart(chart) };
    };
    const { d, objects } = make(ADAPTER_XML);
    expect(d.metricNames).toEqual(['OrdersInMetrics']);
    expect(find(objects, 'ConfigMap', 'interlok-config').data).toEqual({ 'adapter.xml': ADAPTER_XML, 'bootstrap.properties': BOOTSTRAP });
    const dep = find(objects, 'Deployment', 'interlok');
    expect(container(dep).volumeMounts).toEqual(expect.arrayContaining([
      { name: 'config', mountPath: '/opt/interlok/config/adapter.xml', subPath: 'adapter.xml', readOnly: true },
      { name: 'config', mountPath: '/opt/interlok/config/bootstrap.properties', subPath: 'bootstrap.properties', readOnly: true },
    ]));
    const sum = dep.spec.template.metadata.annotations['checksum/config'];
    expect(sum).toMatch(/^[0-9a-f]{64}$/);
    const changed = find(make(ADAPTER_XML.replace('Orders-In', 'Orders-Out')).objects, 'Deployment', 'interlok');
    expect(changed.spec.template.metadata.annotations['checksum/config']).not.toBe(sum);
  });

  test.each<[string, string, string[]]>([
    ['the guide\'s adapter.xml', '<adapter><channel-list><channel><workflow-list><standard-workflow><unique-id>MetricsWorkflow</unique-id><message-metrics-interceptor><unique-id>MessageMetrics</unique-id></message-metrics-interceptor><in-flight-workflow-interceptor><unique-id>Json-FS-Workflow-InFlight</unique-id></in-flight-workflow-interceptor></standard-workflow></workflow-list></channel></channel-list></adapter>', ['MessageMetrics']],
    ['a workflow without an interceptor gets Interlok\'s default one, named after it', '<adapter><channel-list><channel><workflow-list><standard-workflow><unique-id>Orders-Wf</unique-id></standard-workflow></workflow-list></channel></channel-list></adapter>', ['OrdersWf']],
    ['unless its default message count is disabled', '<adapter><channel-list><channel><workflow-list><pooling-workflow><unique-id>b</unique-id><disable-default-message-count>true</disable-default-message-count></pooling-workflow></workflow-list></channel></channel-list></adapter>', []],
    ['the <interceptor class=...> form', '<adapter><channel-list><channel><workflow-list><standard-workflow><unique-id>c</unique-id><interceptors><interceptor class="message-metrics-interceptor"><unique-id>My-Metric</unique-id></interceptor></interceptors></standard-workflow></workflow-list></channel></channel-list></adapter>', ['MyMetric']],
  ])('metric names from adapter.xml: %s', (_name, xml, expected) => {
    const d = new InterlokDeployment(emptyChart(), 'Interlok', { config: InterlokConfig.fromStrings({ adapterXml: xml }) });
    expect(d.metricNames).toEqual(expected);
  });

  test('the image default pushes MessageMetrics; /in-box is reachable in the cluster', () => {
    const d = new InterlokDeployment(emptyChart(), 'Interlok', { namespace: 'integration' });
    expect(d.metricNames).toEqual(['MessageMetrics']);
    expect(d.inboxUrl).toBe('http://interlok.integration.svc:8080/in-box');
  });

  test('writable paths for a read-only root filesystem', () => {
    const chart = emptyChart();
    new InterlokDeployment(chart, 'Interlok');
    const c = container(find(Testing.synth(chart), 'Deployment', 'interlok'));
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/opt/interlok/logs', '/opt/interlok/ui-resources']);
  });
});
