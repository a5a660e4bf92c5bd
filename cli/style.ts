import { createColors } from 'picocolors';
import { CliContext } from './context';

/** Colours for stdout: real ones on a terminal, plain text otherwise. */
export function colours(ctx: CliContext) {
  return createColors(Boolean(ctx.stdoutIsTTY));
}

/** A table of plain-text columns, left-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
