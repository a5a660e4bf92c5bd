// The cdk8s-interlok-scaling command line: one module per command in ./commands, registered in COMMANDS.
// Exit codes: 0 ok, 1 a check failed, 2 bad usage. Errors are one line, `cdk8s-interlok-scaling: error: ...`.
import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';
import { Command, CommanderError } from 'commander';
import { adapterValuesCommand } from './commands/adapter-values';
import { doctorCommand } from './commands/doctor';
import { explainCommand } from './commands/explain';
import { loadCommand } from './commands/load';
import { preflightCommand } from './commands/preflight';
import { simulateCommand } from './commands/simulate';
import { CliContext, processContext } from './context';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './errors';

export const NAME = 'cdk8s-interlok-scaling';

/** The commands, each a function of the context that returns a commander Command. */
export const COMMANDS: Array<(ctx: CliContext) => Command> = [
  adapterValuesCommand,
  explainCommand,
  doctorCommand,
  loadCommand,
  preflightCommand,
  simulateCommand,
];

/** This package's version, from its package.json (the CLI runs from source, and from cli/build/ as the package
 * `cdk8s-interlok-scaling-cli`, which has the library's version). */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf-8'));
      if (pkg.name === NAME || pkg.name === `${NAME}-cli`) return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

const oneLine = (text: string) => text.trim().replace(/\s*\n\s*/g, ' ');

function configure(cmd: Command, ctx: CliContext): Command {
  cmd
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout(s),
      writeErr: (s) => ctx.stderr(s),
      outputError: (s, write) => write(`${NAME}: ${oneLine(s)}\n`),
    })
    .helpOption('-h, --help', 'show help for this command');
  cmd.commands.forEach((c) => configure(c, ctx));
  return cmd;
}

export function buildProgram(ctx: CliContext = processContext): Command {
  const program = new Command(NAME)
    .description('Tools for Interlok autoscaling on a Prometheus pushgateway metric (cdk8s-interlok-scaling).')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpCommand(false)
    .showHelpAfterError(false)
    .addHelpText('after', `\nRun "${NAME} <command> --help" for the options of a command.`);
  COMMANDS.forEach((make) => program.addCommand(make(ctx)));
  return configure(program, ctx);
}

/** Runs the CLI on `argv` (without node and the script) and returns the exit code; never throws. */
export async function main(argv: string[], ctx: CliContext = processContext): Promise<number> {
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has printed the help, the version or its one-line error already
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const message = e instanceof Error ? e.message : String(e);
    ctx.stderr(`${NAME}: error: ${oneLine(message)}\n`);
    // a failed check (CheckFailed) and anything unexpected exit 1; still one line, no stack
    return e instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
}
