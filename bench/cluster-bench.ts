/**
 * `npm run bench:cluster`: the chain's reaction times and the adapter's latency measured on the real control plane
 * (test/cluster), with dist/'s own intervals: Interlok's 10 s push (simulated, with a random phase), Prometheus's
 * 10 s scrape, the adapter's 60 s relist and the HPA controller's default 15 s sync. Runs inside
 * `npm run cluster -- run`; writes its section of bench/RESULTS.md. A benchmark: it records, it asserts nothing but
 * that each HPA reached the count its own pods' load asks for.
 *
 * The down-stabilization is set to 0 on the HPA while measuring, so that status.desiredReplicas shows the
 * controller's recommendation the moment it falls (dist/'s 300 s then add to it, as the README says).
 */
import { readFileSync, writeFileSync } from 'fs';
import { request } from 'https';
import { join } from 'path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { renderExternalMetricsQuery } from '../lib';
import { getJson, kubectl, podsOf, Pusher, requireCluster, sleep, waitFor } from '../test/e2e/harness';
import { DEFAULT_NAMES } from '../lib/kit/monitoring-names';

const root = join(__dirname, '..');
const distFile = join(root, 'dist', 'interlok-autoscaling.k8s.yaml');
const objects = parseAllDocuments(readFileSync(distFile, 'utf8')).map((d) => d.toJSON());
const HPA = 'interlok-autoscaler';
const RUNS = Number(process.env.BENCH_CLUSTER_RUNS ?? 3);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const median = (xs: number[]) => percentile(xs, 50);
const secs = (ms: number) => (ms / 1000).toFixed(1);

/** Polls every 250 ms; resolves with the time it took. */
async function timeUntil(what: string, ok: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  await waitFor(what, () => (ok() ? true : undefined), timeoutMs, 250);
  return Date.now() - start;
}

const desired = (ns: string, hpa: string) => getJson(['get', 'hpa', hpa, '-n', ns]).status?.desiredReplicas ?? 0;

/** The API server as the HPA controller asks it: HTTPS with a client certificate from the kubeconfig. */
function apiGet(path: string): Promise<{ ms: number; body: string }> {
  const kc = parse(readFileSync(process.env.KUBECONFIG!, 'utf8'));
  const cluster = kc.clusters[0].cluster;
  const user = kc.users[0].user;
  const url = new URL(cluster.server + path);
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = request(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'GET',
        ca: readFileSync(cluster['certificate-authority']),
        cert: readFileSync(user['client-certificate']),
        key: readFileSync(user['client-key']),
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode} ${body}`));
          else resolve({ ms, body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function promQuery(query: string): Promise<number> {
  const start = process.hrtime.bigint();
  const res = await fetch(`${process.env.PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(query)}`);
  if (res.status !== 200) throw new Error(`Prometheus: ${res.status} ${await res.text()}`);
  await res.json();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Interlok pushes on its own 10 s timer: the first push after a load step comes 0-10 s later. */
const phase = () => Math.random() * 10_000;

async function reactionTimes(pusher: Pusher): Promise<{ up: number[]; down: number[] }> {
  const up: number[] = [];
  const down: number[] = [];
  kubectl([
    'patch',
    'hpa',
    HPA,
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } }),
  ]);
  for (let run = 0; run < RUNS; run++) {
    await waitFor(
      '1 replica and a quiet metric',
      () => (desired('default', HPA) === 1 && podsOf('default', 'interlok').length === 1 ? true : undefined),
      300_000,
      1000,
    );
    await sleep(phase() + 5000); // start at any point of the controller's 15 s sync
    const [pod] = podsOf('default', 'interlok');
    const step = Date.now();
    await sleep(phase());
    pusher.set('default', pod, 150);
    await timeUntil('the HPA to want 2', () => desired('default', HPA) === 2, 180_000);
    up.push(Date.now() - step);
    console.error(`run ${run + 1}: load step → decision ${secs(up[up.length - 1])} s`);
    await sleep(20_000);
    // the last message: Interlok pushes once more on its timer, then nothing while idle
    const last = Date.now();
    await sleep(phase());
    pusher.set('default', pod, 150);
    pusher.stop();
    await timeUntil('the HPA to want 1', () => desired('default', HPA) === 1, 240_000);
    down.push(Date.now() - last);
    console.error(`run ${run + 1}: last message → lower recommendation ${secs(down[down.length - 1])} s`);
  }
  return { up, down };
}

/** n copies of Interlok (its Deployment and HPA) spread over 4 namespaces, each with its own name. */
function fleet(n: number): string {
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'interlok');
  const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler');
  const docs: object[] = [];
  for (const ns of ['fleet-a', 'fleet-b', 'fleet-c', 'fleet-d'])
    docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (let i = 0; i < n; i++) {
    const ns = ['fleet-a', 'fleet-b', 'fleet-c', 'fleet-d'][i % 4];
    const name = `interlok-${i + 1}`;
    const rename = (o: any) =>
      JSON.parse(
        JSON.stringify(o).replace(
          /"app\.kubernetes\.io\/instance":"interlok"/g,
          `"app.kubernetes.io/instance":"${name}"`,
        ),
      );
    const d = rename(deployment);
    d.metadata = { ...d.metadata, name, namespace: ns };
    const h = rename(hpa);
    h.metadata = { ...h.metadata, name: `${name}-autoscaler`, namespace: ns };
    h.spec.scaleTargetRef.name = name;
    h.spec.metrics[0].external.metric.selector.matchLabels.deployment = name;
    docs.push(d, h);
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

const pushing = new Map<string, string>();

interface FleetResult {
  n: number;
  apiP50: number;
  apiP99: number;
  promP50: number;
  promP99: number;
  decided: string;
}

async function fleetRun(n: number, pusher: Pusher, rule: any): Promise<FleetResult> {
  kubectl(['apply', '-f', '-'], fleet(n));
  const members = Array.from({ length: n }, (_, i) => ({
    ns: ['fleet-a', 'fleet-b', 'fleet-c', 'fleet-d'][i % 4],
    name: `interlok-${i + 1}`,
  }));
  // each Interloks's one pod gets its own load: 50, 150 or 250 → 1, 2 or 3 replicas
  const load = (i: number) => [50, 150, 250][i % 3];
  await waitFor(
    `${n} Interlok pods`,
    () => (members.every((m) => podsOf(m.ns, 'interlok').some((p) => p.startsWith(`${m.name}-`))) ? true : undefined),
    180_000,
  );
  members.forEach((m, i) => {
    // the pod that pushes stays the same as the fleet grows: the others the HPA added never push
    const key = `${m.ns}/${m.name}`;
    if (!pushing.has(key))
      pushing.set(
        key,
        podsOf(m.ns, 'interlok').find((p) => p.startsWith(`${m.name}-`))!,
      );
    pusher.set(m.ns, pushing.get(key)!, load(i));
  });
  const start = Date.now();
  await waitFor(
    'every HPA of the fleet to decide on its own pods',
    () => {
      const wrong = members
        .map((m, i) => ({ m, want: Math.ceil(load(i) / 100), got: desired(m.ns, `${m.name}-autoscaler`) }))
        .filter((x) => x.got !== x.want);
      if (wrong.length === 0) return true;
      throw new Error(wrong.map((x) => `${x.m.ns}/${x.m.name}: wants ${x.got}, expected ${x.want}`).join('; '));
    },
    300_000,
    2000,
  );
  const decided = `${secs(Date.now() - start)} s`;
  const api: number[] = [];
  const prom: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const m of members) {
      api.push(
        (
          await apiGet(
            `/apis/external.metrics.k8s.io/v1beta1/namespaces/${m.ns}/interlok_messagemetrics?labelSelector=deployment%3D${m.name}`,
          )
        ).ms,
      );
      prom.push(
        await promQuery(
          renderExternalMetricsQuery(rule, 'pushgateway_build_info', {
            namespace: m.ns,
            metricSelector: { deployment: m.name },
          }),
        ),
      );
    }
  }
  return {
    n,
    apiP50: median(api),
    apiP99: percentile(api, 99),
    promP50: median(prom),
    promP99: percentile(prom, 99),
    decided,
  };
}

async function main(): Promise<void> {
  const { pushgatewayUrl } = requireCluster();
  const pusher = new Pusher(pushgatewayUrl, 10_000); // Interlok's interval
  const applied = Date.now();
  kubectl(['apply', '-f', distFile]);
  await waitFor(
    'the External metric',
    () => {
      try {
        kubectl([
          'get',
          '--raw',
          '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/interlok_messagemetrics?labelSelector=deployment%3Dinterlok',
        ]);
        return true;
      } catch {
        return undefined;
      }
    },
    300_000,
    500,
  );
  const served = Date.now() - applied;
  console.error(`apply → External metric served: ${secs(served)} s`);
  const { up, down } = process.env.BENCH_CLUSTER_FLEET_ONLY ? { up: [0], down: [0] } : await reactionTimes(pusher);
  const adapterConfig = parse(
    getJson(['get', 'configmap', DEFAULT_NAMES.adapter, '-n', DEFAULT_NAMES.namespace]).data['config.yaml'],
  );
  const rule = adapterConfig.externalRules[0];
  const fleets: FleetResult[] = [];
  for (const n of [4, 8, 20]) {
    fleets.push(await fleetRun(n, pusher, rule));
    console.error(`fleet of ${n}: ${JSON.stringify(fleets[fleets.length - 1])}`);
  }
  pusher.stop();

  const section = [
    '<!-- cluster-bench: written by npm run bench:cluster -->',
    '## On the real control plane (npm run bench:cluster)',
    '',
    `Kubernetes ${getJson(['version']).serverVersion.gitVersion} built from its modules (test/cluster), prometheus-adapter v0.12.0, Debian's`,
    "Prometheus and pushgateway, dist/'s intervals and the HPA controller's default 15 s sync; the down-stabilization set to 0",
    `so the recommendation shows. ${RUNS} runs, each load step at a random point of Interlok's 10 s push timer. ${new Date().toISOString().slice(0, 10)}.`,
    '',
    "| reaction | measured: median (min – max) | the README's worst case |",
    '|---|---|---|',
    ...(process.env.BENCH_CLUSTER_FLEET_ONLY
      ? ['| reactions | not measured in this run (BENCH_CLUSTER_FLEET_ONLY) | |']
      : [
          `| load step → HPA decides to scale up | ${secs(median(up))} s (${secs(Math.min(...up))} – ${secs(Math.max(...up))}) | 35 s |`,
          `| last message → HPA recommends fewer replicas | ${secs(median(down))} s (${secs(Math.min(...down))} – ${secs(Math.max(...down))}) | 55 s |`,
        ]),
    `| kubectl apply -f dist/ on an empty cluster → External metric served | ${secs(served)} s (once) | — |`,
    '',
    "| Interloks (4 namespaces, one stack) | every HPA at its own count after | API server → adapter → Prometheus, per request p50 / p99 | Prometheus, the rule's query p50 / p99 |",
    '|---|---|---|---|',
    ...fleets.map(
      (f) =>
        `| ${f.n} | ${f.decided} | ${f.apiP50.toFixed(0)} / ${f.apiP99.toFixed(0)} ms | ${f.promP50.toFixed(0)} / ${f.promP99.toFixed(0)} ms |`,
    ),
    '<!-- /cluster-bench -->',
  ].join('\n');
  const resultsPath = join(__dirname, 'RESULTS.md');
  const results = readFileSync(resultsPath, 'utf8');
  const replaced = /<!-- cluster-bench:[\s\S]*?<!-- \/cluster-bench -->/.test(results)
    ? results.replace(/<!-- cluster-bench:[\s\S]*?<!-- \/cluster-bench -->/, section)
    : `${results.trimEnd()}\n\n${section}\n`;
  writeFileSync(resultsPath, replaced);
  console.log(section);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
