/**
 * `explain` and `simulate` on dist/ and on another app's manifests (the guide's), through the CLI, and the
 * simulation model's timelines for the scenarios.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Duration } from 'cdk8s';
import { Scaler, ScalingPolicy } from '../lib';
import { readHpas, readManifests, simulatedHpa } from '../lib/model/manifests';
import { LOAD_PRESETS, simulate } from '../lib/model/simulation';
import { demoChart } from './helpers';
import { runCli } from './support/cli';

const root = join(__dirname, '..');
const GUIDE = join(root, 'test', 'fixtures', 'guide-app.yaml');

const cli = runCli;

let tmp: string;
let keda: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cli-explain-'));
  // the README's KEDA example
  keda = join(tmp, 'keda');
  const app = new App({ outdir: keda });
  demoChart(app, 'interlok-keda', {
    scaler: Scaler.keda({
      threshold: 100,
      maxReplicaCount: 5,
      pollingInterval: Duration.seconds(15),
      fallback: { failureThreshold: 3, replicas: 2 },
      scaleDown: { stabilizationWindow: Duration.minutes(5), policies: [ScalingPolicy.pods(1, Duration.minutes(1))] },
    }),
  });
  app.synth();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const distHpa = simulatedHpa(readHpas(readManifests(join(root, 'dist')))[0]!);

describe('simulation (lib/model/simulation.ts)', () => {
  test('the HPA of dist/: External, 100 per pod, 1..5, the default behavior written out', async () => {
    expect(distHpa).toEqual({
      metricType: 'External',
      target: 100,
      minReplicas: 1,
      maxReplicas: 5,
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Percent', value: 100, periodSeconds: 15 },
          { type: 'Pods', value: 4, periodSeconds: 15 },
        ],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: 'Max',
        policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      },
    });
  });

  test("the guide's 150-message burst: 1 → 2 at the first sync after the push, back to 1 after the stale window and the 300 s down-stabilization", async () => {
    const r = simulate({
      hpa: distHpa,
      load: [
        { at: 0, perPod: 150 },
        { at: 10, perPod: 0 },
      ],
      duration: 600,
    });
    // pushed at 10 s, scraped at 10 s, read at the 15 s sync; stale from 40 s, read 0 from the 45 s sync; the last
    // recommendation of 2 (30 s) leaves the 300 s window at 330 s
    expect(r.changes).toEqual([
      [15, 1, 2],
      [330, 2, 1],
    ]);
    expect(r.syncs.find((s) => s.t === 45)).toMatchObject({ metric: 0, replicas: 2 });
  });

  test('a ramp to 450 per pod reaches 5, and no step exceeds the scale-up policies (max of 100 % and 4 pods per 15 s)', async () => {
    const r = simulate({
      hpa: distHpa,
      load: [
        { at: 0, perPod: 100 },
        { at: 30, perPod: 200 },
        { at: 60, perPod: 300 },
        { at: 90, perPod: 450 },
      ],
      duration: 300,
    });
    expect(r.replicas[r.replicas.length - 1]).toBe(5);
    expect(r.changes).toEqual([
      [45, 1, 2],
      [60, 2, 4],
      [75, 4, 5],
    ]);
    for (const [t, from, to] of r.changes) {
      const before = r.replicas[Math.max(0, t - 15)]!;
      expect(to).toBeLessThanOrEqual(Math.max(before * 2, before + 4));
      expect(to).toBeGreaterThan(from);
    }
    // a stricter policy: 1 pod per 30 s
    const slow = simulate({
      hpa: {
        ...distHpa,
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }],
        },
      },
      load: [{ at: 0, perPod: 450 }],
      duration: 200,
    });
    // an event leaves the period once it is a whole period old (timestamp.After(now - period))
    expect(slow.changes).toEqual([
      [15, 1, 2],
      [45, 2, 3],
      [75, 3, 4],
      [105, 4, 5],
    ]);
  });

  test('the presets are totals the Deployment receives, spread over its pods: more pods, less each', async () => {
    expect(LOAD_PRESETS.burst!.steps).toEqual([
      { at: 0, total: 150 },
      { at: 10, total: 0 },
    ]);
    expect(LOAD_PRESETS.ramp!.steps.every((step) => step.perPod === undefined && step.total !== undefined)).toBe(true);
    // with room for 10 pods, the ramp's 400 settles at 4 (a per-pod 450 ran to maxReplicas, whatever it was)
    const roomy = { ...distHpa, maxReplicas: 10 };
    const ramp = simulate({ hpa: roomy, load: [...LOAD_PRESETS.ramp!.steps], duration: 600 });
    expect(ramp.replicas[600]).toBe(4);
    expect(Math.max(...ramp.replicas)).toBe(4);
    expect(ramp.loadPerPod[599]).toBe(100);
    // the guide's burst: one pod handles the 150 messages, as before
    expect(simulate({ hpa: roomy, load: [...LOAD_PRESETS.burst!.steps], duration: 600 }).changes).toEqual([
      [15, 1, 2],
      [330, 2, 1],
    ]);
  });

  test("the guide's configuration (Pods metric, no stale window, 1 m scrape) never scales down", async () => {
    const guide = simulatedHpa(readHpas(readManifests(GUIDE))[0]!);
    const r = simulate({
      hpa: guide,
      load: [
        { at: 0, perPod: 150 },
        { at: 10, perPod: 0 },
      ],
      duration: 3600,
      timing: { scrapeInterval: 60, staleAfter: undefined },
    });
    expect(r.changes).toEqual([[60, 1, 2]]);
    expect(r.replicas[3600]).toBe(2);
    expect(r.syncs[r.syncs.length - 1]!.reason).toContain('missing the metric');
  });

  test('stabilization and policies: a scale-down window keeps the highest recommendation; Disabled never scales down', async () => {
    const r = simulate({
      hpa: { ...distHpa, scaleDown: { ...distHpa.scaleDown, selectPolicy: 'Disabled' } },
      load: [
        { at: 0, perPod: 450 },
        { at: 30, perPod: 0 },
      ],
      duration: 900,
    });
    expect(r.replicas[900]).toBe(5);
    const pods1 = simulate({
      hpa: {
        ...distHpa,
        scaleDown: {
          stabilizationWindowSeconds: 60,
          selectPolicy: 'Max',
          policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
        },
      },
      load: [
        { at: 0, perPod: 450 },
        { at: 30, perPod: 0 },
      ],
      duration: 600,
    });
    const downs = pods1.changes.filter(([, a, b]) => b < a);
    expect(downs.map(([, a, b]) => a - b)).toEqual([1, 1, 1, 1]);
    for (let i = 1; i < downs.length; i++) expect(downs[i]![0] - downs[i - 1]![0]).toBeGreaterThanOrEqual(60);
  });
});

describe('explain', () => {
  test('dist/: the External metric, its rule, the exact PromQL, decisions for 50/150/450, the idle path, reaction times', async () => {
    const r = await cli('explain', 'dist/');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Deployment default/interlok  (HPA default/interlok-autoscaler)');
    expect(r.stdout).toContain('metric        External interlok_messagemetrics, AverageValue 100 per pod');
    expect(r.stdout).toContain(
      'sum(max by (k8s_pod_name) (MessageMetrics{k8s_namespace="default",k8s_pod_name=~"interlok-[bcdfghjklmnpqrstvwxz2456789]{1,10}-',
    );
    expect(r.stdout).toMatch(/ 50 per pod → 1 replica/);
    expect(r.stdout).toMatch(/150 per pod → 2 replica/);
    expect(r.stdout).toMatch(/450 per pod → 5 replica/);
    expect(r.stdout).toContain('5 → 1 at 330 s after the load stops');
    expect(r.stdout).toContain(
      'load step → scale-up decision 35 s; load stops → lower recommendation 55 s, fewer replicas 355 s; no series while idle → fewer replicas 325 s',
    );
    const json = JSON.parse((await cli('explain', '--json')).stdout);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({
      hpa: 'default/interlok-autoscaler',
      staleAfter: 30,
      scrapeInterval: 10,
      problems: [],
    });
    expect(json[0].decisions.map((d: any) => d.desiredReplicas)).toEqual([1, 2, 5]);
  });

  test("another app (the guide's): the Pods metric, the unscoped query, never scales down; exit 1 for the unscoped rule", async () => {
    const r = await cli('explain', GUIDE);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('metric        Pods MessageMetrics, AverageValue 100 per pod');
    expect(r.stdout).toContain('adapter rule  ConfigMap monitoring/adapter-config config.yaml rules[0]');
    expect(r.stdout).toContain(
      'PromQL for pods interlok-7d9f8c6b5-x2b4q, interlok-7d9f8c6b5-k7m9p:\n    MessageMetrics\n',
    );
    expect(r.stdout).toContain('never scales down');
    expect(r.stdout).toContain('scrape 60 s, stale after never');
    expect(r.stderr).toMatch(
      /^cdk8s-interlok-scaling: error: 1 problem\(s\): default\/interlok-autoscaler: the metricsQuery uses neither/,
    );
  });

  test('a rule the adapter refuses (join) is reported as refused, not rendered', async () => {
    const file = join(tmp, 'join.yaml');
    writeFileSync(
      file,
      readFileSync(GUIDE, 'utf-8').replace(
        'metricsQuery: MessageMetrics',
        'metricsQuery: \'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<join .GroupBySlice ",">>)\'',
      ),
    );
    const r = await cli('explain', file, '--json');
    expect(r.code).toBe(1);
    const [e] = JSON.parse(r.stdout);
    expect(e.query).toBeUndefined();
    expect(e.problems[0]).toContain(
      'prometheus-adapter refuses this rule when it loads its config (it does not start): unable to parse metrics query template',
    );
    expect(e.problems[0]).toContain('function "join" not defined');
  });

  test("the README's KEDA example: KEDA's HPA, an External AverageValue metric on the trigger's query", async () => {
    const r = await cli('explain', keda);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Deployment default/interlok  (HPA default/keda-hpa-interlok, which KEDA creates for ScaledObject default/interlok)',
    );
    expect(r.stdout).toContain('metric        External s0-prometheus, AverageValue 100 per pod');
    expect(r.stdout).toContain(
      'KEDA trigger  ScaledObject default/interlok triggers[0]: prometheus on http://interlok-scaling-prometheus.interlok-scaling.svc:80',
    );
    expect(r.stdout).toContain(
      'sum(max by (k8s_pod_name) (MessageMetrics{k8s_namespace="default",k8s_pod_name=~"interlok-',
    );
    expect(r.stdout).toMatch(/450 per pod → 5 replica/);
    // its scale-down policy: one pod a minute, after the 300 s window
    expect(r.stdout).toContain('5 → 4 at 330 s, 4 → 3 at 390 s, 3 → 2 at 450 s, 2 → 1 at 510 s after the load stops');
    const [e] = JSON.parse((await cli('explain', keda, '--json')).stdout);
    expect(e).toMatchObject({
      hpa: 'default/keda-hpa-interlok',
      scaledObject: 'default/interlok',
      staleAfter: 30,
      problems: [],
      metric: { type: 'External', target: 100 },
    });
    expect(e.rule).toBeUndefined();
    expect(e.decisions.map((d: any) => d.desiredReplicas)).toEqual([1, 2, 5]);
    const hpa = readHpas(readManifests(keda))[0]!;
    expect(simulatedHpa(hpa)).toMatchObject({
      metricType: 'External',
      target: 100,
      minReplicas: 1,
      maxReplicas: 5,
      scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
    });
  });

  test('no HPA: exit 1; a missing directory: exit 2', async () => {
    const file = join(tmp, 'none.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    expect(await cli('explain', file)).toMatchObject({
      code: 1,
      stderr: `cdk8s-interlok-scaling: error: ${file}: no autoscaling/v2 HorizontalPodAutoscaler or KEDA ScaledObject found\n`,
    });
    expect((await cli('explain', join(tmp, 'nope'))).code).toBe(2);
  });
});

describe('simulate', () => {
  test("the guide's burst on dist/: a terminal chart, the changes, and an SVG", async () => {
    const svg = join(tmp, 'burst.svg');
    const r = await cli('simulate', 'dist/', '--load', 'burst', '--svg', svg);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'HPA default/interlok-autoscaler: External metric, target 100 per pod, 1..5 replicas; scrape 10 s, stale after 30 s',
    );
    expect(r.stdout).toMatch(/15 s\s+1 → 2\s+150\s+ceil\(150 \/ 100\)/);
    expect(r.stdout).toMatch(/330 s\s+2 → 1\s+0/);
    expect(r.stdout).toContain('┼');
    const text = readFileSync(svg, 'utf-8');
    expect(text).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(text).toContain('replicas');
    expect(text).toContain('</svg>');
  });

  test("--json, a total spread over the pods, and the guide's app", async () => {
    const r = await cli('simulate', 'dist/', '--load', '0s=600total,2m=0', '--duration', '15m', '--no-svg', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.changes[0]).toEqual([15, 1, 5]);
    expect(j.changes[j.changes.length - 1][2]).toBe(1);
    const g = JSON.parse(
      (await cli('simulate', GUIDE, '--load', 'burst', '--duration', '30m', '--no-svg', '--json')).stdout,
    );
    expect(g.changes).toEqual([[60, 1, 2]]);
  });

  test('the ramp preset on dist/: a total, so it settles below maxReplicas', async () => {
    const j = JSON.parse((await cli('simulate', 'dist/', '--load', 'ramp', '--no-svg', '--json')).stdout);
    expect(j.load).toEqual([
      { at: 0, total: 100 },
      { at: 30, total: 200 },
      { at: 60, total: 300 },
      { at: 90, total: 400 },
    ]);
    expect(j.changes.map(([, , to]: number[]) => to)).toEqual([2, 3, 4]);
    expect((await cli('simulate', '--help')).stdout.replace(/\s+/g, ' ')).toContain(
      'ramp (0s=100total,30s=200total,60s=300total,90s=400total)',
    );
  });

  test("the README's KEDA example: the ScaledObject's HPA, chosen by either name", async () => {
    const r = await cli('simulate', keda, '--load', 'burst', '--no-svg');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "HPA default/keda-hpa-interlok (KEDA's, for ScaledObject default/interlok): External metric, target 100 per pod, 1..5 replicas; scrape 10 s, stale after 30 s",
    );
    expect(r.stdout).toMatch(/15 s\s+1 → 2\s+150/);
    for (const name of ['interlok', 'default/interlok', 'keda-hpa-interlok'])
      expect((await cli('simulate', keda, '--load', 'burst', '--no-svg', '--hpa', name)).code).toBe(0);
  });

  test('--hpa with a name the manifests do not have: exit 2, listing the names', async () => {
    const r = await cli('simulate', 'dist/', '--load', 'burst', '--no-svg', '--hpa', 'interlok-autoscalr');
    expect(r).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'cdk8s-interlok-scaling: error: --hpa: got "interlok-autoscalr", expected one of default/interlok-autoscaler\n',
    });
  });

  test.each([
    [['simulate', '--load', '0s=abc'], '--load: got "0s=abc"'],
    [['simulate'], "required option '--load <profile>' not specified"],
    [['simulate', '--load', 'burst', '--duration', '5s'], '--duration: got 5s, expected 15s to 1d'],
  ])('bad usage %j: exit 2', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
