/** What a command may use of the world: where it writes. Tests give their own. */
export interface CliContext {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processContext: CliContext = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
