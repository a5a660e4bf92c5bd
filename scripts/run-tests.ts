// `npm test`'s last step: the unit and chain tests (jest) and the tests on the real control plane
// (`npm run test:cluster`) at once. The cluster tests mostly wait on the clocks of Prometheus and the HPA
// controller, so running them beside jest takes the time of the longer of the two instead of their sum. The
// cluster tests' output is shown after jest's, whole; the exit code is non-zero if either failed.
import { spawn } from 'child_process';

function run(script: string, capture: boolean): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', script], { stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'] });
    let output = '';
    child.stdout?.on('data', (d) => { output += d; });
    child.stderr?.on('data', (d) => { output += d; });
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

async function main(): Promise<number> {
  const cluster = run('test:cluster', true);
  const unit = await run('test:unit', false);
  console.error('\ncdk8s-interlok-scaling: the tests on the real control plane (npm run test:cluster):');
  const e2e = await cluster;
  process.stderr.write(e2e.output);
  if (unit.code !== 0) console.error(`cdk8s-interlok-scaling: the unit and chain tests failed (exit ${unit.code})`);
  if (e2e.code !== 0) console.error(`cdk8s-interlok-scaling: the tests on the real control plane failed (exit ${e2e.code})`);
  return unit.code !== 0 ? unit.code : e2e.code;
}

main().then((code) => process.exit(code));
