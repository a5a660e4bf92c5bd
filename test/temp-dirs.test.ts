/** The tests and the CLI leave no `cdk8s.outdir.*` folder behind (cdk8s's Testing.app() makes one per call). */
import { readdirSync } from 'fs';
import { tmpdir } from 'os';
import { App, Chart, Testing } from 'cdk8s';
import { InterlokAutoscalingChart } from '../lib';
import { main } from '../cli/main';

const outdirs = () => readdirSync(tmpdir()).filter((f) => f.startsWith('cdk8s.outdir.')).length;

test('Testing.app(), synthesis and the CLI\'s adapter-values add no cdk8s.outdir.* folder', async () => {
  const before = outdirs();
  for (let i = 0; i < 20; i++) Testing.synth(new InterlokAutoscalingChart(Testing.app(), `x${i}`));
  const out: string[] = [];
  const code = await main(['adapter-values'], { stdout: (t) => out.push(t), stderr: (t) => out.push(t) });
  expect(code).toBe(0);
  expect(out.join('')).toContain('rules:');
  expect(outdirs()).toBe(before);
});

test('an app of the tests writes under one folder per test file, which is removed after it', () => {
  const app = Testing.app();
  expect(app.outdir).toMatch(/cdk8s-interlok-scaling-test\.\d+\.\w+\/\d+$/);
  expect(new Chart(new App({ outdir: app.outdir }), 'c').node.path).toBe('c');
});
