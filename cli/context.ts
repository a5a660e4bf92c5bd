/** What a command may use of the world: where it writes, and whether that is a terminal. Tests give their own. */
export interface CliContext {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Colour only on a terminal. @default false */
  readonly stdoutIsTTY?: boolean;
  /** Progress only on a terminal. @default false */
  readonly stderrIsTTY?: boolean;
}

export const processContext: CliContext = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  get stdoutIsTTY() {
    return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  },
  get stderrIsTTY() {
    return Boolean(process.stderr.isTTY);
  },
};
