import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as kplus33 from 'cdk8s-plus-33';
import { NetworkPeer, Pushgateway, PushgatewayEndpoint, PushgatewayEnv } from '../lib';
import { container, demoInterlok, emptyChart, env, find } from './helpers';

describe('PushgatewayEnv', () => {
  test('defaults: our pushgateway (PushgatewayEndpoint.DEFAULT), DNS TTL, pod name and both namespace variables', () => {
    const e = new PushgatewayEnv(emptyChart(), 'Env');
    expect(e.envVars).toMatchSnapshot();
    expect(e.envVars).toEqual([
      {
        name: 'JAVA_OPTS',
        value:
          '-DprometheusEndpointUrl=interlok-scaling-pushgateway.interlok-scaling.svc:9091 -Dsun.net.inetaddr.ttl=30',
      },
      { name: 'K8S_POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'K8S_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
      { name: 'K8S_POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
    ]);
  });

  test('a user endpoint, TTL and extra options, in that order', () => {
    const e = new PushgatewayEnv(emptyChart(), 'Env', {
      endpoint: PushgatewayEndpoint.hostPort('pgw.metrics.svc:19091'),
      dnsCacheTtl: Duration.seconds(5),
      extraJavaOptions: ['-Duser.timezone=UTC', '-XX:+ExitOnOutOfMemoryError'],
    });
    expect(e.javaOpts).toBe(
      '-DprometheusEndpointUrl=pgw.metrics.svc:19091 -Dsun.net.inetaddr.ttl=5 -Duser.timezone=UTC -XX:+ExitOnOutOfMemoryError',
    );
  });

  test('adds itself to a cdk8s-plus container', () => {
    const chart = emptyChart();
    const dep = new kplus.Deployment(chart, 'Own', { containers: [{ image: 'my/interlok:1', portNumber: 8080 }] });
    new PushgatewayEnv(chart, 'Env', { endpoint: PushgatewayEndpoint.hostPort('pgw:9091') }).addTo(dep.containers[0]);
    const vars = env(container(Testing.synth(chart).find((o) => o.kind === 'Deployment')));
    expect(vars.JAVA_OPTS.value).toBe('-DprometheusEndpointUrl=pgw:9091 -Dsun.net.inetaddr.ttl=30');
    expect(vars.K8S_NAMESPACE.valueFrom).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } });
    expect(vars.K8S_POD_NAME.valueFrom).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
  });

  test('adds itself to a container of the newest cdk8s-plus (33), the same as to one of 27', () => {
    const synthEnv = (build: (chart: ReturnType<typeof emptyChart>) => void) => {
      const chart = emptyChart();
      build(chart);
      return container(Testing.synth(chart).find((o) => o.kind === 'Deployment')).env;
    };
    const endpoint = PushgatewayEndpoint.hostPort('pgw:9091');
    const with33 = synthEnv((chart) => {
      const dep = new kplus33.Deployment(chart, 'Own');
      const c = dep.addContainer({ image: 'my/interlok:1', portNumber: 8080 });
      c.env.addVariable('OTHER', kplus33.EnvValue.fromValue('kept'));
      new PushgatewayEnv(chart, 'Env', { endpoint }).addTo(c);
    });
    const with27 = synthEnv((chart) => {
      const dep = new kplus.Deployment(chart, 'Own');
      const c = dep.addContainer({ image: 'my/interlok:1', portNumber: 8080 });
      c.env.addVariable('OTHER', kplus.EnvValue.fromValue('kept'));
      new PushgatewayEnv(chart, 'Env', { endpoint }).addTo(c);
    });
    expect(with33).toEqual([
      { name: 'OTHER', value: 'kept' },
      { name: 'JAVA_OPTS', value: '-DprometheusEndpointUrl=pgw:9091 -Dsun.net.inetaddr.ttl=30' },
      { name: 'K8S_POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'K8S_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
      { name: 'K8S_POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
    ]);
    expect(with27).toEqual(with33);
    expect(require('cdk8s-plus-33/package.json').version).toMatch(/^2\./);
  });

  test('an endpoint that is not the synthesized pushgateway fails synth', () => {
    const chart = emptyChart();
    new Pushgateway(chart, 'Pgw', {
      allowPushFrom: [NetworkPeer.pods('default', { 'app.kubernetes.io/name': 'interlok' })],
      allowScrapeFrom: [NetworkPeer.pods('monitoring', { app: 'prometheus' })],
    });
    demoInterlok(chart, 'Interlok', { pushgateway: PushgatewayEndpoint.hostPort('pushgateway.other.svc:9091') });
    expect(() => Testing.synth(chart)).toThrow(
      '[test/Interlok/PushgatewayEnv] pushgateway endpoint "pushgateway.other.svc:9091" is not the synthesized pushgateway Service interlok-scaling-pushgateway.interlok-scaling.svc:9091: Interlok would push where nothing scrapes',
    );
  });

  test.each([
    'interlok-scaling-pushgateway.interlok-scaling.svc:9091',
    'interlok-scaling-pushgateway.interlok-scaling.svc.cluster.local:9091',
    'interlok-scaling-pushgateway.interlok-scaling:9091',
  ])('every spelling of the synthesized Service is accepted: %s', (hostPort) => {
    const chart = emptyChart();
    new Pushgateway(chart, 'Pgw', {
      allowPushFrom: [NetworkPeer.pods('default', { 'app.kubernetes.io/name': 'interlok' })],
      allowScrapeFrom: [NetworkPeer.pods('monitoring', { app: 'prometheus' })],
    });
    const d = demoInterlok(chart, 'Interlok', { pushgateway: PushgatewayEndpoint.hostPort(hostPort) });
    expect(env(container(find(Testing.synth(chart), 'Deployment', d.name))).JAVA_OPTS.value).toContain(hostPort);
  });
});

describe('addTo with a container that has a JAVA_OPTS already', () => {
  const setup = (javaOpts: kplus.EnvValue) => {
    const chart = emptyChart();
    const dep = new kplus.Deployment(chart, 'Dep', {
      containers: [{ image: 'interlok:1', envVariables: { JAVA_OPTS: javaOpts } }],
    });
    return { chart, container: dep.containers[0] };
  };
  test('keeps it and appends ours', () => {
    const { chart, container } = setup(kplus.EnvValue.fromValue('-Xss1m'));
    new PushgatewayEnv(chart, 'Env', { endpoint: PushgatewayEndpoint.hostPort('pgw:9091') }).addTo(container);
    expect(container.env.variables.JAVA_OPTS.value).toBe(
      '-Xss1m -DprometheusEndpointUrl=pgw:9091 -Dsun.net.inetaddr.ttl=30',
    );
  });
  test('refuses one that sets the endpoint itself', () => {
    const { chart, container } = setup(kplus.EnvValue.fromValue('-DprometheusEndpointUrl=other:9091'));
    expect(() => new PushgatewayEnv(chart, 'Env').addTo(container)).toThrow(
      '[test/Env] addTo(container): got "JAVA_OPTS -DprometheusEndpointUrl=other:9091", expected a container JAVA_OPTS without -DprometheusEndpointUrl or -Dsun.net.inetaddr.ttl (set endpoint and dnsCacheTtl instead)',
    );
  });
  test('refuses one from a reference', () => {
    const { chart, container } = setup(kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME));
    expect(() => new PushgatewayEnv(chart, 'Env').addTo(container)).toThrow(
      '[test/Env] addTo(container): got "JAVA_OPTS from a reference", expected a container whose JAVA_OPTS is a plain value (or unset), so that the pushgateway options can be added to it',
    );
  });
  test("refuses a heap the container's memory limit cannot hold, as InterlokDeployment does", () => {
    const limited = (javaOpts: string, limit: Size, major: typeof kplus | typeof kplus33 = kplus) => {
      const chart = emptyChart();
      const dep = new major.Deployment(chart, 'Dep');
      const c = dep.addContainer({ image: 'interlok:1', resources: { memory: { limit } } } as any);
      c.env.addVariable('JAVA_OPTS', major.EnvValue.fromValue(javaOpts));
      return { chart, container: c };
    };
    const { chart, container } = limited('-Xss1m -Xmx2g', Size.gibibytes(2));
    expect(() => new PushgatewayEnv(chart, 'Env').addTo(container)).toThrow(
      '[test/Env] addTo(container): got "JAVA_OPTS -Xmx2g with a memory limit of 2048 MiB", expected at least heap + 128 MiB (2176 MiB): the JVM needs memory beyond its heap (metaspace, threads, Jetty), or the container is OOM-killed',
    );
    expect(container.env.variables.JAVA_OPTS.value).toBe('-Xss1m -Xmx2g'); // nothing added
    // the same words as InterlokDeployment's check of the same wiring
    expect(() =>
      demoInterlok(emptyChart(), 'Interlok', {
        heap: Size.gibibytes(2),
        resources: { memory: { limit: Size.gibibytes(2) } },
      }),
    ).toThrow(
      '[test/Interlok] resources.memory.limit: got 2048 MiB, expected at least heap + 128 MiB (2176 MiB): the JVM needs memory beyond its heap (metaspace, threads, Jetty), or the container is OOM-killed',
    );
    // the last heap option counts, in any unit, in JVM_ARGS too, ours included, and with cdk8s-plus 33
    expect(() => {
      const x = limited('-Xmx4g -Xmx1g', Size.mebibytes(1152));
      new PushgatewayEnv(x.chart, 'Env').addTo(x.container);
    }).not.toThrow();
    expect(() => {
      const x = limited('-XX:MaxHeapSize=1048577k', Size.mebibytes(1152));
      new PushgatewayEnv(x.chart, 'Env').addTo(x.container);
    }).toThrow('got "JAVA_OPTS -XX:MaxHeapSize=1048577k with a memory limit of 1152 MiB"');
    expect(() => {
      const x = limited('', Size.gibibytes(1));
      new PushgatewayEnv(x.chart, 'Env', { extraJavaOptions: ['-Xmx1g'] }).addTo(x.container);
    }).toThrow('got "JAVA_OPTS -Xmx1g with a memory limit of 1024 MiB"');
    expect(() => {
      const x = limited('-Dx=1', Size.gibibytes(2), kplus33);
      new PushgatewayEnv(x.chart, 'Env').addTo(x.container);
    }).not.toThrow();
    expect(() => {
      const x = limited('-Xmx2048m', Size.gibibytes(2), kplus33);
      new PushgatewayEnv(x.chart, 'Env').addTo(x.container);
    }).toThrow('got "JAVA_OPTS -Xmx2048m with a memory limit of 2048 MiB"');
    const jvmArgs = limited('-Dx=1', Size.gibibytes(1));
    jvmArgs.container.env.addVariable('JVM_ARGS', kplus.EnvValue.fromValue('-Xmx1024m'));
    expect(() => new PushgatewayEnv(jvmArgs.chart, 'Env').addTo(jvmArgs.container)).toThrow(
      'got "JVM_ARGS -Xmx1024m with a memory limit of 1024 MiB"',
    );
  });
  test('refuses what is not a container, with a message', () => {
    expect(() => new PushgatewayEnv(emptyChart(), 'Env').addTo(undefined as any)).toThrow(
      '[test/Env] addTo(container): got undefined, expected a cdk8s-plus Container (its env has addVariable)',
    );
  });
});
