import { execFileSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
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
