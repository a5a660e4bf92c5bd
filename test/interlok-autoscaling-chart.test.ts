import { parse } from 'yaml';
import { NetworkPeer } from '../lib';
import { KIND_ORDER } from '../lib/interlok-autoscaling-chart';
import { container, env, find, synthStack } from './helpers';

describe('InterlokAutoscalingChart (the guide, with its defaults)', () => {
  const objects = synthStack();

  test('snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('has every object of the chain, with the guide names', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort()).toEqual([
      'APIService//v1beta1.custom.metrics.k8s.io',
      'APIService//v1beta1.external.metrics.k8s.io',
      'ClusterRole//interlok-scaling:interlok-scaling:interlok-scaling-adapter:resource-reader',
      'ClusterRoleBinding//interlok-scaling:interlok-scaling:interlok-scaling-adapter:auth-delegator',
      'ClusterRoleBinding//interlok-scaling:interlok-scaling:interlok-scaling-adapter:resource-reader',
      'ConfigMap/interlok-scaling/interlok-scaling-adapter',
      'ConfigMap/interlok-scaling/interlok-scaling-dashboard',
      'ConfigMap/interlok-scaling/interlok-scaling-prometheus',
      'Deployment/default/interlok',
      'Deployment/interlok-scaling/interlok-scaling-adapter',
      'Deployment/interlok-scaling/interlok-scaling-prometheus',
      'Deployment/interlok-scaling/interlok-scaling-pushgateway',
      'HorizontalPodAutoscaler/default/interlok-autoscaler',
      'Namespace//interlok-scaling',
      'NetworkPolicy/interlok-scaling/interlok-scaling-adapter',
      'NetworkPolicy/interlok-scaling/interlok-scaling-prometheus',
      'NetworkPolicy/interlok-scaling/interlok-scaling-pushgateway',
      'PodDisruptionBudget/default/interlok',
      'PodDisruptionBudget/interlok-scaling/interlok-scaling-adapter',
      'RoleBinding/kube-system/interlok-scaling:interlok-scaling:interlok-scaling-adapter:auth-reader',
      'Service/default/interlok',
      'Service/interlok-scaling/interlok-scaling-adapter',
      'Service/interlok-scaling/interlok-scaling-prometheus',
      'Service/interlok-scaling/interlok-scaling-pushgateway',
      'ServiceAccount/interlok-scaling/interlok-scaling-adapter',
    ]);
  });

  test('objects come in apply order: namespaces and RBAC before what needs them', () => {
    const ranks = objects.map((o) => KIND_ORDER.indexOf(o.kind));
    expect(ranks.every((r) => r >= 0)).toBe(true);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    expect(objects[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'interlok-scaling' } });
  });

  test('Interlok pushes to the synthesized pushgateway with the labels Interlok reads', () => {
    const interlok = find(objects, 'Deployment', 'interlok');
    const vars = env(container(interlok));
    expect(vars.JAVA_OPTS.value).toBe(
      '-DprometheusEndpointUrl=interlok-scaling-pushgateway.interlok-scaling.svc:9091 -Dsun.net.inetaddr.ttl=30',
    );
    expect(vars.K8S_POD_NAME.valueFrom).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
    expect(vars.K8S_NAMESPACE.valueFrom).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } });
    expect(vars.K8S_POD_NAMESPACE.valueFrom).toEqual({
      fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
    });
    expect(vars.JVM_ARGS.value).toBe('-Xmx1024m');
    expect(vars.prometheusEndpointUrl).toBeUndefined();
  });

  test('the Interlok Deployment leaves replicas to the HPA and never probes /in-box', () => {
    const interlok = find(objects, 'Deployment', 'interlok');
    expect(interlok.spec.replicas).toBeUndefined();
    const c = container(interlok);
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      expect(probe.tcpSocket).toEqual({ port: 8080 });
      expect(probe.httpGet).toBeUndefined();
    }
    expect(JSON.stringify(interlok)).not.toContain('in-box');
    expect(c.image).toBe('aaronmcgrathadpx/interlok-kubernetes-scaling:latest');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  });

  test('Services: interlok:8080, prometheus-pushgateway:9091, prometheus-server:80, prometheus-adapter:443', () => {
    const port = (ns: string, name: string) => {
      const svc = find(objects, 'Service', name);
      expect(svc.metadata.namespace).toBe(ns);
      expect(svc.spec.type).toBe('ClusterIP');
      return svc.spec.ports.map((p: any) => [p.port, p.targetPort]);
    };
    expect(port('default', 'interlok')).toEqual([[8080, 'http']]);
    expect(port('interlok-scaling', 'interlok-scaling-pushgateway')).toEqual([[9091, 'http']]);
    expect(port('interlok-scaling', 'interlok-scaling-prometheus')).toEqual([[80, 'http']]);
    expect(port('interlok-scaling', 'interlok-scaling-adapter')).toEqual([[443, 'https']]);
    expect(container(find(objects, 'Deployment', 'interlok-scaling-prometheus')).ports[0].containerPort).toBe(9090);
    expect(container(find(objects, 'Deployment', 'interlok-scaling-adapter')).ports[0].containerPort).toBe(6443);
    expect(container(find(objects, 'Deployment', 'interlok-scaling-pushgateway')).ports[0].containerPort).toBe(9091);
  });

  test('every Service selects the pods of its Deployment', () => {
    for (const svc of objects.filter((o) => o.kind === 'Service')) {
      const dep = find(objects, 'Deployment', svc.metadata.name);
      expect(dep.spec.selector.matchLabels).toEqual(svc.spec.selector);
      expect(dep.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    }
  });

  test('Prometheus scrapes the pushgateway every 10 s keeping the pushed labels', () => {
    const config = parse(find(objects, 'ConfigMap', 'interlok-scaling-prometheus').data['prometheus.yml']);
    expect(config.scrape_configs).toEqual([
      {
        job_name: 'prometheus-pushgateway',
        honor_labels: true,
        scrape_interval: '10s',
        static_configs: [{ targets: ['interlok-scaling-pushgateway.interlok-scaling.svc:9091'] }],
      },
    ]);
  });

  test('the adapter rules: MessageMetrics per pod by both labels, scoped; and its sum per Deployment as an External metric', () => {
    const config = parse(find(objects, 'ConfigMap', 'interlok-scaling-adapter').data['config.yaml']);
    const pods = '-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}';
    const matchers = `k8s_namespace="<<index .LabelValuesByName "k8s_namespace">>",k8s_pod_name=~"<<index .LabelValuesByName "deployment">>${pods}"`;
    expect(config).toEqual({
      rules: [
        {
          seriesQuery: 'MessageMetrics{k8s_namespace!="",k8s_pod_name!=""}',
          resources: { overrides: { k8s_namespace: { resource: 'namespace' }, k8s_pod_name: { resource: 'pod' } } },
          name: { matches: '^MessageMetrics$', as: 'MessageMetrics' },
          metricsQuery:
            'max by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>} * (time() - push_time_seconds{<<.LabelMatchers>>} < bool 30))',
        },
      ],
      externalRules: [
        {
          seriesQuery: 'pushgateway_build_info',
          resources: { overrides: { k8s_namespace: { resource: 'namespace' } } },
          name: { matches: '^pushgateway_build_info$', as: 'interlok_messagemetrics' },
          metricsQuery: `sum(max by (k8s_pod_name) (MessageMetrics{${matchers}} * (time() - push_time_seconds{${matchers}} < bool 30))) or vector(0)`,
        },
      ],
    });
  });

  test('adapter: v0.12.0 args, probes over https, a token, checksum of its rules', () => {
    const adapter = find(objects, 'Deployment', 'interlok-scaling-adapter');
    const c = container(adapter);
    expect(c.image).toBe('registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0');
    expect(c.args).toEqual([
      '--secure-port=6443',
      '--cert-dir=/var/run/serving-cert',
      '--config=/etc/adapter/config.yaml',
      '--prometheus-url=http://interlok-scaling-prometheus.interlok-scaling.svc:80/',
      '--metrics-relist-interval=60s',
    ]);
    expect(c.args.join(' ')).not.toContain('logtostderr');
    expect(c.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'https', scheme: 'HTTPS' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'https', scheme: 'HTTPS' });
    // writable (the adapter writes its self-signed cert there), and no readOnly: false, which the API server drops
    expect(c.volumeMounts).toContainEqual({ name: 'serving-cert', mountPath: '/var/run/serving-cert' });
    expect(adapter.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(adapter.spec.template.spec.serviceAccountName).toBe('interlok-scaling-adapter');
    expect(adapter.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('adapter RBAC: resource reader, auth-delegator, auth reader in kube-system', () => {
    expect(
      find(objects, 'ClusterRole', 'interlok-scaling:interlok-scaling:interlok-scaling-adapter:resource-reader').rules,
    ).toEqual([{ apiGroups: [''], resources: ['namespaces', 'pods', 'services'], verbs: ['get', 'list', 'watch'] }]);
    const subject = [{ kind: 'ServiceAccount', name: 'interlok-scaling-adapter', namespace: 'interlok-scaling' }];
    expect(
      find(objects, 'ClusterRoleBinding', 'interlok-scaling:interlok-scaling:interlok-scaling-adapter:auth-delegator'),
    ).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'system:auth-delegator' },
      subjects: subject,
    });
    expect(
      find(objects, 'RoleBinding', 'interlok-scaling:interlok-scaling:interlok-scaling-adapter:auth-reader'),
    ).toMatchObject({
      metadata: { namespace: 'kube-system' },
      roleRef: { kind: 'Role', name: 'extension-apiserver-authentication-reader' },
      subjects: subject,
    });
  });

  test.each(['custom', 'external'])(
    'APIService v1beta1.%s.metrics.k8s.io is cluster-scoped and points at the adapter',
    (group) => {
      const api = find(objects, 'APIService', `v1beta1.${group}.metrics.k8s.io`);
      expect(api.metadata.namespace).toBeUndefined();
      expect(api.spec).toEqual({
        group: `${group}.metrics.k8s.io`,
        version: 'v1beta1',
        service: { name: 'interlok-scaling-adapter', namespace: 'interlok-scaling', port: 443 },
        groupPriorityMinimum: 100,
        versionPriority: 100,
        insecureSkipTLSVerify: true,
      });
      for (const kind of ['Namespace', 'ClusterRole', 'ClusterRoleBinding']) {
        for (const o of objects.filter((x) => x.kind === kind)) expect(o.metadata.namespace).toBeUndefined();
      }
    },
  );

  test("HPA: autoscaling/v2, External metric summed over the Deployment's pods, AverageValue 100, 1..5, targets the Deployment", () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'interlok-autoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata.namespace).toBe('default');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'interlok' });
    expect(hpa.spec.minReplicas).toBe(1);
    expect(hpa.spec.maxReplicas).toBe(5);
    expect(hpa.spec.metrics).toEqual([
      {
        type: 'External',
        external: {
          metric: { name: 'interlok_messagemetrics', selector: { matchLabels: { deployment: 'interlok' } } },
          target: { type: 'AverageValue', averageValue: '100' },
        },
      },
    ]);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
  });

  test('every object carries the app.kubernetes.io labels, and so does every pod template', () => {
    for (const o of objects) {
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/part-of': 'interlok-scaling',
        'app.kubernetes.io/managed-by': 'cdk8s-interlok-scaling',
        'app.kubernetes.io/name': expect.any(String),
        'app.kubernetes.io/instance': expect.any(String),
        'app.kubernetes.io/component': expect.any(String),
        // what preflight tells ours by, on every object: this stack's mark (the chart's id)
        'cdk8s-interlok-scaling/stack': 'interlok-autoscaling',
      });
      if (o.kind === 'Deployment') {
        const { 'cdk8s-interlok-scaling/stack': _mark, ...labels } = o.metadata.labels;
        expect(o.spec.template.metadata.labels).toEqual(labels);
        expect(o.spec.selector.matchLabels['app.kubernetes.io/version']).toBeUndefined();
      }
    }
  });
});

describe('InterlokAutoscalingChart options', () => {
  test('another Interlok namespace is used, not emitted (createNamespace: true emits it), and the label env follows the pod', () => {
    const objects = synthStack({ interlok: { namespace: 'integration' } });
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['interlok-scaling']);
    expect(
      find(synthStack({ interlok: { namespace: 'integration', createNamespace: true } }), 'Namespace', 'integration')
        .metadata.labels,
    ).toMatchObject({ 'app.kubernetes.io/name': 'interlok', 'app.kubernetes.io/component': 'namespace' });
    expect(find(objects, 'HorizontalPodAutoscaler', 'interlok-autoscaler').metadata.namespace).toBe('integration');
    expect(find(objects, 'Service', 'interlok').metadata.namespace).toBe('integration');
  });

  test('a cluster with its own monitoring: only Interlok, the HPA and nothing of monitoring', () => {
    const { PushgatewayEndpoint } = require('../lib');
    const objects = synthStack({
      monitoring: {
        pushgateway: false,
        prometheus: false,
        adapter: false,
        createNamespace: false,
        existingPushgateway: PushgatewayEndpoint.hostPort('pgw.metrics.svc:9091'),
      },
    });
    // the Grafana dashboard stays, for the cluster's own Grafana (dashboard: false leaves it out)
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Service',
    ]);
    expect(env(container(find(objects, 'Deployment', 'interlok'))).JAVA_OPTS.value).toContain(
      '-DprometheusEndpointUrl=pgw.metrics.svc:9091 ',
    );
  });

  test("ScaleMetric.podsAverage(): the guide's Pods metric, and no external metrics API", () => {
    const { ScaleMetric } = require('../lib');
    const objects = synthStack({ autoscaler: { metric: ScaleMetric.podsAverage() } });
    expect(find(objects, 'HorizontalPodAutoscaler', 'interlok-autoscaler').spec.metrics).toEqual([
      {
        type: 'Pods',
        pods: { metric: { name: 'MessageMetrics' }, target: { type: 'AverageValue', averageValue: '100' } },
      },
    ]);
    expect(objects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name)).toEqual([
      'v1beta1.custom.metrics.k8s.io',
    ]);
    expect(
      parse(find(objects, 'ConfigMap', 'interlok-scaling-adapter').data['config.yaml']).externalRules,
    ).toBeUndefined();
  });

  test('an existing Prometheus: the adapter queries it, no Prometheus is synthesized', () => {
    const objects = synthStack({
      monitoring: {
        prometheus: false,
        existingPrometheusUrl: 'http://prometheus-operated.obs.svc:9090/',
        allowScrapeFrom: [NetworkPeer.pods('obs', { app: 'prometheus' })],
      },
    });
    expect(objects.filter((o) => o.metadata.name === 'prometheus-server')).toEqual([]);
    expect(container(find(objects, 'Deployment', 'interlok-scaling-adapter')).args).toContain(
      '--prometheus-url=http://prometheus-operated.obs.svc:9090/',
    );
  });
});
