// `doctor` on a live cluster: from an HPA that shows <unknown> to the broken link and its fix. It walks each chain of
// this library's HPAs and ScaledObjects in the order a metric travels back to the HPA (HPA → APIService → the adapter's
// pods, permissions, rule, discovery and answer → Prometheus, through the API server's service proxy → the pushgateway
// →
// Interlok) and stops at the first link that is broken on its own. Links that only show a failure further down (an
// HPA without a metric, an APIService not Available, a metric not listed) are symptoms: recorded, and the walk goes on
// to the cause. Names are never assumed: the APIService names the adapter's Service, the adapter's pods name their
// ConfigMap and Prometheus (--prometheus-url), Interlok's JAVA_OPTS names the pushgateway. Only GET requests are made.
import { App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import { AdapterRule, AdapterRuleConfig } from '../../lib/monitoring/adapter-rule';
import { PART_OF } from '../../lib/kit/labels';
import { serviceProxyBase } from '../service-proxy';
import {
  externalValues,
  labelForResource,
  podValues,
  renderExternalMetricsQuery,
  renderMetricsQuery,
  VectorSample,
} from '../../lib/model/adapter-query';
import { deploymentPodRegex } from '../../lib/model/deployment-query';
import {
  findAdapterRules,
  FoundHpa,
  FoundRule,
  HpaMetric,
  Manifest,
  readHpas,
  ruleForMetric,
  seriesNames,
  staleAfterOf,
} from '../../lib/model/manifests';
import { ADAPTER_APP_NAME, ADAPTER_PERMISSIONS, AdapterPermission } from '../../lib/monitoring/_adapter-access';
import { KubeReader } from '../kube-reader';

export interface Finding {
  /** The link of the chain: HPA, APIService, adapter pods, ... */
  readonly link: string;
  readonly status: 'ok' | 'fail' | 'warn' | 'note';
  /** What is (or is wrong). */
  readonly what: string;
  /** The condition, event or response read. */
  readonly evidence?: string;
  readonly fix?: string;
  /** A failure that only shows one further down the chain: the walk goes on to find it. */
  readonly symptom?: boolean;
}

export interface ChainReport {
  readonly kind: 'HorizontalPodAutoscaler' | 'ScaledObject';
  readonly namespace: string;
  readonly name: string;
  readonly findings: Finding[];
  /** The first link broken on its own (else the first symptom): what to fix first. */
  brokenLink?: string;
}

export interface ClusterDoctorReport {
  readonly context: string;
  readonly server: string;
  readonly chains: ChainReport[];
}

export interface ClusterDoctorOptions {
  /** Only this namespace; default: every namespace (the context's namespace for a named object). */
  readonly namespace?: string;
  readonly hpa?: string;
  readonly scaledObject?: string;
  /** Manifests (dist/): the APIServices they hold say which Service is ours. */
  readonly manifests?: Manifest[];
}

/** A named object that does not exist: bad usage (exit 2). */
export class NotFound extends Error {}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Stops a chain at a broken link. */
class Stop extends Error {}

const enc = encodeURIComponent;

class Api {
  constructor(readonly kube: KubeReader) {}
  async json(path: string): Promise<any> {
    const r = await this.kube.get(path);
    if (r.status >= 200 && r.status < 300 && r.body !== undefined) return r.body;
    const message = r.body?.message ?? r.text.trim().slice(0, 300);
    throw new ApiError(r.status, `GET ${path.split('?')[0]}: HTTP ${r.status}${message ? `: ${message}` : ''}`);
  }
  async maybe(path: string): Promise<any | undefined> {
    try {
      return await this.json(path);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }
}

/** A label selector (matchLabels, matchExpressions) as the `labelSelector` query parameter. */
export function selectorString(
  selector:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
      }
    | undefined,
): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

const condition = (o: any, type: string) => (o?.status?.conditions ?? []).find((c: any) => c.type === type);
const condText = (c: any) =>
  c ? `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}` : undefined;
const argValue = (args: string[], flag: string) =>
  args.map((a) => new RegExp(`^${flag}=(.*)$`).exec(a)?.[1]).find((v) => v !== undefined);
const live = (pods: any[]) => pods.filter((p) => !p.metadata.deletionTimestamp);
const isReady = (p: any) => condition(p, 'Ready')?.status === 'True';

/** The latest Warning event of an object, as one line. */
async function lastWarning(api: Api, namespace: string, kind: string, name: string): Promise<string | undefined> {
  let list: any;
  try {
    list = await api.json(
      `/api/v1/namespaces/${namespace}/events?fieldSelector=${enc(`involvedObject.kind=${kind},involvedObject.name=${name},type=Warning`)}`,
    );
  } catch {
    return undefined;
  }
  const time = (e: any) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? 0);
  const e = [...(list.items ?? [])].sort((a, b) => time(b) - time(a))[0];
  return e ? `event ${e.reason} (x${e.count ?? 1}): ${e.message}` : undefined;
}

/** Whether an RBAC rule grants a permission. */
function grants(rule: any, p: AdapterPermission): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).includes('*') || (list ?? []).includes(v);
  if (!has(rule.apiGroups, p.apiGroup) || !has(rule.resources, p.resource) || !has(rule.verbs, p.verb)) return false;
  return !rule.resourceNames?.length || (p.resourceName !== undefined && rule.resourceNames.includes(p.resourceName));
}

/**
 * The permissions of ADAPTER_PERMISSIONS that no binding gives the ServiceAccount; undefined when RBAC cannot be read.
 */
async function missingPermissions(
  api: Api,
  saNamespace: string,
  sa: string,
): Promise<{ missing: AdapterPermission[]; bindings: string[] } | { unreadable: string }> {
  const isSubject = (b: any) =>
    (b.subjects ?? []).some(
      (s: any) =>
        (s.kind === 'ServiceAccount' && s.name === sa && s.namespace === saNamespace) ||
        (s.kind === 'Group' &&
          ['system:serviceaccounts', `system:serviceaccounts:${saNamespace}`, 'system:authenticated'].includes(s.name)),
    );
  try {
    const namespaces = [
      ...new Set([saNamespace, ...ADAPTER_PERMISSIONS.map((p) => p.namespace).filter((n): n is string => !!n)]),
    ];
    const crbs = (await api.json('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings')).items.filter(isSubject);
    const rbs = (
      await Promise.all(
        namespaces.map((n) => api.json(`/apis/rbac.authorization.k8s.io/v1/namespaces/${n}/rolebindings`)),
      )
    )
      .flatMap((l) => l.items)
      .filter(isSubject);
    const roleRules = async (ref: any, namespace?: string): Promise<any[]> => {
      const role =
        ref.kind === 'ClusterRole'
          ? await api.maybe(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${ref.name}`)
          : await api.maybe(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles/${ref.name}`);
      return role?.rules ?? [];
    };
    const clusterWide = (await Promise.all(crbs.map((b: any) => roleRules(b.roleRef)))).flat();
    const byNamespace = new Map<string, any[]>();
    for (const b of rbs)
      byNamespace.set(b.metadata.namespace, [
        ...(byNamespace.get(b.metadata.namespace) ?? []),
        ...(await roleRules(b.roleRef, b.metadata.namespace)),
      ]);
    const missing = ADAPTER_PERMISSIONS.filter(
      (p) => ![...clusterWide, ...(p.namespace ? (byNamespace.get(p.namespace) ?? []) : [])].some((r) => grants(r, p)),
    );
    const named = (b: any) =>
      (b.subjects ?? []).some((s: any) => s.kind === 'ServiceAccount' && s.name === sa && s.namespace === saNamespace);
    return {
      missing,
      bindings: [
        ...crbs
          .filter(named)
          .map((b: any) => `ClusterRoleBinding ${b.metadata.name} → ${b.roleRef.kind} ${b.roleRef.name}`),
        ...rbs
          .map(
            (b: any) => `RoleBinding ${b.metadata.namespace}/${b.metadata.name} → ${b.roleRef.kind} ${b.roleRef.name}`,
          )
          .filter((_: string, i: number) => named(rbs[i])),
      ],
    };
  } catch (e) {
    return { unreadable: (e as Error).message };
  }
}

interface PushGroup {
  labels: Record<string, string>;
  pushTime?: number;
  failureTime?: number;
}

/** The pushgateway's groups (`/api/v1/metrics`) with their push and failed-push times. */
function pushGroups(data: any[]): PushGroup[] {
  const first = (g: any, name: string) => {
    const v = g[name]?.metrics?.[0]?.value;
    return v === undefined ? undefined : Number(v);
  };
  return data.map((g) => ({
    labels: g.labels ?? {},
    pushTime: first(g, 'push_time_seconds'),
    failureTime: first(g, 'push_failure_time_seconds'),
  }));
}

/**
 * Every address a Service answers on: its DNS names and cluster IP with the port, and its pods' IPs with the target
 * port.
 */
async function serviceAddresses(api: Api, namespace: string, name: string, port: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const host of [`${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`, `${name}.${namespace}`])
    out.add(`${host}:${port}`);
  const svc = await api.maybe(`/api/v1/namespaces/${namespace}/services/${name}`);
  if (!svc) return out;
  const sp = (svc.spec.ports ?? []).find((p: any) => String(p.port) === port || p.name === port);
  if (!sp) return out;
  if (svc.spec.clusterIP && svc.spec.clusterIP !== 'None') out.add(`${svc.spec.clusterIP}:${sp.port}`);
  const selector = selectorString({ matchLabels: svc.spec.selector });
  if (!selector) return out;
  const pods = live((await api.json(`/api/v1/namespaces/${namespace}/pods?labelSelector=${enc(selector)}`)).items);
  for (const p of pods) {
    const target = sp.targetPort ?? sp.port;
    const num =
      typeof target === 'number' || /^\d+$/.test(String(target))
        ? Number(target)
        : (p.spec.containers ?? []).flatMap((c: any) => c.ports ?? []).find((cp: any) => cp.name === target)
            ?.containerPort;
    for (const ip of [p.status?.podIP, ...(p.status?.podIPs ?? []).map((x: any) => x.ip)].filter(Boolean))
      out.add(`${ip}:${num}`);
  }
  return out;
}

/** The env value of a container: its value, or `fieldRef <path>` for the downward API. */
function envOf(container: any, name: string): string | undefined {
  const e = (container.env ?? []).find((x: any) => x.name === name);
  if (!e) return undefined;
  return e.value ?? (e.valueFrom?.fieldRef ? `fieldRef ${e.valueFrom.fieldRef.fieldPath}` : 'from a reference');
}

/** Interlok's pushgateway endpoint: `-DprometheusEndpointUrl` of JAVA_OPTS. */
const endpointOf = (javaOpts: string | undefined) => /(?:^|\s)-DprometheusEndpointUrl=(\S+)/.exec(javaOpts ?? '')?.[1];

/** This library's rule (the defaults), for the labels and series when the live config has no Pods rule. */
function libraryRule(): AdapterRuleConfig {
  // an App that never synthesizes (Testing.app() would leave a temporary folder behind on every run)
  return new AdapterRule(new Chart(new App(), 'doctor'), 'Rule', {}).toConfig();
}

/** A chain under way: findings in order; `fail` of a cause stops it. */
class Chain {
  readonly report: ChainReport;
  constructor(kind: ChainReport['kind'], namespace: string, name: string) {
    this.report = { kind, namespace, name, findings: [] };
  }
  ok(link: string, what: string, evidence?: string) {
    this.report.findings.push({ link, status: 'ok', what, evidence });
  }
  note(link: string, what: string, evidence?: string) {
    this.report.findings.push({ link, status: 'note', what, evidence });
  }
  warn(link: string, what: string, evidence?: string, fix?: string) {
    this.report.findings.push({ link, status: 'warn', what, evidence, fix });
  }
  symptom(link: string, what: string, evidence?: string, fix?: string) {
    this.report.findings.push({ link, status: 'fail', what, evidence, fix, symptom: true });
  }
  /** A link broken on its own: recorded, and the walk stops. */
  broken(link: string, what: string, evidence: string | undefined, fix: string): never {
    this.report.findings.push({ link, status: 'fail', what, evidence, fix });
    throw new Stop();
  }
  finish(): ChainReport {
    const fails = this.report.findings.filter((f) => f.status === 'fail');
    this.report.brokenLink = (fails.find((f) => !f.symptom) ?? fails[0])?.link;
    return this.report;
  }
}

/** The scale target's Deployment, its selector and live pods. */
async function targetOf(
  api: Api,
  namespace: string,
  ref: { kind: string; name: string },
): Promise<{ deployment?: any; selector: string; pods: any[] }> {
  const plural = `${String(ref.kind).toLowerCase()}s`;
  const deployment = await api.maybe(`/apis/apps/v1/namespaces/${namespace}/${plural}/${ref.name}`);
  const selector = selectorString(deployment?.spec?.selector);
  const pods = selector
    ? live((await api.json(`/api/v1/namespaces/${namespace}/pods?labelSelector=${enc(selector)}`)).items)
    : [];
  return { deployment, selector, pods };
}

/** HPA link: conditions, replicas, the metric and target, the latest warning event. A failing HPA is a symptom. */
async function checkHpa(
  api: Api,
  chain: Chain,
  hpa: any,
  found: FoundHpa,
  metric: HpaMetric | undefined,
  link = 'HPA',
): Promise<void> {
  const ns = hpa.metadata.namespace;
  const active = condition(hpa, 'ScalingActive');
  const able = condition(hpa, 'AbleToScale');
  const current = (hpa.status?.currentMetrics ?? [])[0];
  const value =
    current?.external?.current?.averageValue ??
    current?.external?.current?.value ??
    current?.pods?.current?.averageValue;
  const summary =
    `${hpa.status?.currentReplicas ?? '?'} → ${hpa.status?.desiredReplicas ?? '?'} replicas (${found.minReplicas}..${found.maxReplicas}); ` +
    `${metric ? `${metric.type} ${metric.name} ${metric.targetType} ${metric.target}` : 'no metric'}; current ${value ?? '<unknown>'}`;
  if (!metric)
    chain.broken(
      link,
      `HPA ${ns}/${hpa.metadata.name} has no External or Pods metric with a target`,
      summary,
      'scale on the pushed metric: MessageMetricsHpa / InterlokAutoscalingChart write it',
    );
  if (!active && !able) {
    chain.symptom(
      link,
      `the HPA controller has not synced ${ns}/${hpa.metadata.name} yet`,
      summary,
      'wait one --horizontal-pod-autoscaler-sync-period (15 s by default)',
    );
    return;
  }
  if (active?.status !== 'True' || able?.status !== 'True') {
    const event = await lastWarning(api, ns, 'HorizontalPodAutoscaler', hpa.metadata.name);
    chain.symptom(
      link,
      `${summary}`,
      [condText(active), able?.status !== 'True' ? condText(able) : undefined, event].filter(Boolean).join('; '),
      'the links below say why',
    );
    return;
  }
  chain.ok(link, summary, condText(active));
}

interface AdapterFound {
  pods: any[];
  container: any;
  podSpec: any;
  serviceNamespace: string;
}

/** APIService link: present, served by which Service, Available. Returns the Service. */
async function checkApiService(
  api: Api,
  chain: Chain,
  group: string,
  opts: ClusterDoctorOptions,
  expect: 'ours' | 'keda',
): Promise<{ service: any; available: boolean }> {
  const name = `v1beta1.${group}`;
  const link = 'APIService';
  const apiService = await api.maybe(`/apis/apiregistration.k8s.io/v1/apiservices/${name}`);
  if (!apiService) {
    chain.broken(
      link,
      `APIService ${name} is not registered: nothing serves ${group}`,
      `GET apiservices/${name}: 404`,
      expect === 'keda'
        ? 'install KEDA (its metrics server registers it)'
        : 'apply the manifests (kubectl apply -f dist/): they register it for the adapter',
    );
  }
  const ref = apiService.spec.service;
  const available = condition(apiService, 'Available');
  if (!ref)
    chain.broken(
      link,
      `APIService ${name} is served by the API server itself, not by an adapter`,
      condText(available),
      "apply the manifests again: the APIService must name the adapter's Service",
    );
  const where = `Service ${ref.namespace}/${ref.name}`;
  const service = await api.maybe(`/api/v1/namespaces/${ref.namespace}/services/${ref.name}`);
  const labels = service?.metadata?.labels ?? {};
  const isKeda = /keda/.test(
    `${labels['app.kubernetes.io/part-of'] ?? ''} ${labels['app.kubernetes.io/name'] ?? ''} ${ref.name}`,
  );
  const manifest = opts.manifests?.find((o) => o.kind === 'APIService' && o.metadata?.name === name)?.spec?.service;
  if (expect === 'keda') {
    if (!isKeda) {
      chain.broken(
        link,
        `${name} is served by ${where}, not by KEDA's metrics server: KEDA's HPA reads its metric there and gets none`,
        `spec.service ${ref.namespace}/${ref.name}; ${condText(available) ?? 'no Available condition'}`,
        "one external-metrics server per cluster: with KEDA, build the stack without the adapter's External metrics (externalMetrics: false) and let KEDA register it",
      );
    }
  } else {
    let ours = manifest
      ? manifest.namespace === ref.namespace && manifest.name === ref.name
      : labels['app.kubernetes.io/part-of'] === PART_OF;
    let expected = manifest ? `Service ${manifest.namespace}/${manifest.name} (in the manifests)` : undefined;
    if (!ours && !manifest) {
      // someone else's adapter is fine when this library runs none; when it does, the APIService was taken from it
      const mine = (
        await api.json(
          `/api/v1/services?labelSelector=${enc(`app.kubernetes.io/part-of=${PART_OF},app.kubernetes.io/name=${ADAPTER_APP_NAME}`)}`,
        )
      ).items;
      if (mine.length === 0) ours = true;
      else expected = mine.map((s: any) => `Service ${s.metadata.namespace}/${s.metadata.name}`).join(', ');
    }
    if (!ours) {
      chain.broken(
        link,
        `${name} is served by ${where}, not by this library's adapter (${expected}): the HPA reads another server's metrics`,
        `spec.service ${ref.namespace}/${ref.name}${
          service
            ? ` (labels ${
                Object.entries(labels)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(',') || 'none'
              })`
            : ' (no such Service)'
        }; ${condText(available) ?? 'no Available condition'}`,
        `another adapter (or KEDA) registered ${name} after ours: one server per group; remove the other registration and apply the manifests again (kubectl apply -f dist/)`,
      );
    }
  }
  if (!service)
    chain.broken(
      link,
      `${name} names ${where}, which does not exist`,
      condText(available),
      'apply the manifests again (kubectl apply -f dist/)',
    );
  if (available?.status !== 'True') {
    chain.symptom(
      link,
      `${name} (${where}) is not Available`,
      condText(available),
      'the API server cannot reach the adapter: see the links below',
    );
  } else {
    chain.ok(link, `${name} served by ${where}${expect === 'keda' ? ' (KEDA)' : ''}, Available`);
  }
  return { service, available: available?.status === 'True' };
}

/** The adapter's pods behind the Service; none ready is broken. */
async function checkAdapterPods(api: Api, chain: Chain, service: any): Promise<AdapterFound> {
  const ns = service.metadata.namespace;
  const link = 'adapter pods';
  const selector = selectorString({ matchLabels: service.spec.selector });
  if (!selector)
    chain.broken(
      link,
      `Service ${ns}/${service.metadata.name} has no selector`,
      undefined,
      'apply the manifests again',
    );
  const pods = live((await api.json(`/api/v1/namespaces/${ns}/pods?labelSelector=${enc(selector)}`)).items);
  if (pods.length === 0) {
    chain.broken(
      link,
      `Service ${ns}/${service.metadata.name} selects no pods (${selector})`,
      await lastWarning(api, ns, 'Deployment', service.metadata.name),
      'the adapter Deployment has no pods: kubectl -n ' + ns + ' get deployments,replicasets and their events',
    );
  }
  const ready = pods.filter(isReady);
  const container =
    (pods[0].spec.containers ?? []).find((c: any) =>
      (c.args ?? []).some((a: string) => a.startsWith('--prometheus-url=')),
    ) ?? pods[0].spec.containers[0];
  if (ready.length === 0) {
    const p = pods[0];
    const cs = (p.status?.containerStatuses ?? [])[0];
    const state = cs?.state?.waiting
      ? `waiting ${cs.state.waiting.reason}${cs.state.waiting.message ? `: ${cs.state.waiting.message}` : ''}`
      : cs?.state?.terminated
        ? `terminated ${cs.state.terminated.reason}`
        : cs
          ? 'running, not ready'
          : 'no container started';
    const sched = condition(p, 'PodScheduled');
    const evidence = [
      `${p.metadata.name} ${p.status?.phase}`,
      sched?.status === 'False' ? condText(sched) : undefined,
      condText(condition(p, 'Ready')),
      state,
      cs ? `restarts ${cs.restartCount}` : undefined,
      await lastWarning(api, ns, 'Pod', p.metadata.name),
    ]
      .filter(Boolean)
      .join('; ');
    chain.broken(
      link,
      `0 of ${pods.length} adapter pods ready (Service ${ns}/${service.metadata.name})`,
      evidence,
      sched?.status === 'False'
        ? 'the pods cannot be scheduled: fix the nodeSelector/resources or add nodes (kubectl -n ' +
            ns +
            ' describe pod ' +
            p.metadata.name +
            ')'
        : `kubectl -n ${ns} logs ${p.metadata.name}: a crash at start is usually its config (a bad rule or flag); the readiness probe is /readyz on the https port`,
    );
  }
  chain.ok(link, `${ready.length} of ${pods.length} pods ready behind Service ${ns}/${service.metadata.name}`);
  return { pods, container, podSpec: pods[0].spec, serviceNamespace: ns };
}

/** The Deployment of a pod, from its ReplicaSet's name (`<deployment>-<pod-template-hash>`). */
function deploymentOf(pod: any): string | undefined {
  const rs = (pod.metadata.ownerReferences ?? []).find((r: any) => r.kind === 'ReplicaSet')?.name;
  const hash = pod.metadata.labels?.['pod-template-hash'];
  return rs && hash && rs.endsWith(`-${hash}`) ? rs.slice(0, -hash.length - 1) : undefined;
}

async function checkAdapterPermissions(api: Api, chain: Chain, adapter: AdapterFound): Promise<void> {
  const link = 'adapter permissions';
  const ns = adapter.pods[0].metadata.namespace;
  const sa = adapter.podSpec.serviceAccountName ?? 'default';
  const r = await missingPermissions(api, ns, sa);
  if ('unreadable' in r) {
    chain.warn(
      link,
      `cannot read RBAC to check ServiceAccount ${ns}/${sa}`,
      r.unreadable,
      'give doctor the read-only ClusterRole of the README (doctor-rbac.yaml)',
    );
    return;
  }
  if (r.missing.length) {
    const p = r.missing[0]!;
    const what = `${p.verb} ${p.resource}${p.apiGroup ? `.${p.apiGroup}` : ''}${p.resourceName ? ` ${p.resourceName}` : ''}${p.namespace ? ` in ${p.namespace}` : ''}`;
    chain.broken(
      link,
      `ServiceAccount ${ns}/${sa} may not ${what}: ${p.without}`,
      `missing ${r.missing.length} permission(s) (${r.missing.map((m) => `${m.verb} ${m.resource}`).join(', ')}); its bindings: ${r.bindings.join('; ') || 'none'}`,
      `the ${p.grantedBy} binding is gone: apply the manifests again (kubectl apply -f dist/), then restart the adapter (kubectl -n ${ns} rollout restart deployment/${deploymentOf(adapter.pods[0]) ?? '<adapter>'})`,
    );
  }
  chain.ok(
    link,
    `ServiceAccount ${ns}/${sa} has the ${ADAPTER_PERMISSIONS.length} permissions the adapter uses`,
    r.bindings.join('; '),
  );
}

/** The adapter's config: the ConfigMap mounted where --config points. */
async function adapterRules(
  api: Api,
  chain: Chain,
  adapter: AdapterFound,
): Promise<{ rules: FoundRule[]; where: string }> {
  const link = 'adapter rule';
  const ns = adapter.pods[0].metadata.namespace;
  const config = argValue(adapter.container.args ?? [], '--config');
  if (!config)
    chain.broken(
      link,
      'the adapter has no --config',
      `args: ${(adapter.container.args ?? []).join(' ')}`,
      'the adapter needs --config=<file> with its rules',
    );
  const mount = (adapter.container.volumeMounts ?? [])
    .filter((m: any) => config!.startsWith(m.mountPath.replace(/\/?$/, '/')))
    .sort((a: any, b: any) => b.mountPath.length - a.mountPath.length)[0];
  const volume = mount && (adapter.podSpec.volumes ?? []).find((v: any) => v.name === mount.name);
  if (!volume?.configMap)
    chain.broken(
      link,
      `--config=${config} is not in a ConfigMap volume`,
      undefined,
      'mount the rules ConfigMap where --config points',
    );
  const file = config!.slice(mount.mountPath.replace(/\/?$/, '/').length);
  const key = (volume.configMap.items ?? []).find((i: any) => i.path === file)?.key ?? file;
  const cm = await api.maybe(`/api/v1/namespaces/${ns}/configmaps/${volume.configMap.name}`);
  const where = `ConfigMap ${ns}/${volume.configMap.name} ${key}`;
  if (!cm?.data?.[key])
    chain.broken(
      link,
      `${where} does not exist`,
      `--config=${config}`,
      'apply the manifests again (kubectl apply -f dist/)',
    );
  let rules: FoundRule[];
  try {
    rules = findAdapterRules([{ ...cm, data: { [key]: cm.data[key] } }]);
  } catch (e) {
    chain.broken(link, `${where} does not parse`, (e as Error).message, 'the adapter would not start: fix its YAML');
  }
  return { rules: rules!, where };
}

/** The metric's name in the metrics API's discovery, and the value it returns for the HPA's request. */
async function checkMetricsApi(
  api: Api,
  chain: Chain,
  group: string,
  metric: HpaMetric,
  ns: string,
  podSelector: string,
): Promise<number[] | undefined> {
  const external = metric.type === 'External';
  const resource = external ? metric.name! : `pods/${metric.name}`;
  try {
    const disc = await api.json(`/apis/${group}/v1beta1`);
    const names: string[] = (disc.resources ?? []).map((r: any) => r.name);
    if (names.some((n) => n === resource || n.toLowerCase() === resource.toLowerCase()))
      chain.ok('discovery', `${group}/v1beta1 lists ${resource}`);
    else
      chain.symptom(
        'discovery',
        `${group}/v1beta1 does not list ${resource}`,
        `it lists ${names.length} resource(s)${names.length ? `: ${names.slice(0, 6).join(', ')}` : ''}`,
        "the adapter lists a metric once Prometheus has a series for the rule's seriesQuery, at its next relist (--metrics-relist-interval)",
      );
  } catch (e) {
    chain.symptom(
      'discovery',
      `cannot read ${group}/v1beta1`,
      (e as Error).message,
      'the API server cannot reach the adapter (see the APIService)',
    );
  }
  const path = external
    ? `/apis/${group}/v1beta1/namespaces/${ns}/${metric.name}?labelSelector=${enc(selectorString(metric.selector))}`
    : `/apis/${group}/v1beta1/namespaces/${ns}/pods/*/${metric.name}?labelSelector=${enc(podSelector)}`;
  try {
    const list = await api.json(path);
    const values = (list.items ?? []).map(
      (i: any) => `${i.describedObject?.name ? `${i.describedObject.name}=` : ''}${i.value}`,
    );
    if (values.length === 0)
      chain.symptom(
        'metric value',
        `the metrics API returns no value for ${resource}`,
        `GET ${path}: 0 items`,
        'see the query and the pushgateway below',
      );
    else chain.ok('metric value', `the metrics API returns ${values.join(', ')}`, `GET ${path.split('?')[0]}`);
    return (list.items ?? []).map(
      (i: any) => Number(String(i.value).replace(/m$/, '')) / (String(i.value).endsWith('m') ? 1000 : 1),
    );
  } catch (e) {
    chain.symptom(
      'metric value',
      `the metrics API answers no value for ${resource}`,
      (e as Error).message,
      'see the links below',
    );
    return undefined;
  }
}

async function promQuery(api: Api, base: string, query: string): Promise<any> {
  const r = await api.json(`${base}/api/v1/query?query=${enc(query)}`);
  if (r.status !== 'success') throw new Error(`${r.errorType}: ${r.error}`);
  return r.data;
}

/** Prometheus through the API server's proxy: it answers, and runs a query. */
async function checkPrometheus(
  api: Api,
  chain: Chain,
  url: string,
  from: string,
  link = 'Prometheus',
): Promise<string> {
  const p = serviceProxyBase(url);
  if (!p)
    chain.broken(
      link,
      `${from} ${url} is not a Service's DNS name: doctor reaches Prometheus only through the API server's service proxy`,
      undefined,
      'check that URL from inside the cluster',
    );
  try {
    await promQuery(api, p!.prefix, 'time()');
  } catch (e) {
    chain.broken(
      link,
      `Prometheus at ${url} (${from}) does not answer`,
      `GET ${p!.prefix}/api/v1/query: ${(e as Error).message}`,
      `the URL must name Prometheus's Service and port (kubectl -n ${p!.namespace} get service,endpointslices): a wrong name, port or no ready pods`,
    );
  }
  chain.ok(link, `Prometheus at ${url} answers (${from})`);
  return p!.prefix;
}

interface LabelsAndSeries {
  nsLabel: string;
  podLabel: string;
  series: string;
  staleAfter: number;
}

/** The pushgateway, Prometheus's scrape of it, its groups, and Interlok's env: the end of every chain. */
async function checkPushgatewayAndInterlok(
  api: Api,
  chain: Chain,
  prom: string,
  ns: string,
  target: { deployment?: any; pods: any[] },
  l: LabelsAndSeries,
): Promise<void> {
  const interlok = target.pods.map((p) => ({
    pod: p,
    container: (p.spec.containers ?? []).find((c: any) => endpointOf(envOf(c, 'JAVA_OPTS'))) ?? p.spec.containers[0],
  }));
  const endpoints = [
    ...new Set(interlok.map((i) => endpointOf(envOf(i.container, 'JAVA_OPTS'))).filter((e): e is string => !!e)),
  ];
  if (interlok.length === 0) {
    chain.note('Interlok', `no running pod of the scale target in ${ns}`);
    return;
  }
  if (endpoints.length === 0) {
    chain.broken(
      'Interlok',
      `Interlok pod ${interlok[0]!.pod.metadata.name} has no -DprometheusEndpointUrl in JAVA_OPTS: it pushes nowhere`,
      `JAVA_OPTS=${envOf(interlok[0]!.container, 'JAVA_OPTS') ?? '(unset)'}`,
      'PushgatewayEnv sets JAVA_OPTS (a system property: Interlok reads no env var for it)',
    );
  }
  const endpoint = endpoints[0]!;
  const pg = serviceProxyBase(endpoint);
  if (!pg)
    chain.broken(
      'pushgateway',
      `Interlok pushes to ${endpoint}, not a Service's DNS name: doctor cannot read it`,
      undefined,
      'point -DprometheusEndpointUrl at the pushgateway Service (name.namespace.svc:port)',
    );

  // Prometheus scrapes it
  const addresses = await serviceAddresses(api, pg!.namespace, pg!.name, pg!.port);
  let targets: any[] = [];
  try {
    targets = (await api.json(`${prom}/api/v1/targets?state=active`)).data?.activeTargets ?? [];
  } catch (e) {
    chain.broken('scrape', 'Prometheus does not list its targets', (e as Error).message, 'check Prometheus');
  }
  const hostOf = (t: any) => {
    try {
      return new URL(t.scrapeUrl).host;
    } catch {
      return t.discoveredLabels?.__address__;
    }
  };
  const scraping = targets.filter((t) => addresses.has(hostOf(t)) || addresses.has(t.discoveredLabels?.__address__));
  if (scraping.length === 0) {
    chain.broken(
      'scrape',
      `Prometheus does not scrape the pushgateway ${endpoint} that Interlok pushes to`,
      `its ${targets.length} active target(s): ${targets.map((t) => `${t.labels?.job} ${t.scrapeUrl} ${t.health}`).join('; ') || 'none'}`,
      `add a scrape job for ${endpoint} with honor_labels: true to Prometheus's config (PrometheusServer writes it for its Pushgateway), and allow Prometheus in the pushgateway's NetworkPolicy`,
    );
  }
  const down = scraping.filter((t) => t.health !== 'up');
  if (down.length === scraping.length) {
    chain.broken(
      'scrape',
      `Prometheus's scrape of ${endpoint} fails`,
      down.map((t) => `${t.labels?.job} ${t.scrapeUrl}: ${t.health} ${t.lastError}`).join('; '),
      "Prometheus cannot reach the pushgateway: its Service, pods and the pushgateway's NetworkPolicy (it must admit Prometheus)",
    );
  }
  let honor: boolean | undefined;
  try {
    const config = parse((await api.json(`${prom}/api/v1/status/config`)).data.yaml);
    const jobs = new Set(scraping.map((t) => t.scrapePool ?? t.labels?.job));
    honor = (config.scrape_configs ?? [])
      .filter((j: any) => jobs.has(j.job_name))
      .every((j: any) => j.honor_labels === true);
  } catch {
    honor = undefined;
  }
  if (honor === false) {
    chain.broken(
      'scrape',
      `Prometheus scrapes ${endpoint} without honor_labels: the pushed job/instance labels are renamed exported_*`,
      `job ${scraping[0].labels?.job}`,
      'set honor_labels: true on that scrape job (ServiceMonitor: honorLabels: true)',
    );
  }
  chain.ok(
    'scrape',
    `Prometheus scrapes ${endpoint} (job ${scraping[0].labels?.job}, ${scraping[0].health}${honor ? ', honor_labels' : ''})`,
  );

  // the groups
  let groups: PushGroup[];
  try {
    groups = pushGroups((await api.json(`${pg!.prefix}/api/v1/metrics`)).data ?? []);
  } catch (e) {
    chain.broken(
      'pushgateway',
      `the pushgateway ${endpoint} does not answer`,
      (e as Error).message,
      `check its Service and pods (kubectl -n ${pg!.namespace} get pods)`,
    );
  }
  const podNames = new Set(target.pods.map((p) => p.metadata.name));
  const podRe = target.deployment ? new RegExp(`^${deploymentPodRegex(target.deployment.metadata.name)}$`) : undefined;
  const ours = groups!.filter(
    (g) =>
      podNames.has(g.labels[l.podLabel]!) || (podRe?.test(g.labels[l.podLabel] ?? '') && g.labels[l.nsLabel] === ns),
  );
  const refused = ours.filter(
    (g) => g.failureTime !== undefined && g.pushTime !== undefined && g.failureTime > g.pushTime,
  );
  if (refused.length) {
    const g = refused[0]!;
    chain.broken(
      'pushgateway',
      `the pushgateway refused the latest push of ${refused.length} group(s): ${refused.map((x) => x.labels[l.podLabel]).join(', ')}`,
      `push_failure_time_seconds ${g.failureTime} > push_time_seconds ${g.pushTime} (${Object.entries(g.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')})`,
      `it answers 400 when one pusher declares ${l.series} of another type (gauge vs untyped) than the groups it has: push one type everywhere, or delete the old group (curl -X DELETE <pushgateway>/metrics/job/${g.labels.job}/${l.nsLabel}/${g.labels[l.nsLabel]}/${l.podLabel}/${g.labels[l.podLabel]})`,
    );
  }
  const misplaced = ours.filter((g) => podNames.has(g.labels[l.podLabel]!) && g.labels[l.nsLabel] !== ns);
  const inNs = ours.filter((g) => g.labels[l.nsLabel] === ns);
  if (misplaced.length && !inNs.some((g) => podNames.has(g.labels[l.podLabel]!))) {
    const g = misplaced[0]!;
    const env = interlok.find((i) => i.pod.metadata.name === g.labels[l.podLabel]) ?? interlok[0]!;
    const all = (env.pod.spec.containers ?? []).map((c: any) => envOf(c, 'K8S_NAMESPACE')).filter(Boolean);
    chain.broken(
      'Interlok',
      `Interlok pushes ${l.nsLabel}="${g.labels[l.nsLabel]}" but runs in ${ns}: the adapter's query for ${ns} never sees it`,
      `group ${Object.entries(g.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}; pod ${env.pod.metadata.name} env K8S_NAMESPACE=${all.join(' / ') || '(unset)'}`,
      'set K8S_NAMESPACE from the downward API (fieldRef metadata.namespace), as PushgatewayEnv does: Interlok pushes it as the namespace label',
    );
  }
  const age = (g: PushGroup) => (g.pushTime === undefined ? Infinity : Date.now() / 1000 - g.pushTime);
  const current = inNs.filter((g) => podNames.has(g.labels[l.podLabel]!));
  const fresh = current.filter((g) => age(g) < l.staleAfter);
  const gone = inNs.filter((g) => !podNames.has(g.labels[l.podLabel]!));
  if (gone.length) {
    chain.warn(
      'pushgateway',
      `${gone.length} group(s) of pods that no longer exist: ${gone.map((g) => g.labels[l.podLabel]).join(', ')}`,
      "the adapter's query skips them, but they stay in the pushgateway",
      `PushgatewayDeregistration deletes a pod's group when it stops; delete these: curl -X DELETE <pushgateway>/metrics/job/<job>/${l.nsLabel}/${ns}/${l.podLabel}/<pod>`,
    );
  }
  if (current.length === 0)
    chain.note(
      'pushgateway',
      `no group for the ${podNames.size} pod(s) yet: Interlok pushes once it has handled a message`,
      `${groups!.length} group(s) in ${endpoint}`,
    );
  else if (fresh.length === 0)
    chain.note(
      'pushgateway',
      `${current.length} group(s), all stale (no push for ${l.staleAfter} s): idle, they count 0`,
      current.map((g) => `${g.labels[l.podLabel]} ${Math.round(age(g))} s`).join(', '),
    );
  else
    chain.ok(
      'pushgateway',
      `${fresh.length} fresh, ${current.length - fresh.length} stale group(s) of ${podNames.size} pod(s) in ${endpoint}`,
      current.map((g) => `${g.labels[l.podLabel]} ${Math.round(age(g))} s`).join(', '),
    );

  // Interlok's env: where it pushes and which namespace it says
  const wrongEnv = interlok.filter((i) => {
    const v = envOf(i.container, 'K8S_NAMESPACE');
    return v !== undefined && v !== 'fieldRef metadata.namespace' && v !== ns;
  });
  if (endpoints.length > 1) {
    chain.broken(
      'Interlok',
      `Interlok pods push to ${endpoints.length} endpoints: ${endpoints.join(', ')}`,
      undefined,
      'every pod of the Deployment must push to the pushgateway Prometheus scrapes',
    );
  }
  if (wrongEnv.length) {
    chain.broken(
      'Interlok',
      `Interlok pod ${wrongEnv[0]!.pod.metadata.name} sets K8S_NAMESPACE=${envOf(wrongEnv[0]!.container, 'K8S_NAMESPACE')} but runs in ${ns}`,
      'Interlok pushes K8S_NAMESPACE as the namespace label',
      'set K8S_NAMESPACE from the downward API (fieldRef metadata.namespace), as PushgatewayEnv does',
    );
  }
  chain.ok(
    'Interlok',
    `${interlok.length} pod(s) push to ${endpoint} (JAVA_OPTS -DprometheusEndpointUrl) with K8S_NAMESPACE ${envOf(interlok[0]!.container, 'K8S_NAMESPACE') ?? 'unset'}`,
  );
}

/** The labels and series of Interlok's groups, from the live rules (else this library's rule). */
function labelsAndSeries(rules: FoundRule[], rule: AdapterRuleConfig): LabelsAndSeries {
  const pods = [rule, ...rules.filter((r) => !r.external && !r.refused).map((r) => r.rule), libraryRule()];
  for (const r of pods) {
    try {
      const podLabel = labelForResource(r, 'pod');
      return {
        nsLabel: labelForResource(r, 'namespace'),
        podLabel,
        series: seriesNames(r.seriesQuery)[0] ?? 'MessageMetrics',
        staleAfter: staleAfterOf(rule) ?? staleAfterOf(r) ?? 30,
      };
    } catch {
      /* an External rule maps no pod label */
    }
  }
  throw new Error('unreachable: the library rule maps both labels');
}

async function hpaChain(api: Api, hpa: any, opts: ClusterDoctorOptions): Promise<ChainReport> {
  const ns = hpa.metadata.namespace;
  const chain = new Chain('HorizontalPodAutoscaler', ns, hpa.metadata.name);
  try {
    const found = readHpas([{ ...hpa, apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' }])[0]!;
    const metric = found.metrics.find((m) => m.type === 'External' || m.type === 'Pods');
    await checkHpa(api, chain, hpa, found, metric);
    const external = metric!.type === 'External';
    const group = external ? 'external.metrics.k8s.io' : 'custom.metrics.k8s.io';
    const { service } = await checkApiService(api, chain, group, opts, 'ours');
    const adapter = await checkAdapterPods(api, chain, service);
    await checkAdapterPermissions(api, chain, adapter);
    const { rules, where } = await adapterRules(api, chain, adapter);
    const served = ruleForMetric(rules, metric!.name!, external);
    if (!served) {
      const names = rules
        .filter((r) => r.external === external)
        .map((r) => r.rule.name?.as ?? seriesNames(r.rule.seriesQuery)[0])
        .filter(Boolean);
      chain.broken(
        'adapter rule',
        `no ${external ? 'externalRules' : 'rules'} entry of ${where} serves ${metric!.type} metric ${metric!.name}`,
        `it serves ${names.join(', ') || 'nothing'}${external ? ' (External)' : ''}; the HPA asks for ${metric!.name}`,
        `the rule's name.as must be the HPA's metric name: regenerate both from one AdapterRule (npx cdk8s-interlok-scaling adapter-values) and restart the adapter`,
      );
    }
    if (served!.found.refused)
      chain.broken(
        'adapter rule',
        `the adapter refuses ${served!.found.source}`,
        served!.found.refused,
        'fix the rule: the adapter does not start with it',
      );
    chain.ok('adapter rule', `${served!.found.source} serves ${metric!.name} from ${served!.series}`);
    const target = await targetOf(api, ns, found.target);
    await checkMetricsApi(api, chain, group, metric!, ns, target.selector);
    const url = argValue(adapter.container.args ?? [], '--prometheus-url') ?? 'https://localhost';
    const prom = await checkPrometheus(api, chain, url, `the adapter's --prometheus-url`);
    const rule = served!.found.rule;
    let query: string;
    try {
      query = external
        ? renderExternalMetricsQuery(rule, served!.series, {
            namespace: ns,
            metricSelector: metric!.selector?.matchLabels,
          })
        : renderMetricsQuery(rule, served!.series, {
            namespace: ns,
            pods: target.pods.map((p) => p.metadata.name),
            metricSelector: metric!.selector?.matchLabels,
          });
    } catch (e) {
      chain.broken(
        'query',
        `the rule's metricsQuery does not render`,
        (e as Error).message,
        "fix the rule's metricsQuery",
      );
    }
    try {
      const data = await promQuery(api, prom, query!);
      const result: VectorSample[] = data.resultType === 'vector' ? data.result : [];
      const values = external
        ? externalValues(result).join(', ')
        : [...podValues(rule, { namespace: ns, pods: target.pods.map((p) => p.metadata.name) }, result)]
            .map(([p, v]) => `${p}=${v}`)
            .join(', ');
      chain.ok('query', `the adapter's query returns ${values || 'nothing'}`, query!);
    } catch (e) {
      chain.broken(
        'query',
        "Prometheus refuses the adapter's query",
        `${(e as Error).message}; query ${query!}`,
        "fix the rule's metricsQuery",
      );
    }
    await checkPushgatewayAndInterlok(api, chain, prom, ns, target, labelsAndSeries(rules, rule));
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  return chain.finish();
}

async function scaledObjectChain(api: Api, so: any, opts: ClusterDoctorOptions): Promise<ChainReport> {
  const ns = so.metadata.namespace;
  const name = so.metadata.name;
  const chain = new Chain('ScaledObject', ns, name);
  try {
    const found = readHpas([{ ...so, apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject' }])[0]!;
    const ready = condition(so, 'Ready');
    if (!so.status)
      chain.symptom(
        'ScaledObject',
        `KEDA has not reconciled ${ns}/${name} (no status)`,
        undefined,
        "is KEDA's operator running? (see the links below)",
      );
    else if (ready?.status !== 'True')
      chain.symptom(
        'ScaledObject',
        `${ns}/${name} is not Ready`,
        [condText(ready), await lastWarning(api, ns, 'ScaledObject', name)].filter(Boolean).join('; '),
        'the links below say why',
      );
    else chain.ok('ScaledObject', `${ns}/${name} Ready, ${condText(condition(so, 'Active')) ?? 'Active unknown'}`);
    // KEDA's operator runs each trigger's query itself: the trigger is the first link it needs
    for (const m of found.metrics) {
      const t = m.kedaTrigger!;
      if (t.type !== 'prometheus') {
        chain.note('trigger', `${t.source} is a ${t.type} trigger: not checked`);
        continue;
      }
      if (!t.serverAddress)
        chain.broken(
          'trigger',
          `${t.source} has no serverAddress`,
          undefined,
          "set metadata.serverAddress to Prometheus's Service URL",
        );
      const prom = await checkPrometheus(api, chain, t.serverAddress!, `${t.source} serverAddress`, 'trigger');
      try {
        const data = await promQuery(api, prom, t.query ?? '');
        const n = data.resultType === 'vector' ? data.result.length : 1;
        if (n > 1)
          chain.broken(
            'trigger',
            `${t.source}'s query returns ${n} elements; KEDA needs one`,
            t.query,
            'aggregate the query (sum(...)) to one element',
          );
        const v =
          data.resultType === 'vector' ? (data.result[0]?.value?.[1] ?? 'nothing (read as 0)') : data.result?.[1];
        chain.ok('trigger', `${t.source}'s query returns ${v}`, t.query);
      } catch (e) {
        chain.broken(
          'trigger',
          `Prometheus refuses ${t.source}'s query`,
          `${(e as Error).message}; query ${t.query}`,
          "fix the trigger's query",
        );
      }
    }
    const hpaName = so.status?.hpaName ?? found.name;
    const hpa = await api.maybe(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${hpaName}`);
    if (!hpa) {
      chain.broken(
        'KEDA HPA',
        `KEDA has made no HPA ${ns}/${hpaName} for ${name}`,
        so.status ? condText(ready) : 'the ScaledObject has no status',
        "KEDA's operator makes it: install KEDA (or check its operator's pods and logs)",
      );
    }
    const hfound = readHpas([{ ...hpa, apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' }])[0]!;
    const metric = hfound.metrics.find((m) => m.type === 'External');
    await checkHpa(api, chain, hpa, hfound, metric, 'KEDA HPA');
    await checkApiService(api, chain, 'external.metrics.k8s.io', opts, 'keda');
    const target = await targetOf(api, ns, found.target);
    await checkMetricsApi(api, chain, 'external.metrics.k8s.io', metric!, ns, target.selector);
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  return chain.finish();
}

/** Finds this library's HPAs and ScaledObjects (or the one named) and walks each chain. */
export async function runClusterDoctor(kube: KubeReader, opts: ClusterDoctorOptions): Promise<ClusterDoctorReport> {
  const api = new Api(kube);
  const where = (ns: string | undefined) => (ns ? `/namespaces/${ns}` : '');
  const selector = `labelSelector=${enc(`app.kubernetes.io/part-of=${PART_OF}`)}`;
  let hpas: any[] = [];
  let sos: any[] = [];
  if (opts.hpa !== undefined || opts.scaledObject !== undefined) {
    const ns = opts.namespace ?? kube.namespace;
    const path =
      opts.hpa !== undefined
        ? `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${opts.hpa}`
        : `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects/${opts.scaledObject}`;
    const o = await api.maybe(path);
    if (!o)
      throw new NotFound(
        `${opts.hpa !== undefined ? `--hpa: no HorizontalPodAutoscaler "${opts.hpa}"` : `--scaled-object: no ScaledObject "${opts.scaledObject}"`} in namespace ${ns} (context ${kube.context})`,
      );
    (opts.hpa !== undefined ? hpas : sos).push(o);
  } else {
    hpas = (await api.json(`/apis/autoscaling/v2${where(opts.namespace)}/horizontalpodautoscalers?${selector}`)).items
      // KEDA's HPAs are walked from their ScaledObject
      .filter((h: any) => !(h.metadata.ownerReferences ?? []).some((r: any) => r.kind === 'ScaledObject'));
    sos = (await api.maybe(`/apis/keda.sh/v1alpha1${where(opts.namespace)}/scaledobjects?${selector}`))?.items ?? [];
  }
  const chains: ChainReport[] = [];
  for (const h of hpas) chains.push(await hpaChain(api, h, opts));
  for (const s of sos) chains.push(await scaledObjectChain(api, s, opts));
  return { context: kube.context, server: kube.server, chains };
}
