import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DEMO_IMAGE, demoChart, Manifest } from './helpers';

// The guide's load test for a user's app: a file of its own, never in the directory `kubectl apply -f` takes.
describe('InterlokAutoscalingChart.synthLoadJob', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'load-job-'));
  });
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));
  const read = (path: string): Manifest[] => parseAllDocuments(readFileSync(path, 'utf-8')).map((d) => d.toJS());

  test("by default extras/load-job.k8s.yaml in the app outdir: a Job on the first Interlok's /in-box, none in the stack's files", () => {
    const app = new App({ outdir });
    const stack = demoChart(app, 'interlok-autoscaling', { interlok: { namespace: 'integration' } });
    app.synth();
    const path = stack.synthLoadJob();
    expect(path).toBe(join(outdir, 'extras', 'load-job.k8s.yaml'));
    expect(readdirSync(outdir).sort()).toEqual(['extras', 'interlok-autoscaling.k8s.yaml']);
    expect(read(join(outdir, 'interlok-autoscaling.k8s.yaml')).filter((o) => o.kind === 'Job')).toEqual([]);
    const [job, ...rest] = read(path);
    expect(rest).toEqual([]);
    expect(job).toMatchObject({ kind: 'Job', metadata: { name: 'interlok-load', namespace: 'integration' } });
    const command = job.spec.template.spec.containers[0].command.join(' ');
    expect(command).toContain('seq 150');
    expect(command).toContain('http://interlok.integration.svc:8080/in-box');
  });

  test("another Interlok of the fleet, a count and a directory of one's own", () => {
    const app = new App({ outdir: join(outdir, 'dist') });
    const stack = demoChart(app, 'fleet');
    const orders = stack.addInterlok('Orders', { image: DEMO_IMAGE, name: 'orders', namespace: 'team-a' });
    const path = stack.synthLoadJob({ interlok: orders.interlok, count: 40, outdir: join(outdir, 'load') });
    expect(path).toBe(join(outdir, 'load', 'team-a-orders-load-job.k8s.yaml'));
    const [job] = read(path);
    expect(job.metadata).toMatchObject({ name: 'orders-load', namespace: 'team-a' });
    expect(job.spec.template.spec.containers[0].command.join(' ')).toContain('seq 40');
  });

  test("refuses the app's own outdir, where kubectl apply -f would run it with the stack, and unknown options", () => {
    const app = new App({ outdir });
    const stack = demoChart(app, 'stack');
    expect(() => stack.synthLoadJob({ outdir: `${outdir}/` })).toThrow(
      `[stack] synthLoadJob.outdir: got "${outdir}/", expected a directory other than the app's outdir (${outdir}): kubectl apply -f ${outdir}/ would run the Job with the stack`,
    );
    expect(() => stack.synthLoadJob({ cout: 40 } as any)).toThrow(
      '[stack] synthLoadJob.cout: got 40, expected no such prop in LoadJobOptions (did you mean "count"?)',
    );
    expect(() => stack.synthLoadJob({ count: 0 })).toThrow('count: got 0, expected');
    expect(readdirSync(outdir)).toEqual([]);
  });
});
