import { execFileSync } from 'child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const root = join(__dirname, '..');

function readTree(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf-8')]));
}

describe('the committed dist/ is what the app synthesizes now', () => {
  let out: string;
  beforeEach(() => { out = mkdtempSync(join(tmpdir(), 'dist-check-')); });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  test('npm run synth (main.ts) writes exactly dist/', () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: root, env: { ...process.env, CDK8S_OUTDIR: out } });
    expect(readTree(out)).toEqual(readTree(join(root, 'dist')));
  });

  test('cdk8s synth, offline, writes exactly dist/', () => {
    const cli = join(root, 'node_modules', '.bin', 'cdk8s');
    execFileSync(cli, ['synth', '--no-check-upgrade', '--output', out], { cwd: root, env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' }, stdio: 'pipe' });
    expect(readTree(out)).toEqual(readTree(join(root, 'dist')));
  });

  test('dist/ holds only Kubernetes YAML', () => {
    for (const file of readdirSync(join(root, 'dist'))) expect(file).toMatch(/\.k8s\.yaml$/);
  });
});

describe('cdk8s synth with cdk8s.yaml is all or nothing too', () => {
  // a copy of the app in build/, so that the repository's own dist/ is never touched while other tests read it
  let project: string;
  const cli = join(root, 'node_modules', '.bin', 'cdk8s');
  const synth = () => execFileSync(cli, ['synth', '--no-check-upgrade'], { cwd: project, env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' }, stdio: 'pipe' });
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
    execFileSync(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: project, stdio: 'pipe', env: { ...process.env, CDK8S_OUTDIR: '' } });
    expect(readTree(join(project, 'dist'))).toEqual(readTree(join(root, 'dist')));
    expect(readdirSync(project).filter((f) => f.includes('staging-'))).toEqual([]);
  });

  test('a failing app leaves dist/ exactly as it was', () => {
    const before = readTree(join(project, 'dist'));
    writeFileSync(join(project, 'dist', 'extra.k8s.yaml'), 'kind: Kept\n');
    writeFileSync(join(project, 'main.ts'), readFileSync(join(project, 'main.ts'), 'utf-8')
      .replace("new InterlokAutoscalingChart(app, 'interlok-autoscaling')", "new InterlokAutoscalingChart(app, 'interlok-autoscaling', { autoscaler: { minReplicas: 9 } })"));
    expect(synth).toThrow(/minReplicas: got 9, expected at most maxReplicas \(5\)/);
    expect(readTree(join(project, 'dist'))).toEqual({ ...before, 'extra.k8s.yaml': 'kind: Kept\n' });
  });
});
