/**
 * The CLI in process: `main()` with a context that collects what it writes, as the bin would print it (no
 * terminal, so no colour). One smoke test per command runs the installed bin instead (test/cli-smoke.test.ts).
 */
import { main } from '../../cli/main';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}
