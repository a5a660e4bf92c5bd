import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { Duration, Testing } from 'cdk8s';
import { parse, parseAllDocuments, stringify } from 'yaml';
import {
  AdapterRuleConfig,
  desiredReplicas,
  desiredReplicasExternal,
  externalValues,
  PodsMetricRequest,
  podValues,
  ReplicaCalculation,
  renderExternalMetricsQuery,
  renderMetricsQuery,
  VectorSample,
} from '../../lib';
import { apiMetricName, labelForResource } from '../../lib/model/adapter-query';
import { INTERLOK_PUSH_SECONDS, MIN_STALE_MARGIN_SECONDS } from '../../lib/model/intervals';
import { DemoChartProps, demoChart } from '../helpers';
import { which } from '../tools';

export type Manifest = Record<string, any>;

/** The objects of the committed dist/ that `kubectl apply -f dist/` applies (its own files, not extras/). */
export function distObjects(): Manifest[] {
  const dir = join(__dirname, '..', '..', 'dist');
  return readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isFile())
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf-8')).map((d) => d.toJSON()));
}

/**
 * The clocks every chain test runs on but dist-clocks.test.ts (which keeps dist/'s): Prometheus scrapes each second,
 * and a push goes stale after the least window the adapter rule accepts, Interlok's push interval (fixed at 10 s, so
 * the simulated pushes keep it) + one scrape + the 5 s margin = 16 s instead of dist/'s 30 s. A busy pod pushing
 * every 10 s must still never read 0 on it, so the short clocks also test that floor.
 */
export const SHORT_SCRAPE_SECONDS = 1;
export const SHORT_STALE_SECONDS = INTERLOK_PUSH_SECONDS + SHORT_SCRAPE_SECONDS + MIN_STALE_MARGIN_SECONDS;

/** The chart props that put a stack on the short clocks, through the library's own props. */
export function shortClocks(props: DemoChartProps = {}): DemoChartProps {
  return {
    ...props,
    monitoring: { scrapeInterval: Duration.seconds(SHORT_SCRAPE_SECONDS), ...props.monitoring },
    rule: { staleAfter: Duration.seconds(SHORT_STALE_SECONDS), ...props.rule },
  };
}

/**
 * dist/'s stack (main.ts's chart) on the short clocks: the same objects and the same PromQL but for the intervals
 * in them (dist-clocks.test.ts checks that, object by object).
 */
export function shortClockObjects(props: DemoChartProps = {}): Manifest[] {
  return Testing.synth(demoChart(Testing.app(), 'interlok-autoscaling', shortClocks(props)));
}

export function findObject(objects: Manifest[], kind: string, name: string): Manifest {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not among the objects`);
  return o;
}

/** The HPA's metric settings, read from its manifest. */
export interface HpaSpec {
  readonly metricName: string;
  readonly averageValue: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The External metric's selector (matchLabels). */
  readonly selector?: Record<string, string>;
}

/** The settings of the HPA's one metric of `type` (Pods or External). */
export function hpaSpec(hpa: Manifest, type: 'Pods' | 'External' = 'External'): HpaSpec {
  const metric = hpa.spec.metrics.find((m: Manifest) => m.type === type);
  if (!metric) throw new Error(`HPA ${hpa.metadata.name} has no ${type} metric`);
  const source = type === 'Pods' ? metric.pods : metric.external;
  return {
    metricName: source.metric.name,
    averageValue: Number(source.target.averageValue),
    minReplicas: hpa.spec.minReplicas ?? 1,
    maxReplicas: hpa.spec.maxReplicas,
    ...(source.metric.selector ? { selector: source.metric.selector.matchLabels } : {}),
  };
}

/** A pod name as a Deployment's ReplicaSet gives it: <deployment>-<pod-template-hash>-<5 characters>. */
export function podName(deployment: string, n: number, hash = '7d9f8c6b5'): string {
  const safe = 'bcdfghjklmnpqrstvwxz2456789';
  let suffix = '';
  for (let i = 0, x = n + 1000; i < 5; i++, x = Math.floor(x / safe.length)) suffix += safe[x % safe.length];
  return `${deployment}-${hash}-${suffix}`;
}

/** The guide's rule, verbatim (metricsQuery is the bare metric name). */
export const GUIDE_RULE: AdapterRuleConfig = parse(`
seriesQuery: '{__name__=~"MessageMetrics"}'
resources:
  overrides:
    k8s_namespace:
      resource: namespace
    k8s_pod_name:
      resource: pod
name:
  matches: ""
  as: "MessageMetrics"
metricsQuery: MessageMetrics
`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, proc: ChildProcess, log: () => string, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${url}: process exited ${proc.exitCode}\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms\n${log()}`);
}

function stopProcess(p: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill(signal);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A pod that keeps pushing (`MetricsChain.keepPushing`) until stopped. */
export interface Pusher {
  stop(): Promise<void>;
}

/**
 * A real pushgateway and a real Prometheus on 127.0.0.1, Prometheus configured from the synthesized ConfigMap
 * with only the scrape target replaced by the local pushgateway.
 */
export class MetricsChain {
  public static async start(prometheusYaml: string): Promise<MetricsChain> {
    const dir = mkdtempSync(join(tmpdir(), 'interlok-chain-'));
    const [pgwPort, promPort] = [await freePort(), await freePort()];
    const chain = new MetricsChain(dir, `http://127.0.0.1:${pgwPort}`, `http://127.0.0.1:${promPort}`);
    await chain.startPushgateway();

    const config = parse(prometheusYaml);
    const jobs = config.scrape_configs as Manifest[];
    if (jobs.length !== 1 || jobs[0].static_configs.length !== 1)
      throw new Error('expected one static pushgateway job');
    jobs[0].static_configs[0].targets = [`127.0.0.1:${pgwPort}`];
    chain.configFile = join(dir, 'prometheus.yml');
    writeFileSync(chain.configFile, stringify(config));
    chain.spawn(which('prometheus'), [
      `--config.file=${chain.configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    await waitReady(`${chain.prometheusUrl}/-/ready`, chain.procs[1], () => chain.logs());
    return chain;
  }

  /**
   * A real Prometheus only, for scrape mode: the synthesized config with each pod-discovery job's Kubernetes
   * discovery and relabelling replaced by what they produce, static targets labelled `namespace` and `pod`.
   */
  public static async startScraping(
    prometheusYaml: string,
    targets: Array<{ address: string; namespace: string; pod: string }>,
  ): Promise<MetricsChain> {
    const dir = mkdtempSync(join(tmpdir(), 'interlok-scrape-'));
    const promPort = await freePort();
    const chain = new MetricsChain(dir, '', `http://127.0.0.1:${promPort}`);
    const config = parse(prometheusYaml);
    const jobs = (config.scrape_configs as Manifest[]).filter((j) => j.kubernetes_sd_configs);
    if (jobs.length !== 1 || config.scrape_configs.length !== 1)
      throw new Error('expected one pod-discovery job and nothing else');
    const job = jobs[0];
    const relabelled = job.relabel_configs
      .filter((r: Manifest) => r.action === 'replace')
      .map((r: Manifest) => r.target_label)
      .sort();
    if (JSON.stringify(relabelled) !== JSON.stringify(['namespace', 'pod']))
      throw new Error(`the job relabels to ${relabelled}`);
    delete job.kubernetes_sd_configs;
    delete job.relabel_configs;
    job.static_configs = targets.map((t) => ({ targets: [t.address], labels: { namespace: t.namespace, pod: t.pod } }));
    chain.configFile = join(dir, 'prometheus.yml');
    writeFileSync(chain.configFile, stringify(config));
    const proc = chain.spawn(which('prometheus'), [
      `--config.file=${chain.configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    await waitReady(`${chain.prometheusUrl}/-/ready`, proc, () => chain.logs());
    return chain;
  }

  public configFile = '';
  private readonly procs: ChildProcess[] = [];
  private pushgatewayRuns = 0;
  private readonly output: string[] = [];

  private constructor(
    public readonly dir: string,
    public readonly pushgatewayUrl: string,
    public readonly prometheusUrl: string,
  ) {}

  private spawn(cmd: string, args: string[]): ChildProcess {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d) => this.output.push(String(d)));
    proc.stderr!.on('data', (d) => this.output.push(String(d)));
    this.procs.push(proc);
    return proc;
  }

  private async startPushgateway(): Promise<void> {
    // Debian's pushgateway persists to a system path by default: a file of our own keeps runs apart, and a new
    // file per start is a new pod's empty emptyDir.
    const proc = this.spawn(which('prometheus-pushgateway'), [
      `--web.listen-address=${new URL(this.pushgatewayUrl).host}`,
      `--persistence.file=${join(this.dir, `pushgateway-${this.pushgatewayRuns++}.data`)}`,
    ]);
    this.pushgateway = proc;
    await waitReady(`${this.pushgatewayUrl}/-/ready`, proc, () => this.logs());
  }

  private pushgateway?: ChildProcess;

  /** What a rescheduled pushgateway pod is: the same Service address, and no groups at all. */
  public async replacePushgatewayWithEmptyOne(): Promise<void> {
    const old = this.pushgateway!;
    await stopProcess(old, 'SIGKILL');
    this.procs.splice(this.procs.indexOf(old), 1);
    await this.startPushgateway();
  }

  /** The groups the pushgateway holds, as their grouping labels. */
  public async pushgatewayGroups(): Promise<Record<string, string>[]> {
    const res = await fetch(`${this.pushgatewayUrl}/api/v1/metrics`);
    const json: any = await res.json();
    return json.data.map((g: any) => g.labels);
  }

  public logs(): string {
    return this.output.join('').split('\n').slice(-30).join('\n');
  }

  public async stop(): Promise<void> {
    // a push still in flight when the pushgateway goes would reject after the tests, failing the whole file
    await Promise.allSettled([...this.pushers].map((p) => p.stop()));
    await Promise.all(this.procs.map((p) => stopProcess(p, 'SIGTERM')));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private readonly pushers = new Set<Pusher>();

  /**
   * A pod under load: one push now, then one every `everyMs` until `stop()`, which waits for the pushes in flight.
   * A push that fails while a test runs shows in the test's own reads of that pod (they expect its value), so
   * `stop()` never throws: in a `finally` it would replace the test's own failure.
   */
  public async keepPushing(namespace: string, pod: string, value: number, everyMs: number): Promise<Pusher> {
    await this.pushAsInterlok(namespace, pod, value);
    const inFlight = new Set<Promise<void>>();
    const timer = setInterval(() => {
      const push: Promise<void> = this.pushAsInterlok(namespace, pod, value)
        .catch(() => undefined)
        .finally(() => inFlight.delete(push));
      inFlight.add(push);
    }, everyMs);
    const pusher: Pusher = {
      stop: async () => {
        clearInterval(timer);
        this.pushers.delete(pusher);
        await Promise.all(inFlight);
      },
    };
    this.pushers.add(pusher);
    return pusher;
  }

  /** What Interlok's PrometheusMetricsAdapter does every 10 s: pushAdd (POST) of one counter to its group. */
  public async pushAsInterlok(namespace: string, pod: string, value: number, metric = 'MessageMetrics'): Promise<void> {
    const body =
      `# HELP ${metric} Number of messages processed for the workflow interceptor named ${metric}\n` +
      `# TYPE ${metric} counter\n${metric} ${value.toFixed(1)}\n`;
    const res = await fetch(
      `${this.pushgatewayUrl}/metrics/job/interlok/k8s_namespace/${namespace}/k8s_pod_name/${pod}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
        body,
      },
    );
    if (res.status !== 200 && res.status !== 202) throw new Error(`push failed: ${res.status} ${await res.text()}`);
  }

  private async api(path: string, params: Record<string, string | string[]>): Promise<any> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const x of ([] as string[]).concat(v)) qs.append(k, x);
    const res = await fetch(`${this.prometheusUrl}${path}?${qs}`);
    const json: any = await res.json();
    if (json.status !== 'success')
      throw new Error(`${path} ${JSON.stringify(params)}: ${json.errorType}: ${json.error}`);
    return json.data;
  }

  public async instantQuery(query: string): Promise<VectorSample[]> {
    const data = await this.api('/api/v1/query', { query });
    if (data.resultType !== 'vector') throw new Error(`unable to fetch metrics: result type ${data.resultType}`);
    return data.result;
  }

  /**
   * How Prometheus's scrapes went in the last `seconds` (per job: whether one failed, the longest): for a test's
   * failure message, when a value read as stale or missing might come from a failed scrape (a failed scrape marks
   * every series of its target stale until the next one).
   */
  public async scrapeHealth(seconds = 20): Promise<string> {
    const [up, duration] = await Promise.all([
      this.instantQuery(`min by (job) (min_over_time(up[${seconds}s]))`),
      this.instantQuery(`max by (job) (max_over_time(scrape_duration_seconds[${seconds}s]))`),
    ]);
    return JSON.stringify({
      minUp: Object.fromEntries(up.map((s) => [s.metric.job, s.value[1]])),
      maxScrapeSeconds: Object.fromEntries(duration.map((s) => [s.metric.job, s.value[1]])),
    });
  }

  public async series(match: string, maxAgeSeconds: number): Promise<Record<string, string>[]> {
    const now = Date.now() / 1000;
    return this.api('/api/v1/series', { 'match[]': match, start: String(now - maxAgeSeconds), end: String(now) });
  }

  /** Waits until Prometheus has scraped a sample for which `ok` holds. */
  public async waitFor(
    query: string,
    ok: (samples: VectorSample[]) => boolean,
    timeoutMs = 30000,
  ): Promise<VectorSample[]> {
    const deadline = Date.now() + timeoutMs;
    let last: VectorSample[] = [];
    while (Date.now() < deadline) {
      last = await this.instantQuery(query);
      if (ok(last)) return last;
      await sleep(250);
    }
    throw new Error(`timed out waiting on ${query}; last ${JSON.stringify(last)}\n${this.logs()}`);
  }

  /**
   * What the HPA gets and decides for one request: discovery as the adapter relists (seriesQuery, name mapping,
   * both resource labels present), the expanded metricsQuery run as an instant query, results mapped to pods,
   * then the replica calculation.
   */
  public async hpaDecision(
    rule: AdapterRuleConfig,
    hpa: HpaSpec,
    request: PodsMetricRequest & { currentReplicas: number },
  ): Promise<HpaDecision> {
    const namespaceLabel = labelForResource(rule, 'namespace');
    const podLabel = labelForResource(rule, 'pod');
    const discovered = (await this.series(rule.seriesQuery, 60))
      .filter((s) => s[namespaceLabel] !== undefined && s[podLabel] !== undefined)
      .map((s) => ({ series: s.__name__, api: apiMetricName(rule, s.__name__) }))
      .filter((s) => s.api === hpa.metricName);
    if (discovered.length === 0) {
      return { values: new Map(), query: '', ...this.calc(hpa, request, new Map()) };
    }
    const query = renderMetricsQuery(rule, discovered[0].series, request);
    const values = podValues(rule, request, await this.instantQuery(query));
    return { values, query, ...this.calc(hpa, request, values) };
  }

  /**
   * What an HPA on the External metric gets and decides: discovery as the adapter relists (the rule's seriesQuery
   * and name mapping), the query built as BuildExternal does from the HPA's selector and namespace, its values
   * summed by the HPA.
   */
  public async externalDecision(
    rule: AdapterRuleConfig,
    hpa: HpaSpec,
    request: { namespace: string; currentReplicas: number },
  ): Promise<ExternalDecision> {
    const discovered = (await this.series(rule.seriesQuery, 60))
      .map((s) => ({ series: s.__name__, api: apiMetricName(rule, s.__name__) }))
      .filter((s) => s.api === hpa.metricName);
    const calc = (values: number[]) =>
      desiredReplicasExternal({
        currentReplicas: request.currentReplicas,
        values,
        targetAverageValue: hpa.averageValue,
        minReplicas: hpa.minReplicas,
        maxReplicas: hpa.maxReplicas,
      });
    if (discovered.length === 0) return { values: [], query: '', ...calc([]) };
    const query = renderExternalMetricsQuery(rule, discovered[0].series, {
      namespace: request.namespace,
      metricSelector: hpa.selector,
    });
    const values = externalValues(await this.instantQuery(query));
    return { values, query, ...calc(values) };
  }

  private calc(
    hpa: HpaSpec,
    request: PodsMetricRequest & { currentReplicas: number },
    values: Map<string, number>,
  ): ReplicaCalculation {
    return desiredReplicas({
      currentReplicas: request.currentReplicas,
      pods: request.pods,
      podValues: values,
      targetAverageValue: hpa.averageValue,
      minReplicas: hpa.minReplicas,
      maxReplicas: hpa.maxReplicas,
    });
  }
}

export interface ExternalDecision extends ReplicaCalculation {
  readonly values: number[];
  readonly query: string;
}

export interface HpaDecision extends ReplicaCalculation {
  readonly values: Map<string, number>;
  readonly query: string;
}

/**
 * What KEDA's prometheus trigger and the HPA it creates decide: the trigger's query as an instant query (more than
 * one element is KEDA's `returned multiple elements` error, none reads 0 with `ignoreNullValues`), the value as a
 * milli-quantity, then the External AverageValue calculation with minReplicas = max(minReplicaCount, 1).
 */
export async function kedaDecision(
  chain: MetricsChain,
  scaledObject: Manifest,
  currentReplicas: number,
): Promise<ExternalDecision> {
  const trigger = scaledObject.spec.triggers[0];
  if (trigger.metricType !== 'AverageValue') throw new Error(`metricType ${trigger.metricType}`);
  const query: string = trigger.metadata.query;
  const samples = await chain.instantQuery(query);
  if (samples.length > 1) throw new Error(`prometheus query ${query} returned multiple elements`);
  const values = externalValues(samples);
  const calc = desiredReplicasExternal({
    currentReplicas,
    values: values.length ? values : [0],
    targetAverageValue: Number(trigger.metadata.threshold),
    minReplicas: Math.max(scaledObject.spec.minReplicaCount ?? 0, 1),
    maxReplicas: scaledObject.spec.maxReplicaCount ?? 100,
  });
  return { values, query, ...calc };
}
