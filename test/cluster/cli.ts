// `npm run cluster -- run [--hpa-sync-period D] -- <command...>`: starts the test cluster, runs the command inside
// it (in the directory npm was called from) and exits with its exit code after tearing the cluster down.
// `npm run cluster -- exec <namespace>/<pod> -- <command...>`: runs a command in a pod's network namespace (from
// inside `run`). `npm run cluster -- build`: builds the Go binaries into the cache and nothing else.
import { spawn } from 'child_process';
import { Command } from 'commander';
import { ensureBinaries } from './build';
import { Cluster, podExecArgv, STATE_ENV } from './cluster';

const program = new Command('cluster').description('the test cluster of cdk8s-interlok-scaling').showHelpAfterError();
const callerCwd = process.env.INIT_CWD ?? process.cwd(); // npm runs scripts in the package root

program
  .command('build')
  .description('build the Go binaries into the cache')
  .action(() => {
    ensureBinaries();
  });

program
  .command('run')
  .description('start the cluster, run <command> in it, tear it down')
  .option(
    '--hpa-sync-period <duration>',
    "kube-controller-manager's --horizontal-pod-autoscaler-sync-period (default: its own 15s)",
  )
  .argument('<command...>')
  .action(async (command: string[], opts: { hpaSyncPeriod?: string }) => {
    const cluster = new Cluster({ hpaSyncPeriod: opts.hpaSyncPeriod });
    let code = 1;
    const stop = async () => {
      await cluster.stop();
      process.exit(130);
    };
    process.once('SIGINT', stop).once('SIGTERM', stop);
    try {
      await cluster.start();
      code = await cluster.run(command, callerCwd);
    } catch (e) {
      console.error(`cluster: cannot start: ${(e as Error).message}`);
      code = 1;
    } finally {
      await cluster.stop();
    }
    process.exit(code);
  });

program
  .command('exec')
  .description("run <command> in a pod's network namespace (inside `cluster run`)")
  .argument('<pod>', 'namespace/name')
  .argument('<command...>')
  .action((pod: string, command: string[]) => {
    const stateDir = process.env[STATE_ENV];
    if (!stateDir) {
      console.error(`cluster: exec runs inside \`npm run cluster -- run\` (${STATE_ENV} is not set)`);
      process.exit(2);
    }
    const [namespace, name] = pod.includes('/') ? pod.split('/', 2) : ['default', pod];
    let argv: [string, string[]];
    try {
      argv = podExecArgv(stateDir, namespace!, name!, command, callerCwd);
    } catch (e) {
      console.error(`cluster: ${(e as Error).message}`);
      process.exit(1);
    }
    const child = spawn(...argv, { stdio: 'inherit', cwd: callerCwd });
    child.on('exit', (code) => process.exit(code ?? 1));
  });

program.parseAsync(process.argv).catch((e) => {
  console.error(`cluster: ${(e as Error).message}`);
  process.exit(2);
});
