/**
 * One run of each command through the installed bin (node_modules/.bin, the workspace package cli/ as npm links
 * it, built fresh here): what the in-process tests cannot see (the bundle, its shebang, its dependencies, exit
 * codes of a real process). Everything else about the commands runs in process (test/support/cli.ts).
 */
import { execFileSync, spawnSync } from 'child_process';
import { join } from 'path';
import { parse } from 'yaml';

const root = join(__dirname, '..');
const bin = join(root, 'node_modules', '.bin', 'cdk8s-interlok-scaling');
const run = (...args: string[]) =>
  spawnSync(bin, args, { cwd: root, encoding: 'utf-8', env: { ...process.env, NO_COLOR: '1' } });

beforeAll(() => {
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '-s', 'build:cli'], {
    cwd: root,
    stdio: 'pipe',
  });
}, 120_000);

describe('the installed bin', () => {
  test('--version', () => {
    expect(run('--version')).toMatchObject({
      status: 0,
      stdout: `${require('../package.json').version}\n`,
      stderr: '',
    });
  });

  test('adapter-values prints the values file', () => {
    const r = run('adapter-values', '--scrape-interval', '30s');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(parse(r.stdout).rules.custom[0].metricsQuery).toContain('< bool 50))');
  });

  test('explain reads dist/', () => {
    const r = run('explain', 'dist/', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)[0].decisions.map((d: { desiredReplicas: number }) => d.desiredReplicas)).toEqual([
      1, 2, 5,
    ]);
  });

  test('simulate (echarts loads only for the SVG: --no-svg here, the SVG in the consumer test)', () => {
    const r = run('simulate', 'dist/', '--load', 'burst', '--no-svg');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/330 s\s+2 → 1/);
  });

  test('doctor: a Prometheus that does not answer is a failed check, exit 1, one line', () => {
    const r = run('doctor', '--prometheus', 'http://127.0.0.1:1', '--namespace', 'default', '--manifests', 'dist/');
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/prometheus/i);
  });

  test('load: bad usage exits 2 with one line', () => {
    const r = run('load', '--url', 'http://127.0.0.1:1/in-box', '--count', '0');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^cdk8s-interlok-scaling: error: --count/);
  });
});
