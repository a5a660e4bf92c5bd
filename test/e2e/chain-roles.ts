// Who is who in a manifest, read from its objects (never from names known in advance): the pushgateway, Prometheus
// and prometheus-adapter Deployments by their images, the Interloks as what the HPAs and ScaledObjects scale, the
// Services in front of them by their selectors.
export interface ChainRoles {
  readonly deployments: any[];
  readonly pushgateway?: any;
  /** our Prometheus, when the manifest runs one */
  readonly prometheus?: any;
  readonly adapter?: any;
  readonly interloks: any[];
  /** the Prometheus URL the adapter queries (its --prometheus-url) */
  readonly adapterPrometheusUrl?: string;
  /** the Prometheus a ScaledObject's prometheus trigger queries */
  readonly kedaServerAddress?: string;
  /**
   * kube-prometheus-stack's Prometheus, when the manifest has ServiceMonitors or PodMonitors and no Prometheus of ours:
   * from the URL queried
   */
  readonly kubePrometheusStack?: { readonly name: string; readonly namespace: string };
  /** the first container port of a Deployment */
  port(deployment: any): number;
  /** the Service whose selector picks a Deployment's pods */
  service(deployment: any): any;
  /** whether a NetworkPolicy selects the pods of any of these Deployments */
  matches(policy: any, deployments: any[]): boolean;
}

const repository = (d: any): string => String(d.spec.template.spec.containers[0].image).replace(/[:@][^/]*$/, '');
const ns = (o: any): string => o.metadata.namespace ?? 'default';
const subset = (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
  selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);

export function chainRoles(objects: any[]): ChainRoles {
  const deployments = objects
    .filter((o) => o.kind === 'Deployment')
    .map((d) => ({ ...d, metadata: { ...d.metadata, namespace: ns(d) } }));
  const one = (re: RegExp) => {
    const found = deployments.filter((d) => re.test(repository(d)));
    if (found.length > 1)
      throw new Error(`more than one Deployment runs ${re}: ${found.map((d) => d.metadata.name).join(', ')}`);
    return found[0];
  };
  const targets = objects
    .filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject')
    .map((o) => ({ namespace: ns(o), name: o.spec.scaleTargetRef.name }));
  const interloks = deployments.filter((d) =>
    targets.some((t) => t.namespace === d.metadata.namespace && t.name === d.metadata.name),
  );
  const adapter = one(/\/prometheus-adapter$/);
  const prometheus = one(/\/prometheus$/);
  const adapterPrometheusUrl = adapter?.spec.template.spec.containers[0].args
    .find((a: string) => a.startsWith('--prometheus-url='))
    ?.split('=')[1];
  const kedaServerAddress = objects
    .filter((o) => o.kind === 'ScaledObject')
    .flatMap((o) => o.spec.triggers)
    .find((t: any) => t.type === 'prometheus')?.metadata.serverAddress;
  const monitors = objects.some((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor');
  const queried = adapterPrometheusUrl ?? kedaServerAddress;
  // http://<service>.<namespace>.svc:<port>/: the stack's Prometheus's Service, named as the Prometheus object
  const host = queried ? new URL(queried).hostname.split('.') : [];
  const kubePrometheusStack =
    monitors && !prometheus && host.length >= 2 ? { name: host[0]!, namespace: host[1]! } : undefined;
  const service = (d: any) => {
    const found = objects.filter(
      (o) =>
        o.kind === 'Service' &&
        ns(o) === d.metadata.namespace &&
        subset(o.spec.selector, d.spec.template.metadata.labels),
    );
    if (found.length !== 1)
      throw new Error(`expected one Service for ${d.metadata.namespace}/${d.metadata.name}, found ${found.length}`);
    return found[0];
  };
  return {
    deployments,
    pushgateway: one(/\/pushgateway$/),
    prometheus,
    adapter,
    interloks,
    adapterPrometheusUrl,
    kedaServerAddress,
    kubePrometheusStack,
    port: (d) => d.spec.template.spec.containers[0].ports[0].containerPort,
    service,
    matches: (policy, ds) =>
      ds.some(
        (d) =>
          ns(policy) === d.metadata.namespace &&
          subset(policy.spec.podSelector.matchLabels, d.spec.template.metadata.labels),
      ),
  };
}

/**
 * `http://<service>.<namespace>.svc:<port>` of the Service in front of a Deployment (the port that targets its first
 * container port).
 */
export function serviceUrl(objects: any[], deployment: any): string {
  const s = chainRoles(objects).service(deployment);
  const c = deployment.spec.template.spec.containers[0].ports[0];
  const port =
    s.spec.ports.find((p: any) => p.targetPort === c.name || p.targetPort === c.containerPort) ?? s.spec.ports[0];
  return `http://${s.metadata.name}.${s.metadata.namespace ?? 'default'}.svc:${port.port}`;
}
