/**
 * The README's table of objects and its reaction-time table, row by row against dist/ (what `kubectl apply -f
 * dist/` creates) and against the clocks the code has (lib/model/intervals.ts): a changed default fails here.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { Duration } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { worstCaseReactionTimes } from '../lib';
import { HPA_SYNC_SECONDS, INTERLOK_PUSH_SECONDS } from '../lib/model/intervals';
import { DEFAULT_NAMES as N } from '../lib/kit/monitoring-names';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf-8');
const objects: any[] = parseAllDocuments(readFileSync(join(root, 'dist', 'interlok-autoscaling.k8s.yaml'), 'utf-8'))
  .map((d) => d.toJS())
  .filter(Boolean);
const find = (kind: string, name: string, namespace?: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
/** A Service's target port as a number (a named one is looked up in the Deployment of the same name). */
const targetPort = (svc: any) => {
  const p = svc.spec.ports[0].targetPort;
  if (typeof p === 'number') return p;
  const d = find('Deployment', svc.metadata.name, svc.metadata.namespace);
  return d.spec.template.spec.containers.flatMap((c: any) => c.ports ?? []).find((cp: any) => cp.name === p)
    .containerPort;
};
const ticks = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** The rows of the table whose header starts with `header`, as cells. */
function table(header: string): string[][] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${header}`));
  expect(start).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i]!.startsWith('|'); i++)
    rows.push(lines[i]!.split(' | ').map((c) => c.replace(/^\| ?| ?\|$/g, '')));
  return rows;
}

const RBAC = ['ClusterRole', 'ClusterRoleBinding', 'RoleBinding', 'Role'];
/** The kinds a first cell names (`Deployment + Service`, `ConfigMap, Deployment`, `RBAC`, `APIServices`). */
function kindsOf(cell: string): string[] {
  const words = cell
    .replace(/`[^`]*`|\([^)]*\)/g, '')
    .split(/[^A-Za-z]+/)
    .filter(Boolean);
  return words.flatMap((w) =>
    w === 'RBAC'
      ? ['RBAC']
      : w === 'NetworkPolicies'
        ? ['NetworkPolicy']
        : w === 'APIServices'
          ? ['APIService']
          : /^[A-Z]/.test(w) && w !== 'Deployment' && w.endsWith('s') && w !== 'APIServices'
            ? [w.slice(0, -1)]
            : /^[A-Z]/.test(w)
              ? [w]
              : [],
  );
}

describe('README: the table of objects is dist/, row by row', () => {
  const rows = table('object | where | what for');
  const env = (d: any) => Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
  const row = (start: string) => rows.find((r) => r[0]!.startsWith(start))!;

  test('every object of dist/ is in a row of its kind, name and namespace, and every row names objects that exist', () => {
    const covered = new Set<any>();
    const missing: string[] = [];
    for (const [what, where] of rows) {
      const names = ticks(what!);
      const namespaces = ticks(where!);
      const kinds = kindsOf(what!);
      expect(kinds.length).toBeGreaterThan(0);
      for (const kind of kinds) {
        const hits = objects.filter(
          (o) =>
            (kind === 'RBAC' ? RBAC.includes(o.kind) : o.kind === kind) &&
            (names.length === 0 ||
              names.includes(o.metadata.name) ||
              kind === 'RBAC' ||
              names.some((n) => o.metadata.name.includes(n))) &&
            (o.metadata.namespace === undefined
              ? where!.includes('cluster')
              : namespaces.includes(o.metadata.namespace)),
        );
        if (hits.length === 0) missing.push(`${kind} in row "${what}"`);
        hits.forEach((h) => covered.add(h));
      }
    }
    expect(missing).toEqual([]);
    expect(objects.filter((o) => !covered.has(o)).map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);
  });

  test('Interlok: the port, JAVA_OPTS exactly, the downward API variables', () => {
    const [what, , forWhat] = row('Deployment + Service `interlok`');
    expect(what).toContain(`(${find('Service', 'interlok', 'default').spec.ports[0].port})`);
    const e = env(find('Deployment', 'interlok', 'default'));
    expect(forWhat).toContain(`\`JAVA_OPTS=${e.JAVA_OPTS.value}\``);
    expect(forWhat).not.toContain('networkaddress.cache.ttl');
    for (const name of ticks(forWhat!).filter((t) => /^K8S_/.test(t))) expect(e[name].valueFrom.fieldRef).toBeDefined();
  });

  test('pushgateway and Prometheus: ports, scrape interval, honor_labels', () => {
    expect(row(`Deployment + Service \`${N.pushgateway}\``)[0]).toContain(
      `(${find('Service', N.pushgateway, N.namespace).spec.ports[0].port})`,
    );
    const [what, , forWhat] = row(`ConfigMap, Deployment, Service \`${N.prometheus}\``);
    const svc = find('Service', N.prometheus, N.namespace);
    expect(what).toContain(`(${svc.spec.ports[0].port} → ${targetPort(svc)})`);
    const config = parse(Object.values<string>(find('ConfigMap', N.prometheus, N.namespace).data)[0]!);
    const job = config.scrape_configs.find((j: any) => j.honor_labels === true);
    expect(forWhat).toContain(`every ${job.scrape_interval.replace(/^(\d+)s$/, '$1 s')} with \`honor_labels: true\``);
  });

  test('the adapter: replicas, ports, APIServices, metric names', () => {
    const [what, , forWhat] = row('ServiceAccount, RBAC');
    expect(what).toContain(`(${find('Deployment', N.adapter, N.namespace).spec.replicas} replicas`);
    const svc = find('Service', N.adapter, N.namespace);
    expect(what).toContain(`(${svc.spec.ports[0].port} → ${targetPort(svc)})`);
    for (const api of objects.filter((o) => o.kind === 'APIService'))
      expect(what).toContain(`\`${api.metadata.name}\``);
    const config = parse(Object.values<string>(find('ConfigMap', N.adapter, N.namespace).data)[0]!);
    expect(forWhat).toContain(
      `\`${config.rules[0].name.as}\` per pod and \`${config.externalRules[0].name.as}\` per Deployment`,
    );
  });

  test('the HPA, the dashboard, the PodDisruptionBudget', () => {
    const hpa = find('HorizontalPodAutoscaler', 'interlok-autoscaler', 'default');
    const m = hpa.spec.metrics[0];
    expect(row('HorizontalPodAutoscaler')[2]).toBe(
      `\`${hpa.apiVersion}\`, ${m.type} metric \`${m.external.metric.name}\` for \`deployment: ${m.external.metric.selector.matchLabels.deployment}\`, \`${m.external.target.type}\` ${m.external.target.averageValue}, ${hpa.spec.minReplicas}..${hpa.spec.maxReplicas} replicas`,
    );
    const dashboard = find('ConfigMap', 'interlok-scaling-dashboard', N.namespace);
    expect(row('ConfigMap `interlok-scaling-dashboard`')[2]).toContain(
      `\`grafana_dashboard: "${dashboard.metadata.labels.grafana_dashboard}"\``,
    );
    expect(row('PodDisruptionBudget `interlok`')[2]).toContain(
      `\`maxUnavailable: ${find('PodDisruptionBudget', 'interlok', 'default').spec.maxUnavailable}\``,
    );
  });
});

describe('README: the reaction-time table is what dist/ and the clocks give', () => {
  test('each row: the total and its parts', () => {
    const hpa = find('HorizontalPodAutoscaler', 'interlok-autoscaler', 'default');
    const config = parse(Object.values<string>(find('ConfigMap', N.prometheus, N.namespace).data)[0]!);
    const scrape = Number(
      /^(\d+)s$/.exec(config.scrape_configs.find((j: any) => j.honor_labels === true).scrape_interval)![1],
    );
    const rule = parse(Object.values<string>(find('ConfigMap', N.adapter, N.namespace).data)[0]!).externalRules[0]
      .metricsQuery;
    const stale = Number(/< bool (\d+)/.exec(rule)![1]);
    const up = hpa.spec.behavior.scaleUp.stabilizationWindowSeconds;
    const down = hpa.spec.behavior.scaleDown.stabilizationWindowSeconds;
    const ours = worstCaseReactionTimes({
      scrapeInterval: Duration.seconds(scrape),
      staleAfter: Duration.seconds(stale),
      scaleUpStabilization: Duration.seconds(up),
      scaleDownStabilization: Duration.seconds(down),
    });
    const guide = worstCaseReactionTimes({
      scrapeInterval: Duration.minutes(1),
      scaleUpStabilization: Duration.seconds(0),
      scaleDownStabilization: Duration.minutes(5),
    });
    const [push, sync] = [INTERLOK_PUSH_SECONDS, HPA_SYNC_SECONDS];
    const rows = table('reaction | this library | the guide');
    const cells = (start: string) => rows.find((r) => r[0]!.startsWith(start))!.slice(1);
    expect(cells('load step → HPA decides to scale up')[0]).toBe(
      `${ours.scaleUp} s (${push} + ${scrape} + ${sync} + ${up})`,
    );
    expect(cells('load step → HPA decides to scale up')[1]).toMatch(
      new RegExp(`^${guide.scaleUp} s \\(${push} \\+ 60 \\+ ${sync} \\+ 0;`),
    );
    expect(cells('load stops → HPA recommends fewer replicas')[0]).toBe(
      `${ours.scaleDownRecommendation} s (${push} + ${stale} + ${sync})`,
    );
    expect(cells('load stops → replicas go down')[0]).toBe(`${ours.scaleDown} s`);
    expect(cells('load stops → replicas go down')).toEqual([`${ours.scaleDown} s`, 'never']);
    expect(cells('no pod has a series while idle')[0]).toBe(
      `${ours.scaleDownWithoutSeries} s (${scrape} + ${sync} + ${down})`,
    );
    expect(rows).toHaveLength(4);
  });
});
