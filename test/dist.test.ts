import { execFileSync } from 'child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';

const root = join(__dirname, '..');

/** Every file under dir, by relative path (dist/extras/ included). */
function readTree(dir: string): Record<string, string> {
  return Object.fromEntries(
    (readdirSync(dir, { recursive: true }) as string[])
      .sort()
      .filter((f) => statSync(join(dir, f)).isFile())
      .map((f) => [f, readFileSync(join(dir, f), 'utf-8')]),
  );
}

/** The files `kubectl apply -f dir` takes: the directory's own files, not its subdirectories. */
function kubectlTree(dir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(readTree(dir)).filter(([f]) => !f.includes('/')));
}

describe('the committed dist/ is what the app synthesizes now', () => {
  let out: string;
  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), 'dist-check-'));
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  test('npm run synth (main.ts) writes exactly dist/', () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'main.ts'], {
      cwd: root,
      env: { ...process.env, CDK8S_OUTDIR: out },
    });
    // an output directory of the CLI's own (--output, or a Helm chart's templates/) gets the stack only
    expect(readTree(out)).toEqual(kubectlTree(join(root, 'dist')));
  });

  test('cdk8s synth, offline, writes exactly dist/', () => {
    const cli = join(root, 'node_modules', '.bin', 'cdk8s');
    execFileSync(cli, ['synth', '--no-check-upgrade', '--output', out], {
      cwd: root,
      env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
      stdio: 'pipe',
    });
    expect(readTree(out)).toEqual(kubectlTree(join(root, 'dist')));
  });

  test('dist/ holds only Kubernetes YAML: the stack, and the load Job in extras/ that kubectl apply -f dist/ leaves alone', () => {
    expect(Object.keys(readTree(join(root, 'dist')))).toEqual([
      'extras/load-job.k8s.yaml',
      'interlok-autoscaling.k8s.yaml',
    ]);
    const job = parse(readFileSync(join(root, 'dist', 'extras', 'load-job.k8s.yaml'), 'utf-8'));
    expect(job).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'interlok-load', namespace: 'default' },
    });
    expect(job.spec.template.spec.containers[0].command[2]).toContain(
      'for i in $(seq 150); do wget -q -T 10 -O /dev/null http://interlok.default.svc:8080/in-box; done',
    );
    // its pods are none of Interlok's: the Deployment's selector and the Service do not pick them up
    expect(job.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('interlok-load');
  });
});

describe('cdk8s synth with cdk8s.yaml is all or nothing too', () => {
  // a copy of the app in build/, so that the repository's own dist/ is never touched while other tests read it
  let project: string;
  const cli = join(root, 'node_modules', '.bin', 'cdk8s');
  const synth = () =>
    execFileSync(cli, ['synth', '--no-check-upgrade'], {
      cwd: project,
      env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
      stdio: 'pipe',
    });
  beforeAll(() => {
    mkdirSync(join(root, 'build'), { recursive: true });
    project = mkdtempSync(join(root, 'build', 'cli-'));
    for (const f of ['cdk8s.yaml', 'main.ts', 'package.json', 'tsconfig.json']) cpSync(join(root, f), join(project, f));
    for (const d of ['lib', 'imports']) cpSync(join(root, d), join(project, d), { recursive: true });
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  test('writes dist/, equal to the committed one', () => {
    synth();
    expect(readTree(join(project, 'dist'))).toEqual(readTree(join(root, 'dist')));
  });

  test('npm run synth (main.ts with no output directory) replaces dist/, leaving nothing of an earlier run', () => {
    writeFileSync(join(project, 'dist', 'renamed-away.k8s.yaml'), 'kind: Stale\n');
    execFileSync(process.execPath, ['--import', 'tsx', 'main.ts'], {
      cwd: project,
      stdio: 'pipe',
      env: { ...process.env, CDK8S_OUTDIR: '' },
    });
    expect(readTree(join(project, 'dist'))).toEqual(readTree(join(root, 'dist')));
    expect(readdirSync(project).filter((f) => f.includes('staging-'))).toEqual([]);
  });

  test('a failing app leaves dist/ exactly as it was', () => {
    const before = readTree(join(project, 'dist'));
    writeFileSync(join(project, 'dist', 'extra.k8s.yaml'), 'kind: Kept\n');
    writeFileSync(
      join(project, 'main.ts'),
      readFileSync(join(project, 'main.ts'), 'utf-8').replace(
        '{ interlok: { image: InterlokImage.guideDemo() } })',
        '{ interlok: { image: InterlokImage.guideDemo() }, autoscaler: { minReplicas: 9 } })',
      ),
    );
    expect(synth).toThrow(/minReplicas: got 9, expected at most maxReplicas \(5\)/);
    expect(readTree(join(project, 'dist'))).toEqual({ ...before, 'extra.k8s.yaml': 'kind: Kept\n' });
  });
});
