/**
 * The tests and the CLI leave no `cdk8s.outdir.*` folder behind (cdk8s's Testing.app() makes one per call). The
 * count is taken in a temporary directory of this test's own (os.tmpdir() points there during each test), so
 * other processes on the machine cannot change it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { demoChart } from './helpers';
import { main } from '../cli/main';

let privateTmp: string;
beforeEach(() => {
  privateTmp = mkdtempSync(join(tmpdir(), 'temp-dirs-'));
  jest.spyOn(require('os') as typeof import('os'), 'tmpdir').mockReturnValue(privateTmp);
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(privateTmp, { recursive: true, force: true });
});
const outdirs = () => readdirSync(privateTmp).filter((f) => f.startsWith('cdk8s.outdir.')).length;

test("the count sees the leak: cdk8s's own Testing.app() leaves a folder per call", () => {
  jest.isolateModules(() => {
    require('cdk8s').Testing.app();
  });
  expect(outdirs()).toBe(1);
});

test("Testing.app(), synthesis and the CLI's adapter-values add no cdk8s.outdir.* folder", async () => {
  const before = outdirs();
  for (let i = 0; i < 20; i++) Testing.synth(demoChart(Testing.app(), `x${i}`));
  const out: string[] = [];
  const code = await main(['adapter-values'], { stdout: (t) => out.push(t), stderr: (t) => out.push(t) });
  expect(code).toBe(0);
  expect(out.join('')).toContain('rules:');
  expect(before).toBe(0);
  expect(outdirs()).toBe(0);
});

test('an app of the tests writes under one folder per test file, which is removed after it', () => {
  const app = Testing.app();
  expect(app.outdir).toMatch(/cdk8s-interlok-scaling-test\.\d+\.\w+\/\d+$/);
  expect(new Chart(new App({ outdir: app.outdir }), 'c').node.path).toBe('c');
});

test('no code that runs outside jest calls Testing.app() or Testing.chart() (doctor did: a cdk8s.outdir.* folder per run)', () => {
  // one-outdir.ts redirects Testing.app() only in jest's own processes; a child process (the CLI, main.ts) would
  // leave a cdk8s.outdir.* folder per call
  const root = join(__dirname, '..');
  const sources = ['lib', 'cli', 'bin', 'scripts', 'bench', 'test/cluster']
    .flatMap((d) =>
      (readdirSync(join(root, d), { recursive: true, encoding: 'utf-8' }) as string[])
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
        .map((f) => join(d, f)),
    )
    .concat('main.ts');
  expect(sources).toContain(join('cli', 'commands', 'doctor-cluster.ts'));
  const code = (f: string) =>
    readFileSync(join(root, f), 'utf-8')
      .split('\n')
      .filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l)) // comments may name it
      .join('\n');
  expect(sources.filter((f) => /\bTesting\.(app|chart)\(/.test(code(f)))).toEqual([]);
});
